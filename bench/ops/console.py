"""The agent console's pages as an agent's browser asks for them (issue 13: each under
100 ms p95 server time at 1,000,000 tickets). The queue's saved views and the global search
have their own operations (bench/ops/queue.py, bench/ops/search.py)."""

from bench.harness import Operation, operation
from tickets.models import Customer


def _ok(response, status=200):
    if response.status_code != status:
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")
    return response


@operation
def console_ticket_page(ctx):
    return Operation(
        name="ticket page (HTML)",
        run=lambda i: _ok(ctx.page.get(f"/tickets/{ctx.pick(ctx.ticket_ids, i)}/")),
    )


@operation
def console_customer_page(ctx):
    return Operation(
        name="customer page (HTML)",
        run=lambda i: _ok(ctx.page.get(f"/customers/{ctx.pick(ctx.customer_ids, i)}/")),
    )


@operation
def console_intake_lookup(ctx):
    phones = list(
        Customer.objects.filter(pk__in=ctx.customer_ids[:200]).values_list("phone", flat=True)
    )
    return Operation(
        name="intake, customer found by phone (HTML)",
        run=lambda i: _ok(ctx.page.get("/tickets/new/", {"phone": ctx.pick(phones, i)})),
    )


@operation
def console_screen_pop(ctx):
    phones = list(
        Customer.objects.filter(pk__in=ctx.customer_ids[:200]).values_list("phone", flat=True)
    )
    return Operation(
        name="screen pop, known caller (HTML, redirect)",
        run=lambda i: _ok(ctx.page.get("/desk/call/", {"phone": ctx.pick(phones, i)}), 302),
    )


@operation
def console_dashboard(ctx):
    return Operation(name="dashboard page (HTML)", run=lambda i: _ok(ctx.page.get("/dashboard/")))
