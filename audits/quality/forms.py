"""HTML forms of the supervisors' and auditors' pages: they shape and check the input; the
selectors and services decide."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.dates import day_in_range, local_day_bounds
from audits.choices import KpiGrouping

# A report asked for on the page covers at most this many days: a month takes well under
# a second at a million tickets, two years several seconds (bench/README.md), which is what
# the kept weekly reports and the API are for.
KPI_MAX_DAYS = 366


class KpiPreset:
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    CUSTOM = "custom"

    choices = [
        (THIS_WEEK, _("This week")),
        (LAST_WEEK, _("Last week")),
        (THIS_MONTH, _("This month")),
        (LAST_MONTH, _("Last month")),
        (CUSTOM, _("Custom period")),
    ]


def kpi_preset_days(preset, today):
    """The first and last local day (inclusive) of a preset period around ``today``; weeks
    start on Monday, and "this week" or "this month" run to their last day."""
    if preset in (KpiPreset.THIS_WEEK, KpiPreset.LAST_WEEK):
        monday = today - datetime.timedelta(days=today.weekday())
        if preset == KpiPreset.LAST_WEEK:
            monday -= datetime.timedelta(days=7)
        return monday, monday + datetime.timedelta(days=6)
    first = today.replace(day=1)
    if preset == KpiPreset.LAST_MONTH:
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


class KpiReportForm(forms.Form):
    """The period (a preset, or a custom first and last day) and the grouping of the KPI
    page; ``bounds()`` gives the [start, end) instants the KPI selector takes."""

    # Left out, the period is this month and the grouping by technician.
    period = forms.ChoiceField(
        label=_("Period"), choices=KpiPreset.choices, initial=KpiPreset.THIS_MONTH, required=False
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
        choices=KpiGrouping.choices,
        initial=KpiGrouping.TECHNICIAN,
        required=False,
    )

    def __init__(self, data=None, *, today=None, **kwargs):
        # An empty query string is the default report, not a form with errors.
        if data is not None and not any(data.get(name) for name in self.base_fields):
            data = None
        super().__init__(data, **kwargs)
        self.today = today or timezone.localdate()
        if data is None:
            self.cleaned_data = {"period": KpiPreset.THIS_MONTH, "group_by": "technician"}
            self._clean_days()

    def clean_period(self):
        return self.cleaned_data.get("period") or KpiPreset.THIS_MONTH

    def clean_group_by(self):
        return self.cleaned_data.get("group_by") or KpiGrouping.TECHNICIAN

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
        if cleaned.get("period") not in (None, KpiPreset.CUSTOM):
            # The days only count for a custom period: a stale one does not block a preset.
            for name in ("first", "last"):
                self._errors.pop(name, None)
        if self.errors:
            return cleaned
        self._clean_days()
        return self.cleaned_data

    def _clean_days(self):
        cleaned = self.cleaned_data
        preset = cleaned.get("period")
        if preset != KpiPreset.CUSTOM:
            cleaned["first"], cleaned["last"] = kpi_preset_days(preset, self.today)
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
        elif (last - first).days + 1 > KPI_MAX_DAYS:
            self.add_error(
                "last",
                _("A period on this page covers at most %(days)s days.") % {"days": KPI_MAX_DAYS},
            )

    def valid(self):
        return not self.is_bound or self.is_valid()

    def bounds(self):
        """[start, end) as aware instants: midnight of the first day to midnight after the
        last, local time (what the API's ``from`` and ``to`` would be)."""
        return local_day_bounds(self.cleaned_data["first"], self.cleaned_data["last"])
