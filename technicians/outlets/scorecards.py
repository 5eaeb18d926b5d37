"""The partner scorecard's KPIs, counted from the tickets with the KPI report's definitions.

``tickets.selectors.kpi_opened_figures`` / ``kpi_closed_figures`` are the one definition
of each KPI (the KPI report of ``audits.quality`` uses the same): tickets *opened* in the
period give complaints and the dispatch-SLA share met (the scorecard's "on time": the
outlet's dispatcher assigning a technician is the dispatch, so the outlet answers for
meeting that target); tickets *closed* in the period give first-time fix, satisfaction
and record completeness. The outlet's tickets: ``selectors.outlet_ticket_scope``.
"""

from decimal import Decimal

from django.utils import timezone

from aftersales.dates import local_day_bounds
from tickets.models import Ticket
from tickets.selectors import kpi_closed_figures, kpi_opened_figures, kpi_row

from .selectors import outlet_ticket_scope

COUNT_KEYS = (
    "opened",
    "closed",
    "complaints",
    "dispatch_decided",
    "dispatch_met",
    "first_time_fixes",
    "satisfaction_answers",
    "complete_records",
)


def _dec(value, places):
    return None if value is None else Decimal(str(value)).quantize(Decimal(places))


def scorecard_figures(*, outlet_id, period_start, period_end, now=None):
    """The KPI values of the outlet for the local days period_start … period_end (two
    aggregate queries): the model's KPI fields and ``figures`` (the counts)."""
    start, end = local_day_bounds(period_start, period_end)
    scope = Ticket.objects.filter(outlet_ticket_scope(outlet_id))
    opened = scope.filter(created_at__gte=start, created_at__lt=end).aggregate(
        **kpi_opened_figures(now=now or timezone.now())
    )
    closed = scope.filter(closed_at__gte=start, closed_at__lt=end).aggregate(**kpi_closed_figures())
    row = kpi_row(outlet_id, None, {**opened, **closed})
    return {
        "opened": row["opened"],
        "closed": row["closed"],
        "complaints": row["complaints"],
        "first_time_fix_pct": _dec(row["first_time_fix_pct"], "0.1"),
        "avg_satisfaction": _dec(row["avg_satisfaction"], "0.01"),
        "on_time_pct": _dec(row["dispatch_sla_met_pct"], "0.1"),
        "record_completeness_pct": _dec(row["record_completeness_pct"], "0.1"),
        "figures": {key: row[key] for key in COUNT_KEYS},
    }
