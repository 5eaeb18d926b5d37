import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import IntegratorToken, TokenStatus


class IntegratorTokenFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=TokenStatus.choices, method="filter_status", label=_("status")
    )

    class Meta:
        model = IntegratorToken
        fields = ["user", "status"]

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        if value == TokenStatus.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        if value == TokenStatus.EXPIRED:
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )
