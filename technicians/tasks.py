"""Celery tasks of the technicians app: thin wrappers that load ids and call one service."""

import datetime

from celery import shared_task

from audits.choices import AuditSource
from audits.context import audit_context

from . import services


@shared_task(bind=True)
def certification_expiry_sweep_task(self, today=None):
    """Daily (beat): keep certificate statuses true and queue the 30/7-day reminders."""
    day = datetime.date.fromisoformat(today) if today else None
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        return services.certification_expiry_sweep(today=day)


@shared_task
def certification_notify_expiry_task(certification_id, days):
    """Queue a certificate's expiry reminder unless it already is (the sweep queues its
    reminders itself; kept for messages published under this name before it did)."""
    return services.certification_notify_expiry(certification_id=certification_id, days=days)
