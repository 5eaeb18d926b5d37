"""Celery tasks of the tickets app: thin wrappers that load ids and call one service."""

import dataclasses
import datetime

from celery import shared_task

from audits.choices import AuditSource
from audits.context import audit_context

from . import services


@shared_task(bind=True)
def ticket_notify_dispatch_task(self, ticket_id, version):
    """Queue the customer's dispatch notice of a booking, unless it already is.

    The lifecycle now queues the notice in the booking's transaction; this task remains
    so that messages published under its name before that change are still handled.
    """
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        return services.ticket_notify_customer_dispatch(ticket_id=ticket_id, version=version)


@shared_task(bind=True)
def sla_sweep_task(self, at=None):
    """Beat, every SLA_SWEEP_INTERVAL_SECONDS: mark what came due (safe to overlap).

    ``at`` (ISO 8601) replays a sweep as of another instant, like ``sla_sweep --at``.
    """
    now = datetime.datetime.fromisoformat(at) if at else None
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        return services.sla_sweep(now=now)


@shared_task
def sla_notify_task():
    """After a sweep committed new escalations (and every 5 minutes by beat): queue the
    messages of each escalation level, once."""
    return services.sla_notify_pending()


@shared_task
def ticket_daily_stats_refresh_task():
    """Beat, every TICKET_STATS_REFRESH_SECONDS: recompute the control room's recent days."""
    return services.ticket_daily_stats_refresh()


@shared_task(bind=True)
def work_order_generate_task(self, ticket_id):
    """After a confirmation committed: render and store the signed work order (once)."""
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        attachment = services.work_order_store(ticket_id=ticket_id)
    return attachment.pk if attachment else None


@shared_task(bind=True)
def mailboxes_poll_task(self):
    """Beat, every EMAIL_INTAKE_INTERVAL_SECONDS: take the new e-mails of every enabled
    mailbox (none set up: nothing to do). Each message commits on its own and a poll
    overlapping another skips the mailbox it holds, so no retry is needed here."""
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        results = services.mailboxes_poll()
    return [dataclasses.asdict(result) for result in results]
