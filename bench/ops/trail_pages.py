"""The auditors' audit-trail pages (issue 14 §6): the search in its filter modes over the
bench's audit events (one per ticket and the sign-ins and reads), a keyset page deep in
the trail, and a ticket's history. Each is one page render: the search, the chain status
and, for the history, the personal-data key ring."""

from audits.quality.trail_forms import cursor_encode
from bench.context import fetch, signed_in_page
from bench.harness import Operation, operation

from .tickets import _ok

URL = "/audit-trail/"


def _search(ctx, name, query_for, iterations=30, note=""):
    client = signed_in_page(ctx, "auditor")
    return Operation(
        name=name,
        run=lambda i: _ok(client.get(URL, query_for(i))),
        iterations=iterations,
        note=note,
    )


@operation
def trail_search_newest(ctx):
    return _search(ctx, "audit trail page, newest events + chain status (HTML)", lambda i: {})


@operation
def trail_search_ticket(ctx):
    numbers = [
        row[0]
        for row in fetch(
            "SELECT number FROM tickets_ticket WHERE id = ANY(%s)", [ctx.ticket_ids[:200]]
        )
    ]
    return _search(
        ctx,
        "audit trail page, by ticket number (HTML)",
        lambda i: {"ticket": ctx.pick(numbers, i)},
    )


@operation
def trail_search_action(ctx):
    return _search(
        ctx,
        "audit trail page, by action (1M matches) (HTML)",
        lambda i: {"action": "ticket.created"},
    )


@operation
def trail_search_actor(ctx):
    username = ctx.users["integrator"].username
    return _search(ctx, "audit trail page, by actor (HTML)", lambda i: {"actor": username})


@operation
def trail_search_object_type(ctx):
    return _search(
        ctx,
        "audit trail page, by object type (customers) (HTML)",
        lambda i: {"object_type": "tickets.customer"},
        note="index audit_type_time (audits 0010)",
    )


@operation
def trail_search_source(ctx):
    return _search(
        ctx,
        "audit trail page, by source (web) (HTML)",
        lambda i: {"source": "web"},
        note="index audit_source_time (audits 0010)",
    )


@operation
def trail_search_range_deep(ctx):
    """A month-long time range, read from a keyset cursor half-way down the trail."""
    [(at, pk)] = fetch(
        "SELECT created_at, id FROM audits_auditevent ORDER BY created_at DESC, id DESC "
        "OFFSET (SELECT count(*) / 2 FROM audits_auditevent) LIMIT 1"
    )
    cursor = cursor_encode((at, pk))
    return _search(
        ctx,
        "audit trail page, keyset page half-way down (HTML)",
        lambda i: {"cursor": cursor},
    )


@operation
def trail_history_ticket(ctx):
    client = signed_in_page(ctx, "auditor")

    def run(i):
        ticket_id = ctx.pick(ctx.ticket_ids, i)
        return _ok(client.get(f"{URL}tickets.ticket/{ticket_id}/"))

    return Operation(name="audit trail, a ticket's history (HTML)", run=run, iterations=30)
