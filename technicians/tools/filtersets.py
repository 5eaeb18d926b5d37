"""Filters of the instrument ledger (the API and the ledger page share them)."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from technicians.models import Technician

from .choices import InstrumentStatus
from .models import CalibrationRecord, Instrument, InstrumentKind


class InstrumentFilterSet(django_filters.FilterSet):
    """``status``; ``holder`` a technician; ``kind`` an instrument kind's code;
    ``due_within`` days: not retired and due within that many days (overdue and never
    calibrated included); ``q`` number, model or serial."""

    status = django_filters.ChoiceFilter(choices=InstrumentStatus.choices, label=_("Status"))
    holder = django_filters.ModelChoiceFilter(queryset=Technician.objects.all(), label=_("Holder"))
    kind = django_filters.ModelChoiceFilter(
        queryset=InstrumentKind.objects.all(),
        to_field_name="code",
        label=_("Kind"),
    )
    due_within = django_filters.NumberFilter(
        method="filter_due_within",
        min_value=0,
        max_value=3660,
        label=_("Calibration due within (days)"),
    )

    class Meta:
        model = Instrument
        fields = []

    def filter_due_within(self, queryset, name, value):
        return queryset.due_within(timezone.localdate(), int(value))


class CalibrationRecordFilterSet(django_filters.FilterSet):
    instrument = django_filters.ModelChoiceFilter(queryset=Instrument.objects.all())
    result = django_filters.CharFilter()

    class Meta:
        model = CalibrationRecord
        fields = []
