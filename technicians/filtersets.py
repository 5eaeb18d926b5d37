import datetime

import django_filters
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.filters import DateFilter

from .choices import CertificationStatus
from .models import EXPIRING_WITHIN_DAYS, Absence, Certification, Technician, TrainingRecord
from .selectors import booked_on

_EXPIRING = datetime.timedelta(days=EXPIRING_WITHIN_DAYS)


class TechnicianFilterSet(django_filters.FilterSet):
    """``area`` covered; ``certified_for`` a product category (a certificate valid on
    ``available_on`` if given, else today); ``available_on`` a date: active, a working
    day, not absent and with a free slot; ``active``."""

    area = django_filters.CharFilter(field_name="areas__code", distinct=True)
    certified_for = django_filters.CharFilter(
        method="filter_certified_for", label=_("Product category code")
    )
    available_on = DateFilter(method="filter_available_on")
    active = django_filters.BooleanFilter()

    class Meta:
        model = Technician
        fields = []

    def _day(self):
        day = self.form.cleaned_data.get("available_on")
        return day or timezone.localdate()

    def filter_certified_for(self, queryset, name, value):
        valid = Certification.objects.valid_on(self._day()).filter(
            technician_id=OuterRef("pk"), type__categories__code=value
        )
        return queryset.filter(Exists(valid))

    def filter_available_on(self, queryset, name, value):
        booked = (
            booked_on(value)
            .filter(technician_id=OuterRef("pk"))
            .values("technician_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        absent = Absence.objects.on(value).filter(technician_id=OuterRef("pk"))
        return (
            queryset.filter(active=True, working_days__contains=str(value.isoweekday()))
            .exclude(Exists(absent))
            .alias(booked=booked)
            .filter(Q(booked__isnull=True) | Q(booked__lt=F("max_jobs_per_day")))
        )


class CertificationFilterSet(django_filters.FilterSet):
    technician = django_filters.NumberFilter(field_name="technician_id")
    type = django_filters.CharFilter(field_name="type__code")
    category = django_filters.CharFilter(field_name="type__categories__code", distinct=True)
    status = django_filters.ChoiceFilter(
        choices=CertificationStatus.choices, method="filter_status"
    )
    expires_before = DateFilter(field_name="expires_on", lookup_expr="lt")

    class Meta:
        model = Certification
        fields = []

    def filter_status(self, queryset, name, value):
        """By the status today, derived from the dates (not the nightly copy)."""
        today = timezone.localdate()
        live = Q(revoked_at__isnull=True)
        return queryset.filter(
            {
                CertificationStatus.REVOKED: Q(revoked_at__isnull=False),
                CertificationStatus.EXPIRED: live & Q(expires_on__lt=today),
                CertificationStatus.EXPIRING: live
                & Q(expires_on__gte=today, expires_on__lte=today + _EXPIRING),
                CertificationStatus.VALID: live & Q(expires_on__gt=today + _EXPIRING),
            }[value]
        )


class TrainingRecordFilterSet(django_filters.FilterSet):
    technician = django_filters.NumberFilter(field_name="technician_id")
    completed_after = DateFilter(field_name="completed_on", lookup_expr="gte")
    completed_before = DateFilter(field_name="completed_on", lookup_expr="lte")

    class Meta:
        model = TrainingRecord
        fields = []


class AbsenceFilterSet(django_filters.FilterSet):
    technician = django_filters.NumberFilter(field_name="technician_id")
    on = DateFilter(method="filter_on")

    class Meta:
        model = Absence
        fields = []

    def filter_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)
