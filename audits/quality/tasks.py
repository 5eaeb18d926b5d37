"""Celery tasks of quality audits and KPI reports (names kept from audits.tasks, where they
were before, so queued messages and beat schedules still find them)."""

from celery import shared_task

from audits.choices import AuditSource
from audits.context import audit_context

from .services import corrective_actions_escalate_overdue, kpi_weekly_reports_generate


@shared_task(name="audits.tasks.kpi_weekly_reports_generate_task")
def kpi_weekly_reports_generate_task():
    """Last week's KPI reports, kept (beat, Mondays 06:00 local time)."""
    with audit_context(source=AuditSource.WORKER):
        return [report.pk for report in kpi_weekly_reports_generate()]


@shared_task(name="audits.tasks.corrective_actions_escalate_overdue_task")
def corrective_actions_escalate_overdue_task():
    """Escalate overdue corrective actions (beat, daily 08:00 local time)."""
    with audit_context(source=AuditSource.WORKER):
        return corrective_actions_escalate_overdue()
