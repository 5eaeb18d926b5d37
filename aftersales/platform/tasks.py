"""Celery tasks of the platform: thin wrappers that load ids and call one service.

The webhook and idempotency names are those the tasks had in ``tickets.tasks`` before the
platform moved out of the tickets app, so messages already queued under them still run.
"""

from celery import shared_task

from audits.choices import AuditSource
from audits.context import audit_context

from . import services
from .services.notifications import NOTIFICATION_DELIVER_TASK
from .services.webhooks import WEBHOOK_DELIVER_TASK

WEBHOOK_REDELIVER = "tickets.tasks.webhook_redeliver_task"
IDEMPOTENCY_KEYS_PURGE = "tickets.tasks.idempotency_keys_purge_task"
NOTIFICATIONS_REDELIVER = "aftersales.platform.tasks.notifications_redeliver_due_task"
PARTITIONS_MAINTAIN = "aftersales.platform.tasks.partitions_maintain_task"


@shared_task(name=IDEMPOTENCY_KEYS_PURGE)
def idempotency_keys_purge_task():
    """Hourly: forget expired Idempotency-Keys."""
    return services.idempotency_keys_purge()


@shared_task(bind=True, max_retries=None, name=WEBHOOK_DELIVER_TASK)
def webhook_deliver_task(self, delivery_id):
    """POST one webhook delivery; on failure retry after the service's back-off (the
    service records a webhook it disables in the audit trail: as the worker)."""
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        wait = services.webhook_deliver(delivery_id=delivery_id)
    if wait is not None:
        raise self.retry(countdown=wait)


@shared_task(name=WEBHOOK_REDELIVER)
def webhook_redeliver_task():
    """Every 5 minutes (beat): re-queue deliveries whose retry was lost."""
    return services.webhook_redeliver_due()


@shared_task(bind=True, max_retries=None, name=NOTIFICATION_DELIVER_TASK)
def notification_deliver_task(self, notification_id):
    """Deliver one notification; on failure retry after the service's back-off (the
    service counts the attempts and marks the row failed after the last)."""
    with audit_context(source=AuditSource.WORKER, request_id=self.request.id or ""):
        wait = services.notification_deliver(notification_id=notification_id)
    if wait is not None:
        raise self.retry(countdown=wait)


@shared_task(name=NOTIFICATIONS_REDELIVER)
def notifications_redeliver_due_task():
    """Beat, every NOTIFICATION_REDELIVER_INTERVAL_SECONDS: publish overdue pending rows."""
    return services.notifications_redeliver_due()


@shared_task(name=PARTITIONS_MAINTAIN)
def partitions_maintain_task():
    """Daily (beat): create the months ahead, drop the expired ones (README "Partitions and
    retention"); a dropped month is audited as the worker."""
    with audit_context(source=AuditSource.WORKER):
        return services.partitions_maintain()
