"""The cost report (issue 17 §4, tickets.costs): the last quarter by service type and by
area through the API, and the page by product model, as an auditor opens them. The floor
is the bare aggregate of the same tickets' labour over the same index range."""

import datetime

from django.utils import timezone

from bench.context import signed_in_page
from bench.harness import Operation, operation

from .tickets import _ok

COST_FLOOR = """
SELECT category, count(*),
       sum(round(EXTRACT(EPOCH FROM completed_at - on_site_at) * 80 / 3600, 2))
FROM tickets_ticket
WHERE completed_at >= %(start)s AND completed_at < %(end)s
GROUP BY 1
"""


def _quarter():
    """The last full calendar quarter before today (local days → instants)."""
    from tickets.costs.forms import Period, period_days
    from tickets.costs.selectors import day_bounds

    first, last = period_days(Period.LAST_QUARTER, timezone.localdate())
    return day_bounds(first, last)


def _with_rates():
    """Costs are priced at the rates in force: the bench data has none until the first
    cost op adds one (from 2000-01-01, so every ticket is priced; kept afterwards)."""
    from decimal import Decimal

    from tickets.costs.models import CostRate

    CostRate.objects.get_or_create(
        effective_from=datetime.date(2000, 1, 1),
        defaults={
            "labour_hourly_rate": Decimal("80.00"),
            "travel_km_rate": Decimal("1.50"),
            "note": "bench",
        },
    )


def _api_op(ctx, *, name, group_by, iterations=10):
    _with_rates()
    client = ctx.api["auditor"]
    start, end = _quarter()
    params = {"from": start.isoformat(), "to": end.isoformat(), "group_by": group_by}

    def run(i):
        response = client.get("/api/v1/reports/costs/", params)
        assert response.status_code == 200, response.content[:500]
        return response

    def floor(cursor, i):
        cursor.execute(COST_FLOOR, {"start": start, "end": end})
        return cursor.fetchall()

    return Operation(name=name, run=run, floor=floor, iterations=iterations)


@operation
def cost_report_quarter(ctx):
    return _api_op(
        ctx, name="Cost report, last quarter, by service type (API)", group_by="category"
    )


@operation
def cost_report_quarter_by_area(ctx):
    return _api_op(ctx, name="Cost report, last quarter, by area (API)", group_by="area")


@operation
def cost_report_quarter_page(ctx):
    _with_rates()
    client = signed_in_page(ctx, "auditor")
    query = {"period": "last_quarter", "group_by": "product_model"}
    return Operation(
        name="Cost report page, last quarter, by product model (HTML)",
        run=lambda i: _ok(client.get("/costs/", query)),
        iterations=10,
    )


@operation
def cost_report_quarter_days(ctx):
    """The same quarter as 92 days back from now (what a custom period asks)."""
    client = ctx.api["auditor"]
    end = timezone.now()
    start = end - datetime.timedelta(days=92)
    params = {"from": start.isoformat(), "to": end.isoformat(), "group_by": "warranty_decision"}
    return Operation(
        name="Cost report, last 92 days, by warranty decision (API)",
        run=lambda i: _ok(client.get("/api/v1/reports/costs/", params)),
        iterations=10,
    )
