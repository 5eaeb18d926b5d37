"""The registry of target metrics: each code names one figure of the KPI report
(``audits.quality.selectors.kpi_rows``), with its label, unit, direction, the sample it is
computed over, and the words the public commitments page uses. Pure: no database.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from tickets.selectors import kpi_pct

from .choices import Comparator, Outcome


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    unit: str
    # Comparator.GTE: higher is better; LTE: lower is better.
    direction: str
    # The KPI row's count the figure is computed over (shown as the sample size).
    sample: str
    # The KPI row's figure, or a function of the row for derived ones.
    field: str = ""
    compute: object = None
    # The customer's words: "%(value)s" is the target value.
    promise: str = ""
    maximum: Decimal = Decimal(100)
    # With the default SLA policy's hours (its field named here): "%(hours)s" too.
    hours_field: str = ""
    promise_hours: str = ""

    def read(self, row):
        """The metric's actual value in a KPI row (``None`` without a sample)."""
        if self.compute is not None:
            return self.compute(row)
        return row.get(self.field)


def _complaint_rate(row):
    return kpi_pct(row.get("complaints", 0), row.get("opened", 0))


METRICS = {
    metric.code: metric
    for metric in (
        Metric(
            "response_sla",
            _("Response SLA met"),
            "%",
            Comparator.GTE,
            "response_decided",
            field="response_sla_met_pct",
            promise=_(
                "We respond to your request within the promised time %(value)s%% of the time."
            ),
            hours_field="response_hours",
            promise_hours=_("We respond within %(hours)s working hours, %(value)s%% of the time."),
        ),
        Metric(
            "dispatch_sla",
            _("Dispatch SLA met"),
            "%",
            Comparator.GTE,
            "dispatch_decided",
            field="dispatch_sla_met_pct",
            promise=_(
                "A technician is on the way within the promised time %(value)s%% of the time."
            ),
            hours_field="dispatch_hours",
            promise_hours=_(
                "A technician is on the way within %(hours)s working hours, %(value)s%% of "
                "the time."
            ),
        ),
        Metric(
            "first_time_fix",
            _("First-time fix"),
            "%",
            Comparator.GTE,
            "closed",
            field="first_time_fix_pct",
            promise=_("We fix it on the first visit %(value)s%% of the time."),
        ),
        Metric(
            "satisfaction",
            _("Average satisfaction"),
            "/5",
            Comparator.GTE,
            "satisfaction_answers",
            field="avg_satisfaction",
            promise=_("Our customers rate our service at least %(value)s out of 5."),
            maximum=Decimal(5),
        ),
        Metric(
            "complaint_rate",
            _("Complaint rate"),
            "%",
            Comparator.LTE,
            "opened",
            compute=_complaint_rate,
            promise=_("Fewer than %(value)s%% of our service requests end in a complaint."),
        ),
        Metric(
            "record_completeness",
            _("Complete service records"),
            "%",
            Comparator.GTE,
            "closed",
            field="record_completeness_pct",
            promise=_("Every job is documented: %(value)s%% of our service records are complete."),
        ),
    )
}

METRIC_CHOICES = [(code, metric.label) for code, metric in METRICS.items()]


def meets(actual, comparator, target):
    """Whether ``actual`` satisfies ``comparator`` ``target`` (both numbers)."""
    actual, target = Decimal(str(actual)), Decimal(str(target))
    return actual >= target if comparator == Comparator.GTE else actual <= target


def outcome(actual, comparator, target, *, ended):
    """Met, at risk (not met yet, the period still running), missed, or no data."""
    if actual is None:
        return Outcome.NO_DATA
    if meets(actual, comparator, target):
        return Outcome.MET
    return Outcome.MISSED if ended else Outcome.AT_RISK


def progress_pct(actual, comparator, target, maximum):
    """How full the progress bar is (0–100): the share of the target reached; for a
    "lower is better" target, full at or below it, empty at the metric's maximum."""
    if actual is None:
        return 0
    actual, target = Decimal(str(actual)), Decimal(str(target))
    if comparator == Comparator.GTE:
        share = actual / target * 100 if target else Decimal(100)
    elif actual <= target:
        share = Decimal(100)
    else:
        span = maximum - target
        share = (maximum - actual) / span * 100 if span > 0 else Decimal(0)
    return int(max(Decimal(0), min(Decimal(100), share)))
