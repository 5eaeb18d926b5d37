"""REST adapter of the webhooks: integrators (their own) and supervisors (all)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action

from aftersales.api.serializers import StrictFieldsMixin
from aftersales.platform.api.idempotency import IdempotentCreateMixin
from aftersales.roles import Role, has_role

from .. import services
from ..models import Webhook, WebhookDelivery, WebhookEvent

WEBHOOK_ROLES = (Role.INTEGRATOR, Role.SUPERVISOR)


class WebhookSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False
    )
    secret = serializers.CharField(
        write_only=True, min_length=16, max_length=128, style={"input_type": "password"}
    )

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "secret", "active", "created_at"]
        read_only_fields = ["active", "created_at"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "payload",
            "status",
            "attempts",
            "attempts_log",
            "next_attempt_at",
            "created_at",
        ]


@extend_schema_view(destroy=extend_schema(description="Deactivate: nothing more is sent."))
class WebhookViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Subscriptions: POSTs of the chosen events, signed ``X-Signature: sha256=<hex HMAC>``
    with the secret, retried with back-off; each attempt is logged on its delivery."""

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

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The webhook's deliveries, newest first, with every attempt."""
        page = self.paginate_queryset(self.get_object().deliveries.order_by("-id"))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
