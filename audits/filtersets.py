import django_filters

from aftersales.filters import IsoDateTimeFilter

from .models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    actor = django_filters.NumberFilter(field_name="actor_id")
    action = django_filters.CharFilter()
    ticket = django_filters.NumberFilter(field_name="ticket_id")
    source = django_filters.CharFilter()
    request_id = django_filters.CharFilter()
    after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = []
