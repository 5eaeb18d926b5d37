"""Maintaining the daily KPI rollups: set-based recomputation of whole local days.

``kpi_rollups_recompute(days)`` replaces the rows of the given days in one transaction
with three statements per contiguous range of days, whatever their number of tickets:
one grouped ``INSERT … SELECT`` of the opened-side counts (``GROUPING SETS``: technician,
area, category and the day), one of the closed-side counts (``ON CONFLICT … DO
UPDATE``), and the day rows of days without tickets. ``kpi_rollups_refresh`` (beat) finds
the days made dirty since its last run and recomputes them with today and yesterday.
Derived, rebuildable data: no audit event (it would be one every few minutes, recording
nothing anyone did). PostgreSQL only; elsewhere (SQLite, ``make run``) nothing is rolled
up and the report reads the tickets live.
"""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from aftersales.dates import local_day_bounds
from tickets.models import Ticket
from tickets.selectors import (
    kpi_closed_conditions,
    kpi_opened_conditions,
)

from .models import KpiDailyRollup, KpiMonthlyRollup, RollupWatermark

WATERMARK = "kpi"
OPENED_COLUMNS = (
    "opened",
    "complaints",
    "response_decided",
    "response_met",
    "dispatch_decided",
    "dispatch_met",
)
CLOSED_COLUMNS = (
    "closed",
    "first_time_fixes",
    "satisfaction_sum",
    "satisfaction_answers",
    "complete_records",
)


def supported():
    return connection.vendor == "postgresql"


def day_ranges(days):
    """Sorted contiguous runs ``[(first, last), …]`` of a set of dates."""
    runs = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + datetime.timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [tuple(run) for run in runs]


def _flag(condition):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _tz():
    return timezone.get_default_timezone()


def _source_sql(field, start, end, figures):
    """The per-ticket rows of one side as SQL: the local day of ``field``, the three keys
    and one 0/1 (or amount) column per figure."""
    tickets = (
        Ticket.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        .annotate(rollup_day=TruncDate(field, tzinfo=_tz()), **figures)
        .values("rollup_day", "technician_id", "area_id", "category", *figures)
        .order_by()
    )
    return tickets.query.sql_with_params()


_GROUPED = """
INSERT INTO {table} (day, dimension, key_id, key_code, {columns}, refreshed_at)
SELECT s.rollup_day,
       CASE WHEN GROUPING(s.technician_id) = 0 THEN 'technician'
            WHEN GROUPING(s.area_id) = 0 THEN 'area'
            WHEN GROUPING(s.category) = 0 THEN 'category' ELSE 'day' END,
       CASE WHEN GROUPING(s.technician_id) = 0 THEN s.technician_id
            WHEN GROUPING(s.area_id) = 0 THEN s.area_id END,
       CASE WHEN GROUPING(s.category) = 0 THEN s.category ELSE '' END,
       {sums}, %s
FROM ({source}) s
GROUP BY GROUPING SETS ((s.rollup_day, s.technician_id), (s.rollup_day, s.area_id),
                        (s.rollup_day, s.category), (s.rollup_day))
{conflict}
"""


def _insert_side(cursor, *, field, start, end, figures, columns, upsert):
    source, params = _source_sql(field, start, end, figures)
    conflict = ""
    if upsert:
        conflict = "ON CONFLICT ON CONSTRAINT kpidailyrollup_key DO UPDATE SET " + ", ".join(  # nosec B608
            f"{c} = EXCLUDED.{c}" for c in columns
        )
    sql = _GROUPED.format(
        table=KpiDailyRollup._meta.db_table,
        columns=", ".join(OPENED_COLUMNS + CLOSED_COLUMNS),
        sums=", ".join(
            f"SUM(s.{c})" if c in columns else "0" for c in OPENED_COLUMNS + CLOSED_COLUMNS
        ),
        source=source,
        conflict=conflict,
    )
    cursor.execute(sql, (timezone.now(), *params))


def kpi_rollups_recompute(*, days, now=None):
    """Recompute the rollups of the local ``days`` (any iterable of dates) as of ``now``
    (the SLA clocks' instant); return how many days it wrote. One transaction: a reader
    sees each day's old rows or its new ones, never half."""
    days = sorted(set(days))
    if not days or not supported():
        return 0
    now = now or timezone.now()
    opened_conditions = kpi_opened_conditions(now=now)
    closed_conditions, satisfaction = kpi_closed_conditions()
    opened = {"opened": Value(1), **{k: _flag(q) for k, q in opened_conditions.items()}}
    closed = {
        "closed": Value(1),
        "first_time_fixes": _flag(closed_conditions["first_time_fixes"]),
        "satisfaction_sum": Coalesce(satisfaction, Value(0)),
        "satisfaction_answers": _flag(
            Q(satisfaction__isnull=False) | Q(follow_up_satisfaction__isnull=False)
        ),
        "complete_records": _flag(closed_conditions["complete_records"]),
    }
    table = KpiDailyRollup._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE day = ANY(%s)", [days])  # nosec B608
        for first, last in day_ranges(days):
            start, end = local_day_bounds(first, last)
            for field, figures, columns, upsert in (
                ("created_at", opened, OPENED_COLUMNS, False),
                ("closed_at", closed, CLOSED_COLUMNS, True),
            ):
                _insert_side(
                    cursor, field=field, start=start, end=end, figures=figures,
                    columns=columns, upsert=upsert,
                )  # fmt: skip
        # Days without any ticket are rolled up too (zeros), so the reader knows them.
        cursor.execute(
            f"INSERT INTO {table} (day, dimension, key_id, key_code, "  # nosec B608
            f"{', '.join(OPENED_COLUMNS + CLOSED_COLUMNS)}, refreshed_at) "
            f"SELECT d, 'day', NULL, '', {', '.join(['0'] * 11)}, %s FROM unnest(%s::date[]) d "
            "ON CONFLICT ON CONSTRAINT kpidailyrollup_key DO NOTHING",
            [timezone.now(), days],
        )
        _recompute_months(cursor, sorted({day.replace(day=1) for day in days}))
    return len(days)


_MONTHS = """
INSERT INTO {monthly} (month, dimension, key_id, key_code, {columns}, refreshed_at)
SELECT date_trunc('month', r.day)::date, r.dimension, r.key_id, r.key_code, {sums},
       MAX(r.refreshed_at)
FROM {daily} r
WHERE r.day >= %(first)s AND r.day < %(end)s
  AND date_trunc('month', r.day)::date IN (
    SELECT date_trunc('month', d.day)::date FROM {daily} d
    WHERE d.dimension = 'day' AND d.day >= %(first)s AND d.day < %(end)s
    GROUP BY 1
    HAVING count(*) = extract(
        day FROM date_trunc('month', min(d.day)) + interval '1 month' - interval '1 day'))
  AND date_trunc('month', r.day)::date = ANY(%(months)s)
GROUP BY 1, 2, 3, 4
"""


def _recompute_months(cursor, months):
    """Replace the monthly rows of ``months`` by the sums of their daily rows, for the
    months whose every day is rolled up (the others get none: the reader takes their
    days)."""
    monthly, daily = KpiMonthlyRollup._meta.db_table, KpiDailyRollup._meta.db_table
    cursor.execute(f"DELETE FROM {monthly} WHERE month = ANY(%s)", [months])  # nosec B608
    columns = OPENED_COLUMNS + CLOSED_COLUMNS
    last = months[-1]
    cursor.execute(
        _MONTHS.format(
            monthly=monthly,
            daily=daily,
            columns=", ".join(columns),
            sums=", ".join(f"SUM(r.{c})" for c in columns),
        ),
        {
            "first": months[0],
            "end": (last + datetime.timedelta(days=32)).replace(day=1),
            "months": months,
        },
    )


_DIRTY = """
SELECT DISTINCT (d AT TIME ZONE %(tz)s)::date FROM (
    SELECT created_at AS d FROM {ticket} WHERE updated_at >= %(since)s
    UNION ALL
    SELECT closed_at FROM {ticket} WHERE updated_at >= %(since)s AND closed_at IS NOT NULL
    UNION ALL
    SELECT created_at FROM {ticket}
     WHERE created_at >= %(lookback)s AND sla_paused_at IS NULL
       AND ((responded_at IS NULL AND response_due_at >= %(since)s AND response_due_at < %(now)s)
            OR (dispatched_at IS NULL AND completed_at IS NULL
                AND dispatch_due_at >= %(since)s AND dispatch_due_at < %(now)s))
) changed
"""


def kpi_rollups_dirty_days(*, since, now):
    """The local days whose figures may have changed between ``since`` and ``now``:

    - the opening and closing days of the tickets written since (``updated_at``: every
      transition, assignment, answer; a new ticket too; and a job whose repeat-visit
      mark a new or corrected ticket for the same product changed — no first-time fix
      any more, or one again — which the mark's triggers write, migration 0035);
    - the opening day of the tickets whose running SLA clock passed its due instant
      (decided without any write), looked back ``KPI_ROLLUP_SLA_LOOKBACK_DAYS``.
    One query (the updated_at and created_at indexes)."""
    sql = _DIRTY.format(ticket=Ticket._meta.db_table)
    params = {
        "tz": str(_tz()),
        "since": since,
        "now": now,
        "lookback": now - datetime.timedelta(days=settings.KPI_ROLLUP_SLA_LOOKBACK_DAYS),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def kpi_rollups_refresh(*, now=None):
    """Beat, every ``KPI_ROLLUP_REFRESH_SECONDS``: recompute today, yesterday and the days
    made dirty since the last run (``kpi_rollups_dirty_days``; looked for from
    ``KPI_ROLLUP_OVERLAP_SECONDS`` before it, so a write that committed late is not
    missed). The first run has no watermark and rolls up today and yesterday only:
    ``manage.py rollups_rebuild`` backfills history. Overlapping runs queue on the
    watermark's row lock. Returns the days recomputed (sorted)."""
    if not supported():
        return []
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = {today, today - datetime.timedelta(days=1)}
    with transaction.atomic():
        mark, created = RollupWatermark.objects.select_for_update().get_or_create(
            name=WATERMARK, defaults={"refreshed_at": now}
        )
        if not created:
            since = mark.refreshed_at - datetime.timedelta(
                seconds=settings.KPI_ROLLUP_OVERLAP_SECONDS
            )
            days |= kpi_rollups_dirty_days(since=since, now=now)
        days = sorted(day for day in days if day <= today)
        kpi_rollups_recompute(days=days, now=now)
        mark.refreshed_at = now
        mark.save(update_fields=["refreshed_at"])
    return days


def kpi_rollups_rebuild(*, first, last, now=None):
    """Recompute every day of ``first`` … ``last`` (a backfill or a full recomputation),
    one transaction per calendar month; return the number of days written. Sets the
    watermark when there is none, so the refresh carries on from here."""
    if not supported():
        return 0
    now = now or timezone.now()
    written = 0
    day = first
    while day <= last:
        next_month = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        chunk_last = min(last, next_month - datetime.timedelta(days=1))
        written += kpi_rollups_recompute(
            days=[day + datetime.timedelta(days=i) for i in range((chunk_last - day).days + 1)],
            now=now,
        )
        day = chunk_last + datetime.timedelta(days=1)
    RollupWatermark.objects.get_or_create(name=WATERMARK, defaults={"refreshed_at": now})
    return written
