import django_filters

from .models import AuditEvent, AuditSample, CorrectiveAction, Finding, QualityAudit


class AuditEventFilterSet(django_filters.FilterSet):
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    actor = django_filters.NumberFilter(field_name="actor_id")
    action = django_filters.CharFilter()
    ticket = django_filters.NumberFilter(field_name="ticket_id")
    source = django_filters.CharFilter()
    request_id = django_filters.CharFilter()
    after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = []


class QualityAuditFilterSet(django_filters.FilterSet):
    class Meta:
        model = QualityAudit
        fields = ["status"]


class AuditSampleFilterSet(django_filters.FilterSet):
    confirmed = django_filters.BooleanFilter(
        field_name="confirmed_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = AuditSample
        fields = ["audit", "technician", "ticket"]


class FindingFilterSet(django_filters.FilterSet):
    class Meta:
        model = Finding
        fields = ["audit", "severity", "status"]


class CorrectiveActionFilterSet(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = CorrectiveAction
        fields = ["finding", "owner", "status"]

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        overdue = CorrectiveAction.objects.overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)
