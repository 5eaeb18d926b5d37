"""Celery tasks of the audit trail: thin wrappers that set the audit source."""

from celery import shared_task

from .chain import audit_seal, audit_verify
from .choices import AuditSource
from .context import audit_context
from .services import audit_verification_record


@shared_task
def audit_seal_task():
    """Seal new audit events into the hash chain (beat, every AUDIT_SEAL_INTERVAL_SECONDS)."""
    with audit_context(source=AuditSource.WORKER):
        return audit_seal()


@shared_task
def audit_verify_task(incremental=False):
    """Walk the whole chain and record the verdict in the trail (beat, every
    AUDIT_VERIFY_INTERVAL_SECONDS): the audit-trail page shows the latest one.
    ``incremental`` (beat, every AUDIT_VERIFY_INCREMENTAL_INTERVAL_SECONDS): only the
    events sealed since the last clean verification."""
    with audit_context(source=AuditSource.WORKER):
        report = audit_verify(incremental=incremental)
        audit_verification_record(report=report)
        return report["ok"]
