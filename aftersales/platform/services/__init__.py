"""Every write of the platform: idempotent creates and the webhook outbox."""

from .idempotency import IdempotencyKeyReused, idempotency_keys_purge, idempotent_create
from .webhooks import (
    webhook_create,
    webhook_deactivate,
    webhook_deliver,
    webhook_emit,
    webhook_redeliver_due,
)

__all__ = [
    "IdempotencyKeyReused",
    "idempotency_keys_purge",
    "idempotent_create",
    "webhook_create",
    "webhook_deactivate",
    "webhook_deliver",
    "webhook_emit",
    "webhook_redeliver_due",
]
