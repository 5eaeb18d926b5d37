"""Every write of the platform: idempotent creates, the webhook and notification outboxes, the
monthly partitions."""

from .idempotency import IdempotencyKeyReused, idempotency_keys_purge, idempotent_create
from .notifications import (
    NOTIFICATION_DELIVER_TASK,
    notification_deliver,
    notification_mark_read,
    notifications_cancel_customer,
    notifications_mark_all_read,
    notifications_redact_customer,
    notifications_redeliver_due,
    notify,
)
from .partitions import partitions_maintain
from .webhooks import (
    webhook_create,
    webhook_deactivate,
    webhook_deliver,
    webhook_emit,
    webhook_redeliver_due,
    webhook_reenable,
    webhook_send_test,
)

__all__ = [
    "NOTIFICATION_DELIVER_TASK",
    "IdempotencyKeyReused",
    "idempotency_keys_purge",
    "idempotent_create",
    "notification_deliver",
    "notification_mark_read",
    "notifications_cancel_customer",
    "notifications_mark_all_read",
    "notifications_redact_customer",
    "notifications_redeliver_due",
    "notify",
    "partitions_maintain",
    "webhook_create",
    "webhook_deactivate",
    "webhook_deliver",
    "webhook_emit",
    "webhook_redeliver_due",
    "webhook_reenable",
    "webhook_send_test",
]
