"""Celery tasks of the audit trail: thin wrappers that set the audit source."""

from celery import shared_task

from .chain import audit_seal
from .choices import AuditSource
from .context import audit_context


@shared_task
def audit_seal_task():
    """Seal new audit events into the hash chain (beat, every AUDIT_SEAL_INTERVAL_SECONDS)."""
    with audit_context(source=AuditSource.WORKER):
        return audit_seal()
