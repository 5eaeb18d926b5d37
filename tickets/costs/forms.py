"""The costs pages' forms: the report period (month, quarter, year or custom days) and
grouping, an expense claim on the phone, a step's decision."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.dates import day_in_range
from tickets.models import Ticket

from .choices import CostGrouping, ExpenseKind

# A period on the pages: at most two years (the report of a quarter is the common one).
MAX_DAYS = 731


class Period:
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_QUARTER = "this_quarter"
    LAST_QUARTER = "last_quarter"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"

    choices = [
        (THIS_MONTH, _("This month")),
        (LAST_MONTH, _("Last month")),
        (THIS_QUARTER, _("This quarter")),
        (LAST_QUARTER, _("Last quarter")),
        (THIS_YEAR, _("This year")),
        (CUSTOM, _("Custom period")),
    ]


def _month_end(first):
    return (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def period_days(preset, today):
    """The first and last local day (inclusive) of a preset period around ``today``."""
    if preset in (Period.THIS_MONTH, Period.LAST_MONTH):
        first = today.replace(day=1)
        if preset == Period.LAST_MONTH:
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        return first, _month_end(first)
    if preset in (Period.THIS_QUARTER, Period.LAST_QUARTER):
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        if preset == Period.LAST_QUARTER:
            first = (first - datetime.timedelta(days=1)).replace(day=1)
            first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
        last = first
        for _i in range(2):
            last = (last + datetime.timedelta(days=32)).replace(day=1)
        return first, _month_end(last)
    return today.replace(month=1, day=1), today.replace(month=12, day=31)


class CostPeriodForm(forms.Form):
    """A preset period or custom days, and (on the report) the grouping. Left out, the
    period is this month (and the grouping the service type)."""

    period = forms.ChoiceField(
        label=_("Period"), choices=Period.choices, initial=Period.THIS_MONTH, required=False
    )
    first = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last = forms.DateField(
        label=_("To (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    group_by = forms.ChoiceField(
        label=_("Group by"),
        choices=CostGrouping.choices,
        initial=CostGrouping.CATEGORY,
        required=False,
    )

    def __init__(self, data=None, *, today=None, grouping=True, **kwargs):
        if data is not None and not any(data.get(name) for name in self.base_fields):
            data = None
        super().__init__(data, **kwargs)
        if not grouping:
            del self.fields["group_by"]
        self.today = today or timezone.localdate()
        if data is None:
            self.cleaned_data = {"period": Period.THIS_MONTH, "group_by": CostGrouping.CATEGORY}
            self._clean_days()

    def clean_period(self):
        return self.cleaned_data.get("period") or Period.THIS_MONTH

    def clean_group_by(self):
        return self.cleaned_data.get("group_by") or CostGrouping.CATEGORY

    def clean_first(self):
        return self._in_calendar(self.cleaned_data.get("first"))

    def clean_last(self):
        return self._in_calendar(self.cleaned_data.get("last"))

    def _in_calendar(self, day):
        if day is not None and not day_in_range(day):
            raise forms.ValidationError(_("Enter a day between the years 1900 and 2999."))
        return day

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") not in (None, Period.CUSTOM):
            for name in ("first", "last"):
                self._errors.pop(name, None)
        if self.errors:
            return cleaned
        self._clean_days()
        return self.cleaned_data

    def _clean_days(self):
        cleaned = self.cleaned_data
        preset = cleaned.get("period")
        if preset != Period.CUSTOM:
            cleaned["first"], cleaned["last"] = period_days(preset, self.today)
            return
        first, last = cleaned.get("first"), cleaned.get("last")
        if first is None:
            self.add_error("first", _("Enter the first day of the period."))
        if last is None:
            self.add_error("last", _("Enter the last day of the period."))
        if first is None or last is None:
            return
        if last < first:
            self.add_error("last", _("The last day must not be before the first."))
        elif (last - first).days + 1 > MAX_DAYS:
            self.add_error(
                "last",
                _("A period on this page covers at most %(days)s days.") % {"days": MAX_DAYS},
            )

    def valid(self):
        return not self.is_bound or self.is_valid()


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
