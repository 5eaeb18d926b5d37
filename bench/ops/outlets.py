"""Service outlets (issue 17, outlets): an outlet dispatcher's ticket list (the visibility
join on the outlet's dispatchers) and one outlet's monthly scorecard KPIs, on an outlet
given up to 5,000 of one area's tickets of the last 30 days (set up once, idempotent)."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from aftersales.roles import Role
from bench.context import _api_client, fetch
from bench.harness import Operation, operation
from technicians.outlets.models import Outlet
from technicians.outlets.scorecards import scorecard_figures
from tickets.models import Ticket

from .tickets import _ok

JOBS = 5000


def _outlet():
    """The bench outlet, its dispatcher and its tickets (the busiest area's latest 5,000)."""
    outlet = Outlet.objects.filter(code="BENCH-P").first()
    user, _ = get_user_model().objects.get_or_create(username="bench_outlet_dispatcher")
    user.groups.add(Group.objects.get_or_create(name=Role.OUTLET_DISPATCHER)[0])
    if outlet is None:
        [(area_id,)] = fetch(
            "SELECT area_id FROM tickets_ticket WHERE area_id IS NOT NULL "
            "GROUP BY area_id ORDER BY count(*) DESC LIMIT 1"
        )
        outlet = Outlet.objects.create(
            code="BENCH-P", name="Bench partner", kind="partner", company_name="Bench Co."
        )
        outlet.areas.add(area_id)
        since = timezone.now() - datetime.timedelta(days=30)
        ids = list(
            Ticket.objects.filter(area_id=area_id, created_at__gte=since)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:JOBS]
        )
        Ticket.objects.filter(pk__in=ids).update(outlet=outlet)
    outlet.dispatchers.add(user)
    return outlet, user


@operation
def outlet_dispatcher_ticket_list(ctx):
    _, user = _outlet()
    client = _api_client(user)
    return Operation(
        name="outlet dispatcher's ticket list, first page (API)",
        iterations=30,
        note="visible_to: tickets of the outlets they dispatch for",
        run=lambda i: _ok(client.get("/api/v1/tickets/")),
    )


@operation
def outlet_scorecard_month(ctx):
    outlet, _user = _outlet()
    today = timezone.localdate()
    first = today - datetime.timedelta(days=30)
    return Operation(
        name="partner scorecard KPIs, one outlet, 30 days",
        iterations=20,
        note="two aggregates with the KPI report's definitions",
        run=lambda i: scorecard_figures(outlet_id=outlet.pk, period_start=first, period_end=today),
    )
