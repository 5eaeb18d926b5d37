"""The customer's own pages (issue 15 §5), anonymous as a customer's phone asks for them:
the status look-up (number + last four phone digits), the status page it opens, and the
confirmation link's page. Reads only: the link pages are measured on GET."""

from django.test import Client

from bench.harness import Operation, operation
from tickets.models import Ticket
from tickets.public import CONFIRM, public_link_token


def _ok(response, status=200):
    if response.status_code != status:
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")
    return response


def _sample(ctx, sampled=True, **filters):
    tickets = Ticket.objects.filter(customer__erased_at=None, **filters)
    if sampled:
        tickets = tickets.filter(pk__in=ctx.ticket_ids)
    rows = list(tickets.select_related("customer").order_by("-pk")[:200])
    if not rows:
        raise AssertionError(f"no sampled ticket with {filters}")
    return rows


@operation
def public_status_lookup(ctx):
    tickets = _sample(ctx)

    def run(i):
        ticket = ctx.pick(tickets, i)
        # A new client address each time: the look-up limit counts per address.
        client = Client(REMOTE_ADDR=f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}")
        data = {"number": ticket.number, "phone_last4": ticket.customer.phone[-4:]}
        return _ok(client.post("/service/", data), 302)

    return Operation(name="customer status look-up (HTML, redirect)", run=run)


@operation
def public_status_page(ctx):
    tickets = _sample(ctx)[:10]  # one session holds up to ten look-ups
    client = Client(REMOTE_ADDR="10.255.0.1")
    for ticket in tickets:
        data = {"number": ticket.number, "phone_last4": ticket.customer.phone[-4:]}
        _ok(client.post("/service/", data), 302)
    return Operation(
        name="customer status page (HTML)",
        run=lambda i: _ok(client.get(f"/service/{ctx.pick(tickets, i).number}/")),
    )


@operation
def public_confirm_page(ctx):
    # Few tickets await a confirmation at any time: the newest 200, not the sample.
    tickets = _sample(ctx, sampled=False, status="awaiting_confirmation")
    links = [f"/service/{t.number}/confirm/{public_link_token(t, CONFIRM)}/" for t in tickets]
    client = Client()
    return Operation(
        name="customer confirmation link page (HTML)",
        run=lambda i: _ok(client.get(ctx.pick(links, i))),
    )
