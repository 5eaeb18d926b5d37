"""Admin of the platform's records: read-only (the services write them)."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import IdempotencyKey, Notification, Webhook, WebhookDelivery


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    """Keys expire through ``idempotency_keys_purge`` (a periodic task); deleting one by
    hand would let a client's retry create a second record, so there is no delete."""

    list_display = ["key", "user", "endpoint", "response_status", "created_at"]
    search_fields = ["=key"]
    list_select_related = ["user"]


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    """Subscriptions are made through the API (validation, audit); the secret never shows."""

    list_display = ["url", "events", "active", "created_by", "created_at"]
    list_filter = ["active"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "webhook", "event", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The notification outbox: what was sent to whom, when, how, and every attempt."""

    list_display = [
        "id",
        "kind",
        "channel",
        "status",
        "recipient_name",
        "address",
        "ticket",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "kind", "language"]
    list_select_related = ["ticket"]
    search_fields = ["=uuid", "=address", "recipient_name", "=ticket__number"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    show_full_result_count = False
    date_hierarchy = "created_at"
