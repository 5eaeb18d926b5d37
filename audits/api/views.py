from rest_framework import viewsets

from aftersales.api.pagination import CursorPagination
from aftersales.roles import Role

from ..filtersets import AuditEventFilterSet
from ..models import AuditEvent
from ..selectors import audit_event_list
from . import serializers as s

AUDIT_READERS = (Role.AUDITOR, Role.SUPERVISOR)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The append-only trail: read by auditors and supervisors; writes are 405."""

    queryset = AuditEvent.objects.none()
    serializer_class = s.AuditEventSerializer
    filterset_class = AuditEventFilterSet
    pagination_class = CursorPagination
    read_roles = AUDIT_READERS
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return audit_event_list()
