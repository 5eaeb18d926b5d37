"""Queues in every order (issue 19 §2): every sort the API list's ``ordering`` and the queue
page's ``sort`` offer, both directions, × the common filters (open, one status, area,
priority, assigned technician, owner = me, SLA state).

The open tickets are a few thousand of a million and mostly the newest, so "newest first"
was always fast and "oldest first" walked past the closed rows; the partial indexes over
the open tickets (``ticket_open_<key>_id``) serve either direction. ``--only queue_order``
runs the whole matrix, ``--only queue_order_api`` / ``--only queue_order_page`` one half,
``--only queue_order_api_open`` one filter.
"""

import functools

from django.db.models import Count

from bench.harness import Operation, operation
from tickets.choices import OPEN_STATUSES
from tickets.listing import SORT_KEYS
from tickets.models import Ticket

from .tickets import _ok

OPEN = [str(s) for s in OPEN_STATUSES]
API_ORDERINGS = ("created_at", "updated_at", "response_due_at", "dispatch_due_at")


@functools.cache
def _technician_id():
    """The technician with the most open jobs (the heaviest "assigned to" filter)."""
    row = (
        Ticket.objects.open()
        .filter(technician__isnull=False)
        .values("technician_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return row["technician_id"] if row else 0


API_FILTERS = {
    "open": lambda ctx: {"status": OPEN},
    "new": lambda ctx: {"status": ["new"]},
    "area": lambda ctx: {"status": OPEN, "area": "area-007"},
    "p1": lambda ctx: {"status": OPEN, "priority": ["p1"]},
    "technician": lambda ctx: {"status": OPEN, "technician": _technician_id()},
    "owner_me": lambda ctx: {"status": OPEN, "owner": ctx.users["agent"].pk},
    "at_risk": lambda ctx: {"sla_state": "at_risk"},
}
PAGE_FILTERS = {
    "open": lambda ctx: {"status": OPEN},
    "mine": lambda ctx: {"view": "mine"},
    "to_triage": lambda ctx: {"view": "to_triage"},
    "at_risk": lambda ctx: {"view": "at_risk"},
    "area": lambda ctx: {"status": OPEN, "area": "area-007"},
    "p1": lambda ctx: {"status": OPEN, "priority": ["p1"]},
    "technician": lambda ctx: {"status": OPEN, "technician": _technician_id()},
}


def _register(short, kind, label, query, order_param, order, url, client_of):
    def factory(ctx):
        params = {**query(ctx), order_param: order}
        client = client_of(ctx)
        return Operation(
            name=f"{kind}, {label}, {order_param}={order}",
            run=lambda i: _ok(client.get(url, params)),
            iterations=20,
        )

    direction = "desc" if order.startswith("-") else "asc"
    factory.__name__ = f"queue_order_{short}_{label}_{order.lstrip('-')}_{direction}"
    operation(factory)


for _label, _query in API_FILTERS.items():
    for _field in API_ORDERINGS:
        for _order in (_field, f"-{_field}"):
            _register("api", "API list", _label, _query, "ordering", _order, "/api/v1/tickets/",
                      lambda ctx: ctx.api["agent"])  # fmt: skip
for _label, _query in PAGE_FILTERS.items():
    for _slug in SORT_KEYS:
        for _order in (_slug, f"-{_slug}"):
            _register("page", "queue page (HTML)", _label, _query, "sort", _order, "/tickets/",
                      lambda ctx: ctx.page)  # fmt: skip
