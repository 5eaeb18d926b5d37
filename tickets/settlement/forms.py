from django import forms
from django.utils.translation import gettext_lazy as _

from technicians.outlets.models import Outlet

from .choices import StatementStatus
from .filtersets import MonthFormField


class MonthInput(forms.TextInput):
    input_type = "month"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m")
        return super().format_value(value)


class StatementFilterForm(forms.Form):
    """The list's filters; each empty means "all" (the default of every one)."""

    outlet = forms.ModelChoiceField(
        queryset=Outlet.objects.order_by("code"),
        required=False,
        empty_label=_("All outlets"),
        label=_("Outlet"),
    )
    month = MonthFormField(required=False, label=_("Month"), widget=MonthInput)
    status = forms.ChoiceField(
        choices=[("", _("All statuses")), *StatementStatus.choices],
        required=False,
        label=_("Status"),
    )


class StatementBuildForm(forms.Form):
    """Build a month's statement for an outlet (or rebuild a draft: the same two fields)."""

    outlet = forms.ModelChoiceField(
        queryset=Outlet.objects.active().order_by("code"), label=_("Outlet")
    )
    month = MonthFormField(
        label=_("Month"),
        widget=MonthInput,
        help_text=_("The month whose signed work orders are settled (YYYY-MM)."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class StatementReviewForm(forms.Form):
    """Approve (comment optional) or return (comment required) a submitted statement."""

    comment = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to return the statement: say what to correct."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
