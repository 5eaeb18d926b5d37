"""Celery tasks of the depot repair: thin wrappers that call one service."""

from celery import shared_task

from audits.choices import AuditSource
from audits.context import audit_context

from . import services


@shared_task(bind=True)
def turnaround_sweep_task(self):
    """Beat: raise each workshop repair's turnaround warning and breach, once."""
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        return services.turnaround_sweep()
