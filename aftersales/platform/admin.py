"""Admin of the platform's records: read-only (the services write them); the webhooks' two
actions call their services."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ReadOnlyAdmin, ServiceRefused, refusal_messages, service_call
from aftersales.roles import Role, has_role

from . import services
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
    """Subscriptions are made through the API (validation, audit); the secret never shows.
    Supervisors may re-enable a webhook disabled after failures and send a test event,
    both through the services (``webhook_reenable``, ``webhook_send_test``)."""

    list_display = [
        "url",
        "events",
        "active",
        "disabled_reason",
        "consecutive_failures",
        "created_by",
        "created_at",
    ]
    list_filter = ["active", "disabled_reason"]
    list_select_related = ["created_by"]
    exclude = ["secret"]
    actions = ["reenable", "send_test_event"]

    def has_manage_permission(self, request):
        return has_role(request.user, Role.SUPERVISOR) and self.has_view_permission(request)

    def _each(self, request, queryset, function, done_message):
        done = 0
        for webhook in queryset:
            try:
                service_call(function, webhook=webhook, actor=request.user)
            except ServiceRefused as refused:
                for text in refusal_messages(refused.error, Webhook):
                    self.message_user(request, f"{webhook}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Re-enable the selected webhooks"), permissions=["manage"])
    def reenable(self, request, queryset):
        self._each(
            request,
            queryset.filter(active=False),
            services.webhook_reenable,
            gettext("%(n)d webhooks re-enabled."),
        )

    @admin.action(description=_("Send a test event"), permissions=["manage"])
    def send_test_event(self, request, queryset):
        self._each(
            request,
            queryset,
            services.webhook_send_test,
            gettext("%(n)d test events queued; their attempts show in the deliveries."),
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Every delivery with its attempts: when, the receiver's status, the latency, the
    address posted to, the error."""

    list_display = [
        "id",
        "webhook",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "last_latency",
        "next_attempt_at",
    ]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]
    show_full_result_count = False
    exclude = ["attempts_log"]
    readonly_fields = ["attempts_table"]

    @admin.display(description=_("last status code"))
    def last_status_code(self, delivery):
        code = delivery.last_attempt.get("status_code")
        return "—" if code is None else code

    @admin.display(description=_("last latency (ms)"))
    def last_latency(self, delivery):
        return delivery.last_attempt.get("ms", "—")

    @admin.display(description=_("attempts log"))
    def attempts_table(self, delivery):
        if not delivery.attempts_log:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    attempt.get("at", ""),
                    "—" if attempt.get("status_code") is None else attempt["status_code"],
                    attempt.get("ms", ""),
                    attempt.get("address", ""),
                    attempt.get("error", ""),
                )
                for attempt in delivery.attempts_log
            ),
        )
        head = format_html(
            "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>",
            _("time"),
            _("status code"),
            _("latency (ms)"),
            _("address"),
            _("error"),
        )
        return format_html("<table>{}<tbody>{}</tbody></table>", head, rows)


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
