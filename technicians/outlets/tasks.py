"""Celery tasks of the outlets: thin wrappers calling one service."""

import datetime

from celery import shared_task

from audits.choices import AuditSource
from audits.context import audit_context

from . import services


@shared_task(bind=True)
def scorecards_draft_last_month_task(self, today=None):
    """Monthly (beat, the 1st): draft last month's partner scorecards."""
    day = datetime.date.fromisoformat(today) if today else None
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        return services.scorecards_draft_last_month(today=day)
