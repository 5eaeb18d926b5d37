"""A technician's KPI figures over a period, week by week: the technician page's figures.

The figures are the KPI report's (``selectors.kpi_rows`` grouped by technician) for one
technician, split into weeks: the same filters (tickets *opened* in the period for
opened, complaints and the SLA clocks; tickets *closed* in it for closed, first-time fix,
satisfaction and record completeness), the same aggregates (``kpi_opened_figures``,
``kpi_closed_figures``) and the same row builder. The period's totals are
``kpi_totals`` of the weeks, computed from the counts, so they equal the report's row for
the technician (tests/audits/test_technician_performance.py holds them to it).
"""

import datetime

from django.db.models.functions import TruncWeek
from django.utils import timezone

from tickets.models import Ticket
from tickets.selectors import kpi_closed_figures, kpi_opened_figures

from .selectors import _kpi_row, kpi_totals

# The longest period the page offers (about six months of weekly points).
MAX_PERIOD_DAYS = 186


def week_start(day):
    """Pure: the Monday of ``day``'s ISO week."""
    return day - datetime.timedelta(days=day.weekday())


def technician_kpi_weeks(*, technician_id, start, end, now=None):
    """``{"weeks": [(monday, row), …], "totals": row}`` for [start, end).

    Every week from the one holding ``start`` to the one holding ``end`` has a row, empty
    weeks included (a trend has no gaps). Two grouped queries whatever the period: one
    over the technician's tickets opened in it, one over those closed in it.
    """
    tz = timezone.get_current_timezone()
    mine = Ticket.objects.filter(technician_id=technician_id)
    opened = (
        mine.filter(created_at__gte=start, created_at__lt=end)
        .annotate(week=TruncWeek("created_at", tzinfo=tz))
        .values("week")
        .annotate(**kpi_opened_figures(now=now))
        .order_by()
    )
    closed = (
        mine.filter(closed_at__gte=start, closed_at__lt=end)
        .annotate(week=TruncWeek("closed_at", tzinfo=tz))
        .values("week")
        .annotate(**kpi_closed_figures())
        .order_by()
    )
    figures = {}
    for source in (opened, closed):
        for values in source:
            monday = timezone.localtime(values.pop("week"), tz).date()
            figures.setdefault(monday, {}).update(values)
    first = week_start(timezone.localtime(start, tz).date())
    last = week_start(timezone.localtime(end - datetime.timedelta(microseconds=1), tz).date())
    weeks = []
    monday = first
    while monday <= last:
        weeks.append((monday, _kpi_row(technician_id, None, figures.get(monday, {}))))
        monday += datetime.timedelta(days=7)
    return {"weeks": weeks, "totals": kpi_totals([row for _, row in weeks])}
