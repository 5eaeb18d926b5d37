from django.utils.functional import cached_property
from rest_framework import viewsets

from aftersales.api.pagination import CursorPagination
from aftersales.roles import Role

from ..filtersets import AuditEventFilterSet
from ..models import AuditEvent
from ..personal import KeyRing, personal_fields
from ..selectors import audit_event_list
from . import serializers as s

AUDIT_READERS = (Role.AUDITOR, Role.SUPERVISOR)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The append-only trail: read by auditors and supervisors; writes are 405.

    Personal values in ``changes`` are decrypted for supervisors (each read recorded) and
    masked for auditors (README, "Personal data")."""

    queryset = AuditEvent.objects.none()
    serializer_class = s.AuditEventSerializer
    filterset_class = AuditEventFilterSet
    pagination_class = CursorPagination
    read_roles = AUDIT_READERS
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return audit_event_list()

    @cached_property
    def personal_keys(self):
        return KeyRing()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "personal_keys": self.personal_keys}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            # The page's subject keys in one query rather than one per customer.
            self.personal_keys.preload(
                (e.object_type, e.object_id) for e in page if personal_fields(e.object_type)
            )
        return page
