"""django-filter sets for the tickets app's lists."""

import re

import django_filters
from django.db.models import Q

from aftersales.filters import IsoDateTimeFilter

from .choices import Channel, Priority, SlaState, TicketCategory, TicketStatus
from .models import Customer, Product, Ticket
from .phones import normalize_phone
from .selectors import sla_state_q

SEARCH_ID_LIMIT = 1000
_LOOKS_NUMERIC = re.compile(r"^[\d\s+\-()]+$")


def ticket_search_q(value):
    """Number, customer phone, product serial or customer name, each through its own index.

    The matching customers and products are looked up first (two small indexed queries;
    names through the trigram index of migration 0003) and passed as literal id lists:
    with ``IN (subquery)`` branches OR-ed together PostgreSQL cannot estimate the match
    count and walks the whole ticket index backwards. A name matching more than
    ``SEARCH_ID_LIMIT`` customers keeps the subquery, where that walk finds 50 rows fast.
    """
    value = value.strip()
    phone = _phone_or_none(value)
    customers = Q(phone=phone) if phone else Q(pk__in=[])
    by_name = len(value) >= 2 and not _LOOKS_NUMERIC.match(value)
    if by_name:
        customers |= Q(name__icontains=value)
    customer_ids = list(
        Customer.objects.filter(customers).values_list("pk", flat=True)[: SEARCH_ID_LIMIT + 1]
    )
    condition = Q(number=value.upper()) | Q(
        product_id__in=list(
            Product.objects.filter(serial_number=value).values_list("pk", flat=True)
        )
    )
    if len(customer_ids) > SEARCH_ID_LIMIT:
        condition |= Q(customer_id__in=Customer.objects.filter(customers).values("pk"))
    elif customer_ids:
        condition |= Q(customer_id__in=customer_ids)
    return condition


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
        value = value.strip()
        condition = Q(name__icontains=value) | Q(email__iexact=value)
        phone = _phone_or_none(value)
        if phone:
            condition |= Q(phone=phone)
        return queryset.filter(condition)
