import django_filters

from audits.models import AuditSample, CorrectiveAction, Finding, QualityAudit


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
