"""Reading the KPI figures of a period: whole past days from the rollups, the rest live.

``kpi_figures`` answers what ``audits.quality.selectors.kpi_rows`` used to compute from the
tickets alone, with the same counts: the local days of [start, end) that are whole,
before today and rolled up come from ``KpiDailyRollup`` (one query, summed per key, that
also names the days it covers); the remainder — today, a partial first or last day, days
never rolled up — is aggregated from the tickets in one query over those instants only.
Two queries whatever the period (one when everything is rolled up).
"""

import datetime

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from aftersales.dates import local_day_bounds
from technicians.models import Technician
from tickets.models import Ticket
from tickets.selectors import kpi_closed_conditions, kpi_opened_conditions

from .models import KpiDailyRollup, KpiMonthlyRollup, RollupDimension
from .services import CLOSED_COLUMNS, OPENED_COLUMNS, supported

# The ticket field a grouping keys on, live (the outlet: the technician's home outlet).
LIVE_KEYS = {
    "technician": "technician_id",
    "area": "area_id",
    "category": "category",
    "outlet": "technician__home_outlet_id",
}
COLUMNS = OPENED_COLUMNS + CLOSED_COLUMNS


def _whole_days(start, end, today):
    """The first and last local day lying wholly in [start, end) and before ``today``."""
    first = timezone.localdate(start)
    if local_day_bounds(first)[0] < start:
        first += datetime.timedelta(days=1)
    last = timezone.localdate(end)
    if local_day_bounds(last)[0] < end:
        last -= datetime.timedelta(days=1)  # the day of ``end`` is partial
    last -= datetime.timedelta(days=1)
    return first, min(last, today - datetime.timedelta(days=1))


_ROLLED_UP = """
WITH months AS (
    SELECT month FROM {monthly}
    WHERE dimension = 'day' AND month >= %(m_first)s AND month <= %(m_last)s
), gaps AS (  -- months inside the period without monthly rows: read their days
    SELECT generate_series(%(m_first)s::date, %(m_last)s::date, interval '1 month')::date
        AS month
    EXCEPT SELECT month FROM months
), spans AS (
    SELECT 'month' AS span, dimension, key_id, key_code, month AS day, {columns}
    FROM {monthly}
    WHERE dimension IN (%(dimension)s, 'day') AND month >= %(m_first)s AND month <= %(m_last)s
    UNION ALL
    SELECT 'day', dimension, key_id, key_code, day, {columns}
    FROM {daily}
    WHERE dimension IN (%(dimension)s, 'day')
      AND (day BETWEEN %(first)s AND %(head_last)s OR day BETWEEN %(tail_first)s AND %(last)s)
    UNION ALL
    SELECT 'day', d.dimension, d.key_id, d.key_code, d.day, {gap_columns}
    FROM gaps JOIN {daily} d
      ON d.dimension IN (%(dimension)s, 'day') AND d.day >= gaps.month
     AND d.day < (gaps.month + interval '1 month')::date
)
SELECT r.dimension = 'day', CASE WHEN r.dimension = 'day' THEN NULL ELSE {key} END,
       CASE WHEN r.dimension = 'day' THEN r.day END, r.span, {sums}
FROM spans r {join}
GROUP BY 1, 2, 3, 4
"""


def _month_days(month):
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return [month + datetime.timedelta(days=n) for n in range((following - month).days)]


def _rolled_up(group_by, first, last):
    """(figures per key, the rolled-up days) over first … last, in one query: the months
    lying wholly inside from the monthly rows, the other days from the daily rows."""
    if group_by == "outlet":
        key = "t.home_outlet_id"
        join = f"LEFT JOIN {Technician._meta.db_table} t ON t.id = r.key_id"
        dimension = RollupDimension.TECHNICIAN
    else:
        key = "NULLIF(r.key_code, '')" if group_by == "category" else "r.key_id"
        join = ""
        dimension = group_by
    m_first = first if first.day == 1 else (first + datetime.timedelta(days=32)).replace(day=1)
    m_last = (last + datetime.timedelta(days=1)).replace(day=1) - datetime.timedelta(days=1)
    m_last = m_last.replace(day=1)  # the last month ending on or before ``last``
    one = datetime.timedelta(days=1)
    if m_first <= m_last:  # whole months, and the days before and after them
        head_last = m_first - one
        tail_first = (m_last + datetime.timedelta(days=32)).replace(day=1)
    else:  # no whole month: every day
        head_last, tail_first = last, last + one
    sql = _ROLLED_UP.format(
        monthly=KpiMonthlyRollup._meta.db_table,
        daily=KpiDailyRollup._meta.db_table,
        columns=", ".join(COLUMNS),
        gap_columns=", ".join(f"d.{c}" for c in COLUMNS),
        sums=", ".join(f"SUM(r.{c})" for c in COLUMNS),
        key=key,
        join=join,
    )
    params = {
        "dimension": str(dimension),
        "first": first,
        "last": last,
        "m_first": m_first,
        "m_last": m_last,
        "head_last": head_last,
        "tail_first": tail_first,
    }
    figures, days = {}, []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for marker, key_value, day, span, *sums in cursor.fetchall():
            if marker:
                days.extend(_month_days(day) if span == "month" else [day])
                continue
            counts = figures.setdefault(key_value, dict.fromkeys(COLUMNS, 0))
            for column, value in zip(COLUMNS, sums, strict=True):
                counts[column] += int(value)
    return figures, days


def _live(group_by, intervals, now):
    """Figures per key over the tickets opened or closed within ``intervals``, one query."""
    opened_in = Q()
    closed_in = Q()
    for start, end in intervals:
        opened_in |= Q(created_at__gte=start, created_at__lt=end)
        closed_in |= Q(closed_at__gte=start, closed_at__lt=end)
    opened = kpi_opened_conditions(now=now)
    closed, satisfaction = kpi_closed_conditions()
    key = LIVE_KEYS[group_by]
    rows = (
        Ticket.objects.filter(opened_in | closed_in)
        .values(key)
        .annotate(
            opened=Count("id", filter=opened_in),
            **{name: Count("id", filter=opened_in & q) for name, q in opened.items()},
            closed=Count("id", filter=closed_in),
            **{name: Count("id", filter=closed_in & q) for name, q in closed.items()},
            satisfaction_sum=Sum(satisfaction, filter=closed_in, default=0),
            satisfaction_answers=Count(satisfaction, filter=closed_in),
        )
        .order_by()
    )
    return {row.pop(key): row for row in rows}


def _intervals(start, end, days):
    """[start, end) without the local days ``days`` (sorted), as instant intervals."""
    intervals, cursor = [], start
    for day in days:
        day_start, day_end = local_day_bounds(day)
        if day_start > cursor:
            intervals.append((cursor, min(day_start, end)))
        cursor = max(cursor, day_end)
    if cursor < end:
        intervals.append((cursor, end))
    return intervals


def kpi_figures(*, start, end, group_by, now=None):
    """The KPI counts of [start, end) per key of ``group_by`` (technician, area, category,
    outlet): ``{key: {opened, complaints, response_decided, response_met, dispatch_decided,
    dispatch_met, closed, first_time_fixes, satisfaction_sum, satisfaction_answers,
    complete_records}}``, keys with at least one ticket opened or closed only.

    Rolled-up days carry their SLA clocks as of their last refresh (at most
    ``KPI_ROLLUP_REFRESH_SECONDS`` old for a day that changed); today and the partial
    edges are live, as of ``now``."""
    group_by = str(group_by)
    now = now or timezone.now()
    figures, days = {}, []
    if supported() and start < end:
        first, last = _whole_days(start, end, timezone.localdate())
        if first <= last:
            figures, days = _rolled_up(group_by, first, last)
    intervals = _intervals(start, end, sorted(days))
    if intervals:
        for key, live in _live(group_by, intervals, now).items():
            total = figures.setdefault(key, dict.fromkeys(COLUMNS, 0))
            for column in COLUMNS:
                total[column] += live[column]
    return figures
