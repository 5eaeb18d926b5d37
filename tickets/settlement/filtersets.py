import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from technicians.outlets.models import Outlet

from .choices import StatementStatus
from .models import Statement


def parse_month(value):
    """``2026-10`` or any ISO date of the month → the month's first day (None if empty);
    ValueError for anything else."""
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    value = (value or "").strip()
    if not value:
        return None
    if len(value) == 7:
        value = f"{value}-01"
    return datetime.date.fromisoformat(value).replace(day=1)


class MonthFormField(forms.CharField):
    """A month typed as YYYY-MM (what ``<input type="month">`` sends) or a date in it."""

    def to_python(self, value):
        try:
            return parse_month(value)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid") from None


class MonthFilter(django_filters.Filter):
    field_class = MonthFormField


class StatementFilterSet(django_filters.FilterSet):
    outlet = django_filters.ModelChoiceFilter(
        queryset=Outlet.objects.all(), to_field_name="code", label=_("outlet (code)")
    )
    month = MonthFilter(field_name="month", label=_("month (YYYY-MM)"))
    status = django_filters.ChoiceFilter(choices=StatementStatus.choices)

    class Meta:
        model = Statement
        fields = ["outlet", "month", "status"]
