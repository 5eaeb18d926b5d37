"""KPI reports kept for management (weekly statistics, 每周统计)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from aftersales.dates import local_day_bounds
from audits.choices import KpiGroupBy
from audits.models import KpiReport

from ..selectors import kpi_report


def kpi_report_generate(*, start, end, group_by, weekly=False, now=None):
    """Compute and store the KPI report for [start, end) grouped by ``group_by``.

    A weekly report is kept once per period and grouping: generating it again (a beat
    retry) replaces its figures. Returns the ``KpiReport``.
    """
    report = kpi_report(start=start, end=end, group_by=group_by, now=now)
    with transaction.atomic():
        if weekly:
            stored, _ = KpiReport.objects.update_or_create(
                period_start=start,
                period_end=end,
                group_by=group_by,
                weekly=True,
                defaults={
                    "rows": report["rows"],
                    "totals": report["totals"],
                    "generated_at": timezone.now(),
                },
            )
            return stored
        return KpiReport.objects.create(
            period_start=start,
            period_end=end,
            group_by=group_by,
            rows=report["rows"],
            totals=report["totals"],
        )


def kpi_weekly_reports_generate(*, today=None):
    """The reports of the last full week (Monday 00:00 to Monday 00:00, local time), one
    per grouping; run by beat every Monday. Returns the stored reports."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    start, end = local_day_bounds(monday - timedelta(days=7), monday - timedelta(days=1))
    return [
        kpi_report_generate(start=start, end=end, group_by=group_by, weekly=True)
        for group_by in KpiGroupBy
    ]
