"""django-filter sets for the tickets app's lists."""

import django_filters
from django.db.models import Q

from aftersales.filters import IsoDateTimeFilter

from .choices import Channel, Priority, SlaState, TicketCategory, TicketStatus
from .models import Customer, Ticket
from .phones import normalize_phone
from .search import SearchQuery, customer_q, ticket_search_q
from .selectors import sla_state_q


def _phone_or_none(value):
    try:
        return normalize_phone(value)
    except ValueError:
        return None


class TicketFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    category = django_filters.MultipleChoiceFilter(choices=TicketCategory.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, distinct=False)
    owner = django_filters.NumberFilter(field_name="owner_id")
    technician = django_filters.NumberFilter(field_name="technician_id")
    customer = django_filters.NumberFilter(field_name="customer_id")
    area = django_filters.CharFilter(field_name="area__code")
    sla_state = django_filters.ChoiceFilter(choices=SlaState.choices, method="filter_sla_state")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = django_filters.CharFilter(method="filter_search", label="Number, name, phone, serial")

    class Meta:
        model = Ticket
        fields = []

    def filter_sla_state(self, queryset, name, value):
        return queryset.filter(sla_state_q(value))

    def filter_search(self, queryset, name, value):
        return queryset.filter(ticket_search_q(value)) if value.strip() else queryset


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
        """The header search's rule for customers (phone digits, name, pinyin), or the
        e-mail address."""
        query = SearchQuery.parse(value)
        condition = Q(email__iexact=value.strip())
        if query is not None:
            condition |= customer_q(query)
        return queryset.filter(condition)
