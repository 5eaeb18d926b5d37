"""REST adapter of the in-app inbox: every user reads and marks their own messages."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.permissions import ALL_ROLES

from .. import selectors, services
from ..models import Notification, NotificationKind


class InboxMessageSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "uuid",
            "kind",
            "kind_label",
            "subject",
            "body",
            "ticket",
            "created_at",
            "read",
            "read_at",
        ]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class InboxReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "unread", OpenApiTypes.BOOL, description="true: only the unread messages"
            )
        ]
    )
)
class InboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own in-app messages, newest first; nobody sees another's."""

    serializer_class = InboxMessageSerializer
    queryset = Notification.objects.none()
    filterset_class = None
    filter_backends = []
    read_roles = ALL_ROLES
    action_roles = {"read": ALL_ROLES, "read_all": ALL_ROLES}

    def get_queryset(self):
        unread = None
        if self.action == "list":
            flag = self.request.query_params.get("unread", "").lower()
            unread = {"true": True, "1": True, "false": False, "0": False}.get(flag)
        return selectors.inbox(user=self.request.user, unread=unread)

    @extend_schema(request=None, responses=InboxMessageSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one message read."""
        message = self.get_object()
        try:
            message = services.notification_mark_read(notification=message, actor=request.user)
        except LookupError as exc:
            raise Http404 from exc
        return Response(self.get_serializer(message).data)

    @extend_schema(request=None, responses=InboxReadAllSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread message read."""
        return Response({"marked": services.notifications_mark_all_read(actor=request.user)})
