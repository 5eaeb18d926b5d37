from rest_framework import viewsets

from aftersales.api.pagination import CursorPagination
from aftersales.roles import Role

from ..filtersets import AuditEventFilterSet
from ..models import AuditEvent
from ..selectors import audit_event_list
from .serializers import AuditEventSerializer


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The append-only trail: read by auditors and supervisors; writes are 405."""

    queryset = AuditEvent.objects.none()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    pagination_class = CursorPagination
    read_roles = (Role.AUDITOR, Role.SUPERVISOR)
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return audit_event_list()
