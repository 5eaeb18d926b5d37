"""The platform's records: idempotency keys, the webhook and the notification outboxes.

The idempotency and webhook tables were created by the tickets app and keep their names
(``db_table``); the notification outbox was born here.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("Ticket status changed")
    SLA_WARNING = "sla.warning", _("SLA warning")
    SLA_BREACHED = "sla.breached", _("SLA breached")
    STOCK_BELOW_REORDER = "stock.below_reorder", _("Stock below the reorder point")
    # Sent on request (``webhook_send_test``), never subscribed to.
    TEST = "webhook.test", _("Test event")


SUBSCRIBABLE_EVENTS = [event for event in WebhookEvent if event != WebhookEvent.TEST]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
    DELIVERED = "delivered", pgettext_lazy("webhook delivery", "Delivered")
    FAILED = "failed", pgettext_lazy("webhook delivery", "Failed")


class WebhookDisabledReason(models.TextChoices):
    DEACTIVATED = "deactivated", _("Deactivated by its owner")
    FAILING = "failing", _("Disabled after failed deliveries")


class Webhook(models.Model):
    """A subscription: POST the ``events`` to ``url``, signed with ``secret`` (Standard
    Webhooks, HMAC-SHA256).

    ``active`` is false once deactivated (``DELETE``, for good) or disabled by
    ``webhook_deliver`` after ``WEBHOOK_DISABLE_AFTER_FAILURES`` failed attempts in a row
    (``consecutive_failures``; any delivered attempt resets it), which ``webhook_reenable``
    undoes; ``disabled_reason`` and ``disabled_at`` say which and when.
    """

    url = models.URLField(max_length=500, verbose_name=_("URL"))
    events = models.JSONField(default=list, verbose_name=_("events"))
    secret = models.CharField(max_length=128, verbose_name=_("secret"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    consecutive_failures = models.PositiveIntegerField(
        default=0, verbose_name=_("failed attempts in a row")
    )
    disabled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("disabled at"))
    disabled_reason = models.CharField(
        max_length=16,
        blank=True,
        choices=WebhookDisabledReason.choices,
        verbose_name=_("why disabled"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        db_table = "tickets_webhook"
        ordering = ["id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event for one webhook, with every attempt in ``attempts_log``: ``at`` (when it
    ended), ``status_code`` (``None`` without an answer), ``error``, ``ms`` (the latency,
    name resolution to answer), ``address`` (the IP it went to, or the one refused)."""

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    event = models.CharField(max_length=32, choices=WebhookEvent.choices, verbose_name=_("event"))
    payload = models.JSONField(verbose_name=_("payload"))
    status = models.CharField(
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        verbose_name=_("status"),
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    attempts_log = models.JSONField(default=list, verbose_name=_("attempts log"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    # Set while a worker POSTs it (webhook_deliver): a second worker given the same delivery
    # (the redelivery sweep, a duplicated message) leaves it alone.
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        db_table = "tickets_webhookdelivery"
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["webhook", "-id"], name="webhookdelivery_hook"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhookdelivery_pending",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.webhook_id}"

    @property
    def last_attempt(self):
        return self.attempts_log[-1] if self.attempts_log else {}


class IdempotencyKey(models.Model):
    """The first response to a create request sent with an ``Idempotency-Key`` header.

    Unique per (user, key): a replay with the same body returns the stored response; a
    replay with another body is refused. Rows expire after IDEMPOTENCY_KEY_TTL_HOURS.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    endpoint = models.CharField(max_length=255, verbose_name=_("endpoint"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    response_status = models.PositiveSmallIntegerField(null=True, verbose_name=_("response status"))
    response_body = models.JSONField(null=True, verbose_name=_("response body"))
    # A change made offline on a technician's phone and replayed: the phone's clock
    # when it was made, beside the time it was received (created_at).
    device_time = models.DateTimeField(null=True, blank=True, verbose_name=_("device time"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        db_table = "tickets_idempotencykey"
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self):
        return self.key


class NotificationKind(models.TextChoices):
    """Every message the platform sends; each has templates in ``notifications/<kind>/``."""

    SLA_ESCALATION = "sla_escalation", _("SLA escalation")
    CERTIFICATE_EXPIRY = "certificate_expiry", _("Certificate expiry reminder")
    REORDER_DIGEST = "reorder_digest", _("Low-stock digest")
    CORRECTIVE_ACTION_ESCALATION = "corrective_action_escalation", _("Overdue corrective action")
    DISPATCH_NOTICE = "dispatch_notice", _("Technician visit notice")
    ON_MY_WAY = "on_my_way", _("Technician on the way")
    COMPLETION_NOTICE = "completion_notice", _("Work done: confirm and rate")
    SURVEY_INVITATION = "survey_invitation", _("Satisfaction survey")
    WEBHOOK_DISABLED = "webhook_disabled", _("Webhook disabled after failures")
    CONTRACT_EXPIRY = "contract_expiry", _("Service contract expiry reminder")
    OUTLET_DISPATCH = "outlet_dispatch", _("Ticket sent to your outlet")
    EXPENSE_CLAIM_STEP = "expense_claim_step", _("Expense claim awaiting your approval")
    EXPENSE_CLAIM_DECISION = "expense_claim_decision", _("Decision on your expense claim")
    # Issue 18: service operations.
    SUPPORT_QUESTION = "support_question", _("Question for technical support")
    SUPPORT_ANSWER = "support_answer", _("Answer from technical support")
    DEPOT_STAGE = "depot_stage", _("Workshop repair progress")
    CALIBRATION_DUE = "calibration_due", _("Instrument calibration due")
    INCIDENT_NOTICE = "incident_notice", _("Notice about a service incident")
    INCIDENT_OVERDUE = "incident_overdue", _("Service incident past its due time")
    TARGET_APPROVAL = "target_approval", _("Service targets awaiting approval")
    LOW_SCORE_FOLLOW_UP = "low_score_follow_up", _("Low survey score to follow up")


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    INBOX = "inbox", _("In-app inbox")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("notification", "Pending")
    SENT = "sent", pgettext_lazy("notification", "Sent")
    FAILED = "failed", pgettext_lazy("notification", "Failed")
    NO_RECIPIENT = "no_recipient", pgettext_lazy("notification", "No address")


class NotificationQuerySet(models.QuerySet):
    def inbox_of(self, user):
        """``user``'s own in-app messages, newest first."""
        return self.filter(user=user, channel=NotificationChannel.INBOX).order_by("-id")

    def due_for_redelivery(self, *, before, now):
        """Pending rows whose attempt should have happened before ``before`` and that no
        worker holds a claim on (a lost broker message, a worker that died mid-send)."""
        return self.filter(status=NotificationStatus.PENDING, next_attempt_at__lt=before).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )


class Notification(models.Model):
    """One message to one recipient through one channel: the notification outbox.

    Written by ``notify`` in the transaction of the change that causes it, already
    rendered in the recipient's language (so the row is what was sent), and delivered
    after commit by ``notification_deliver_task``. ``uuid`` is the id a receiver
    de-duplicates by (the e-mail's Message-ID, the SMS provider's OutId). ``status``:
    ``pending`` until an attempt succeeds (``sent``) or the attempts run out or the
    provider refuses for good (``failed``); ``no_recipient`` when the recipient had no
    address for the channel (nothing is attempted). In-app (``inbox``) rows are
    ``sent`` when committed: the row is the message. Every attempt is logged in
    ``attempts_log`` (time, outcome, error, duration). ``dedupe_key`` makes a repeated
    ``notify`` for the same fact a no-op per (recipient, channel).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("UUID"))
    kind = models.CharField(max_length=40, choices=NotificationKind.choices, verbose_name=_("kind"))
    channel = models.CharField(
        max_length=16, choices=NotificationChannel.choices, verbose_name=_("channel")
    )
    status = models.CharField(
        max_length=16,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
        verbose_name=_("status"),
    )
    # Who: a user, a customer, or a bare address; ``address`` is the one used (or none).
    recipient_key = models.CharField(max_length=120, verbose_name=_("recipient key"))
    recipient_name = models.CharField(max_length=200, blank=True, verbose_name=_("recipient name"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        verbose_name=_("user"),
    )
    customer = models.ForeignKey(
        "tickets.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    address = models.CharField(max_length=254, blank=True, verbose_name=_("address"))
    language = models.CharField(max_length=16, verbose_name=_("language"))
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("ticket"),
    )
    dedupe_key = models.CharField(max_length=200, blank=True, verbose_name=_("de-duplication key"))
    # What: rendered at queue time; ``context`` keeps the values it was rendered from.
    subject = models.CharField(max_length=255, blank=True, verbose_name=_("subject"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    sms_params = models.JSONField(default=dict, blank=True, verbose_name=_("SMS parameters"))
    context = models.JSONField(default=dict, blank=True, verbose_name=_("context"))
    # Delivery.
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    attempts_log = models.JSONField(default=list, blank=True, verbose_name=_("attempts log"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "channel", "recipient_key"],
                condition=~Q(dedupe_key=""),
                name="notification_once_per_fact",
            )
        ]
        indexes = [
            models.Index(fields=["ticket", "id"], name="notification_ticket"),
            models.Index(
                fields=["user", "-id"],
                name="notification_inbox",
                condition=Q(channel="inbox"),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="notification_pending",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["kind", "created_at"], name="notification_kind_time"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_name or self.address} ({self.channel})"

    @property
    def last_error(self):
        return (self.attempts_log[-1].get("error") or "") if self.attempts_log else ""
