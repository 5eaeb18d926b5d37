"""Celery tasks of the warranty: thin wrappers that call one service."""

import datetime

from celery import shared_task

from audits.choices import AuditSource
from audits.context import audit_context

from . import services


@shared_task(bind=True)
def contracts_sweep_task(self, today=None):
    """Daily (beat): expire the contracts that ended, remind the ones ending soon (once)."""
    day = datetime.date.fromisoformat(today) if today else None
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        return services.contracts_sweep(today=day)
