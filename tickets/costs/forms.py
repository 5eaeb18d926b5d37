"""The costs pages' forms: the report period (month, quarter, year or custom days) and
grouping, an expense claim on the phone, a step's decision."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.periods import PeriodForm, PeriodPreset, preset_days
from tickets.models import Ticket

from .choices import CostGrouping, ExpenseKind

# A period on the pages: at most two years (the report of a quarter is the common one).
MAX_DAYS = 731


class Period(PeriodPreset):
    choices = PeriodPreset.choices_of(
        PeriodPreset.THIS_MONTH,
        PeriodPreset.LAST_MONTH,
        PeriodPreset.THIS_QUARTER,
        PeriodPreset.LAST_QUARTER,
        PeriodPreset.THIS_YEAR,
        PeriodPreset.CUSTOM,
    )


# The calendar rule of every report period (aftersales.periods).
period_days = preset_days


class CostPeriodForm(PeriodForm):
    """A preset period or custom days, and (on the report) the grouping. Left out, the
    period is this month (and the grouping the service type); ``grouping=False`` drops
    the grouping (the budgets page)."""

    presets = Period.choices
    default_preset = Period.THIS_MONTH
    max_days = MAX_DAYS
    groupings = CostGrouping.choices
    default_grouping = CostGrouping.CATEGORY


class ExpenseClaimForm(forms.Form):
    """An expense claim as a technician files it on the phone: the receipt photo first
    (the camera opens on a phone), then what, how much, when and for which job."""

    receipt = forms.FileField(
        label=_("Receipt photo"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*,application/pdf", "capture": "environment"}
        ),
        help_text=_("A photo of the receipt or invoice (JPEG, PNG, WebP or PDF)."),
    )
    kind = forms.ChoiceField(label=_("Kind of expense"), choices=ExpenseKind.choices)
    amount = forms.DecimalField(
        label=_("Amount (CNY)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    spent_on = forms.DateField(
        label=_("Date of the expense"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ticket = forms.ModelChoiceField(
        label=_("Job (optional)"), queryset=Ticket.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, technician=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spent_on"].initial = timezone.localdate()
        if technician is not None:
            # Their jobs of the last 90 days, newest first: the ones a receipt belongs to.
            since = timezone.now() - datetime.timedelta(days=90)
            ids = list(
                Ticket.objects.filter(technician=technician, created_at__gte=since)
                .order_by("-created_at")
                .values_list("id", flat=True)[:50]
            )
            self.fields["ticket"].queryset = (
                Ticket.objects.filter(pk__in=ids).only("id", "number").order_by("-created_at")
            )
            self.fields["ticket"].label_from_instance = lambda t: f"{t.number}"


class ClaimDecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you reject the claim."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
