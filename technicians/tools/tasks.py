"""Celery tasks of the instrument ledger: thin wrappers that call one service."""

import datetime

from celery import shared_task

from audits.choices import AuditSource
from audits.context import audit_context

from . import services


@shared_task(bind=True)
def calibration_reminder_sweep_task(self, today=None):
    """Daily (beat, ``calibration-reminder-sweep``): the calibration reminders."""
    day = datetime.date.fromisoformat(today) if today else None
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        return services.calibration_reminder_sweep(today=day)
