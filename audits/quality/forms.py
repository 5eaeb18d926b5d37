"""HTML forms of the supervisors' and auditors' pages: they shape and check the input; the
selectors and services decide."""

from aftersales.dates import local_day_bounds
from aftersales.periods import PeriodForm, PeriodPreset, preset_days
from audits.choices import KpiGrouping

# A report asked for on the page covers at most this many days: a month takes well under
# a second at a million tickets, two years several seconds (bench/README.md), which is what
# the kept weekly reports and the API are for.
KPI_MAX_DAYS = 366


class KpiPreset(PeriodPreset):
    choices = PeriodPreset.choices_of(
        PeriodPreset.THIS_WEEK,
        PeriodPreset.LAST_WEEK,
        PeriodPreset.THIS_MONTH,
        PeriodPreset.LAST_MONTH,
        PeriodPreset.CUSTOM,
    )


# The calendar rule of every report period (aftersales.periods), under the KPI page's name.
kpi_preset_days = preset_days


class KpiReportForm(PeriodForm):
    """The period (a preset, or a custom first and last day) and the grouping of the KPI
    page; ``bounds()`` gives the [start, end) instants the KPI selector takes. Left out,
    the period is this month and the grouping by technician."""

    presets = KpiPreset.choices
    default_preset = KpiPreset.THIS_MONTH
    max_days = KPI_MAX_DAYS
    groupings = KpiGrouping.choices
    default_grouping = KpiGrouping.TECHNICIAN

    def bounds(self):
        """[start, end) as aware instants: midnight of the first day to midnight after the
        last, local time (what the API's ``from`` and ``to`` would be)."""
        return local_day_bounds(self.cleaned_data["first"], self.cleaned_data["last"])
