"""Celery tasks of the platform: thin wrappers that load ids and call one service.

The names are those the tasks had in ``tickets.tasks`` before the platform moved out of
the tickets app, so messages already queued under those names are still consumed.
"""

from celery import shared_task

from . import services
from .services.webhooks import WEBHOOK_DELIVER_TASK

WEBHOOK_REDELIVER = "tickets.tasks.webhook_redeliver_task"
IDEMPOTENCY_KEYS_PURGE = "tickets.tasks.idempotency_keys_purge_task"


@shared_task(name=IDEMPOTENCY_KEYS_PURGE)
def idempotency_keys_purge_task():
    """Hourly: forget expired Idempotency-Keys."""
    return services.idempotency_keys_purge()


@shared_task(bind=True, max_retries=None, name=WEBHOOK_DELIVER_TASK)
def webhook_deliver_task(self, delivery_id):
    """POST one webhook delivery; on failure retry after the service's back-off."""
    wait = services.webhook_deliver(delivery_id=delivery_id)
    if wait is not None:
        raise self.retry(countdown=wait)


@shared_task(name=WEBHOOK_REDELIVER)
def webhook_redeliver_task():
    """Every 5 minutes (beat): re-queue deliveries whose retry was lost."""
    return services.webhook_redeliver_due()
