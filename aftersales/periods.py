"""Report periods: a preset (this week, last month, this quarter …) or custom days.

One form and one calendar rule for every report page (the KPI report, the cost report,
budgets): ``PeriodForm`` is subclassed with the presets a page offers, its default, the
longest period it allows and, where it groups, the grouping's choices.
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .dates import day_in_range


class PeriodPreset:
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_QUARTER = "this_quarter"
    LAST_QUARTER = "last_quarter"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"

    labels = {
        THIS_WEEK: _("This week"),
        LAST_WEEK: _("Last week"),
        THIS_MONTH: _("This month"),
        LAST_MONTH: _("Last month"),
        THIS_QUARTER: _("This quarter"),
        LAST_QUARTER: _("Last quarter"),
        THIS_YEAR: _("This year"),
        CUSTOM: _("Custom period"),
    }

    @classmethod
    def choices_of(cls, *presets):
        return [(preset, cls.labels[preset]) for preset in presets]


def _month_end(first):
    return (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def preset_days(preset, today):
    """The first and last local day (inclusive) of a preset period around ``today``; weeks
    start on Monday, and "this week", "this month" … run to their last day."""
    if preset in (PeriodPreset.THIS_WEEK, PeriodPreset.LAST_WEEK):
        monday = today - datetime.timedelta(days=today.weekday())
        if preset == PeriodPreset.LAST_WEEK:
            monday -= datetime.timedelta(days=7)
        return monday, monday + datetime.timedelta(days=6)
    if preset in (PeriodPreset.THIS_MONTH, PeriodPreset.LAST_MONTH):
        first = today.replace(day=1)
        if preset == PeriodPreset.LAST_MONTH:
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        return first, _month_end(first)
    if preset in (PeriodPreset.THIS_QUARTER, PeriodPreset.LAST_QUARTER):
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        if preset == PeriodPreset.LAST_QUARTER:
            first = (first - datetime.timedelta(days=1)).replace(day=1)
            first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
        last = first
        for _i in range(2):
            last = (last + datetime.timedelta(days=32)).replace(day=1)
        return first, _month_end(last)
    if preset == PeriodPreset.THIS_YEAR:
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    raise ValueError(f"not a preset period: {preset!r}")


class PeriodForm(forms.Form):
    """A preset period or custom days, and a grouping where the page has one. An empty
    query string is the page's default report (the default preset and grouping), not a
    form with errors; ``cleaned_data`` then holds them all the same.

    Subclasses set ``presets`` (choices), ``default_preset``, ``max_days`` and, to group,
    ``groupings`` (choices) and ``default_grouping``."""

    presets = PeriodPreset.choices_of(
        PeriodPreset.THIS_MONTH, PeriodPreset.LAST_MONTH, PeriodPreset.CUSTOM
    )
    default_preset = PeriodPreset.THIS_MONTH
    max_days = 366
    groupings = None
    default_grouping = ""

    period = forms.ChoiceField(label=_("Period"), required=False)
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
    group_by = forms.ChoiceField(label=_("Group by"), required=False)

    def __init__(self, data=None, *, today=None, grouping=True, **kwargs):
        if data is not None and not any(data.get(name) for name in self.base_fields):
            data = None
        super().__init__(data, **kwargs)
        self.fields["period"].choices = self.presets
        self.fields["period"].initial = self.default_preset
        if self.groupings is None or not grouping:
            del self.fields["group_by"]
        else:
            self.fields["group_by"].choices = self.groupings
            self.fields["group_by"].initial = self.default_grouping
        self.today = today or timezone.localdate()
        if data is None:
            self.cleaned_data = {"period": self.default_preset}
            if "group_by" in self.fields:
                self.cleaned_data["group_by"] = self.default_grouping
            self._clean_days()

    def clean_period(self):
        return self.cleaned_data.get("period") or self.default_preset

    def clean_group_by(self):
        return self.cleaned_data.get("group_by") or self.default_grouping

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
        if cleaned.get("period") not in (None, PeriodPreset.CUSTOM):
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
        if preset != PeriodPreset.CUSTOM:
            cleaned["first"], cleaned["last"] = preset_days(preset, self.today)
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
        elif (last - first).days + 1 > self.max_days:
            self.add_error(
                "last",
                _("A period on this page covers at most %(days)s days.") % {"days": self.max_days},
            )

    def valid(self):
        return not self.is_bound or self.is_valid()
