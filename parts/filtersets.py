"""django-filter sets of the parts app (one per list the API serves)."""

import django_filters
from django.db.models import Q

from aftersales.filters import IsoDateTimeFilter

from .choices import LocationKind, MovementKind
from .models import Part, StockLevel, StockLocation, StockMovement


class PartFilterSet(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__code")
    approved = django_filters.BooleanFilter()
    active = django_filters.BooleanFilter()
    compatible_with = django_filters.CharFilter(field_name="compatible_models__code", distinct=True)

    class Meta:
        model = Part
        fields = ["sku"]


class StockLocationFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=LocationKind.choices)
    active = django_filters.BooleanFilter()

    class Meta:
        model = StockLocation
        fields = ["technician", "area"]


class StockLevelFilterSet(django_filters.FilterSet):
    below_reorder = django_filters.BooleanFilter(
        help_text="Available (on hand − reserved) at or below the part's reorder point."
    )
    location_kind = django_filters.ChoiceFilter(
        field_name="location__kind", choices=LocationKind.choices
    )
    # Plain ids: an unknown id lists nothing rather than costing a lookup per request.
    part = django_filters.NumberFilter(field_name="part_id")
    location = django_filters.NumberFilter(field_name="location_id")

    class Meta:
        model = StockLevel
        fields = []


class StockMovementFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MovementKind.choices)
    location = django_filters.NumberFilter(method="filter_location", help_text="Either side.")
    after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = StockMovement
        fields = ["part", "ticket"]

    def filter_location(self, queryset, name, value):
        return queryset.filter(Q(from_location=value) | Q(to_location=value))
