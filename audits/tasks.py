"""Celery tasks of the audits app: thin wrappers that set the audit source."""

from celery import shared_task

from .choices import AuditSource
from .context import audit_context


@shared_task
def audit_seal_task():
    """Seal new audit events into the hash chain (beat, every AUDIT_SEAL_INTERVAL_SECONDS)."""
    from .chain import audit_seal

    with audit_context(source=AuditSource.WORKER):
        return audit_seal()


@shared_task
def kpi_weekly_reports_generate_task():
    """Last week's KPI reports, kept (beat, Mondays 06:00 local time)."""
    from .services import kpi_weekly_reports_generate

    with audit_context(source=AuditSource.WORKER):
        return [report.pk for report in kpi_weekly_reports_generate()]


@shared_task
def corrective_actions_escalate_overdue_task():
    """Escalate overdue corrective actions (beat, daily 08:00 local time)."""
    from .services import corrective_actions_escalate_overdue

    with audit_context(source=AuditSource.WORKER):
        return corrective_actions_escalate_overdue()
