"""Celery tasks of the service incidents: thin wrappers that call one service."""

from celery import shared_task

from audits.choices import AuditSource
from audits.context import audit_context

from . import services


@shared_task(bind=True)
def incidents_overdue_warn_task(self):
    """Beat (INCIDENT_SWEEP_INTERVAL_SECONDS): warn supervisors once per overdue stage."""
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        return services.incidents_overdue_warn()
