"""Celery tasks of service targets: thin wrappers."""

from celery import shared_task

from audits.choices import AuditSource
from audits.context import audit_context

from .services import target_sets_evaluate_due


@shared_task
def target_sets_evaluate_due_task():
    """Evaluate the approved sets whose period ended (beat, daily at 06:30)."""
    with audit_context(source=AuditSource.WORKER):
        return target_sets_evaluate_due()
