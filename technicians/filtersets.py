import django_filters

from .models import Technician


class TechnicianFilterSet(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="areas__code", distinct=True)
    active = django_filters.BooleanFilter()

    class Meta:
        model = Technician
        fields = []
