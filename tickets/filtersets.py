"""django-filter sets for the tickets app's lists."""

import django_filters
from django.db.models import Q

from .choices import Channel, Priority, SlaState, TicketCategory, TicketStatus
from .models import Customer, Ticket
from .phones import normalize_phone
from .selectors import sla_state_q


def _phone_or_none(value):
    try:
        return normalize_phone(value)
    except ValueError:
        return None


class TicketFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    category = django_filters.MultipleChoiceFilter(choices=TicketCategory.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    owner = django_filters.NumberFilter(field_name="owner_id")
    technician = django_filters.NumberFilter(field_name="technician_id")
    customer = django_filters.NumberFilter(field_name="customer_id")
    area = django_filters.CharFilter(field_name="customer__area__code")
    sla_state = django_filters.ChoiceFilter(choices=SlaState.choices, method="filter_sla_state")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = django_filters.CharFilter(method="filter_search", label="Number, name, phone, serial")

    class Meta:
        model = Ticket
        fields = []

    def filter_sla_state(self, queryset, name, value):
        return queryset.filter(sla_state_q(value))

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = (
            Q(number__iexact=value)
            | Q(product__serial_number=value)
            | Q(customer__name__icontains=value)
        )
        phone = _phone_or_none(value)
        if phone:
            condition |= Q(customer__phone=phone)
        return queryset.filter(condition)


class CustomerFilterSet(django_filters.FilterSet):
    phone = django_filters.CharFilter(method="filter_phone")
    area = django_filters.CharFilter(field_name="area__code")
    tier = django_filters.CharFilter(field_name="tier")
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Customer
        fields = []

    def filter_phone(self, queryset, name, value):
        phone = _phone_or_none(value)
        return queryset.filter(phone=phone) if phone else queryset.none()

    def filter_search(self, queryset, name, value):
        value = value.strip()
        condition = Q(name__icontains=value) | Q(email__iexact=value)
        phone = _phone_or_none(value)
        if phone:
            condition |= Q(phone=phone)
        return queryset.filter(condition)
