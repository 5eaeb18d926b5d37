"""REST adapter of the webhooks: integrators (their own) and supervisors (all)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.actions import service_action
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.platform.api.idempotency import IdempotentCreateMixin
from aftersales.roles import Role, has_role

from .. import services
from ..models import SUBSCRIBABLE_EVENTS, Webhook, WebhookDelivery

WEBHOOK_ROLES = (Role.INTEGRATOR, Role.SUPERVISOR)


class WebhookSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    url = serializers.URLField(
        max_length=500,
        help_text="http(s) URL on a public address (or a host on WEBHOOK_ALLOWED_HOSTS); "
        "checked again at every delivery, after DNS resolution.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[(e.value, e.label) for e in SUBSCRIBABLE_EVENTS]),
        allow_empty=False,
    )
    secret = serializers.CharField(
        write_only=True,
        min_length=16,
        max_length=128,
        style={"input_type": "password"},
        help_text="The signing secret: any 16+ characters (the HMAC key is their UTF-8 "
        "bytes), or a Standard Webhooks whsec_<base64 of 24-64 bytes>.",
    )

    class Meta:
        model = Webhook
        fields = [
            "id",
            "url",
            "events",
            "secret",
            "active",
            "consecutive_failures",
            "disabled_reason",
            "disabled_at",
            "created_at",
        ]
        read_only_fields = [
            "active",
            "consecutive_failures",
            "disabled_reason",
            "disabled_at",
            "created_at",
        ]


class WebhookAttemptSerializer(serializers.Serializer):
    """One attempt of a delivery, as logged."""

    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(
        allow_null=True, help_text="The receiver's HTTP status; null without an answer."
    )
    error = serializers.CharField(allow_blank=True)
    ms = serializers.IntegerField(
        help_text="Latency in milliseconds, from name resolution to the answer."
    )
    address = serializers.CharField(
        allow_blank=True, default="", help_text="The IP address posted to (or refused)."
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempts_log = WebhookAttemptSerializer(many=True, read_only=True)
    last_status_code = serializers.SerializerMethodField()
    last_latency_ms = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "payload",
            "status",
            "attempts",
            "attempts_log",
            "last_status_code",
            "last_latency_ms",
            "next_attempt_at",
            "created_at",
        ]

    def get_last_status_code(self, delivery) -> int | None:
        return delivery.last_attempt.get("status_code")

    def get_last_latency_ms(self, delivery) -> int | None:
        return delivery.last_attempt.get("ms")


def _accepted_delivery(view, delivery):
    return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(destroy=extend_schema(description="Deactivate: nothing more is sent."))
class WebhookViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Subscriptions: POSTs of the chosen events, signed the Standard Webhooks way
    (``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64>``) with the
    secret, to public addresses only, retried with back-off; each attempt (status,
    latency) is logged on its delivery. Disabled after too many failures in a row
    (``reenable`` turns it back on); ``test`` sends a test event."""

    queryset = Webhook.objects.none()
    serializer_class = WebhookSerializer
    read_roles = WEBHOOK_ROLES
    write_roles = WEBHOOK_ROLES
    create_service = staticmethod(services.webhook_create)

    def get_queryset(self):
        hooks = Webhook.objects.all()
        if has_role(self.request.user, Role.SUPERVISOR):
            return hooks
        return hooks.filter(created_by=self.request.user)

    def perform_destroy(self, instance):
        services.webhook_deactivate(webhook=instance, actor=self.request.user)

    reenable = service_action(
        services.webhook_reenable,
        subject="webhook",
        name="reenable",
        summary="Re-enable a webhook disabled after failed deliveries",
    )
    test = service_action(
        services.webhook_send_test,
        subject="webhook",
        name="test",
        output={202: WebhookDeliverySerializer},
        respond=_accepted_delivery,
        summary="Send a test event (202: queued; its attempt shows in the deliveries)",
    )

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The webhook's deliveries, newest first, with every attempt."""
        page = self.paginate_queryset(self.get_object().deliveries.order_by("-id"))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
