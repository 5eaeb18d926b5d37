"""The live progress of a target set reads the KPI report: same figures, same period and
scope, a constant number of queries."""

from datetime import date
from decimal import Decimal

import pytest

from aftersales.dates import local_day_bounds
from audits.quality.selectors import kpi_report
from audits.targets import services
from audits.targets.choices import Outcome, Scope
from audits.targets.selectors import progress_counts, public_commitments, target_progress
from tests.tickets.factories import AreaFactory

from .conftest import MARCH, standard_lines

pytestmark = pytest.mark.django_db

ALL_METRICS = standard_lines(dispatch_sla="95", complaint_rate="2", record_completeness="90")


def test_progress_equals_the_kpi_report_for_the_same_period_and_scope(supervisor, march_tickets):
    target_set = services.target_set_create(
        actor=supervisor, period_kind="month", period_start=MARCH, lines=ALL_METRICS
    )
    progress = target_progress(target_set=target_set, today=date(2026, 3, 20))
    start, end = local_day_bounds(date(2026, 3, 1), date(2026, 3, 31))
    by_area = kpi_report(start=start, end=end, group_by="area")
    by_outlet = kpi_report(start=start, end=end, group_by="outlet")
    fields = {
        "response_sla": "response_sla_met_pct",
        "dispatch_sla": "dispatch_sla_met_pct",
        "first_time_fix": "first_time_fix_pct",
        "satisfaction": "avg_satisfaction",
        "record_completeness": "record_completeness_pct",
    }
    areas = {row["key"]: row for row in by_area["rows"]}
    outlets = {row["key"]: row for row in by_outlet["rows"]}
    location = march_tickets["outlet"].stock_location_id
    for line in progress["lines"]:
        metric = line["line"].metric
        for row in line["rows"]:
            if row["scope"] == Scope.OVERALL:
                kpi = by_area["totals"]
            elif row["scope"] == Scope.AREA:
                kpi = areas[row["area"].pk]
            else:
                kpi = outlets[location]
            if metric == "complaint_rate":
                expected = round(100 * kpi["complaints"] / kpi["opened"], 1)
            else:
                expected = kpi[fields[metric]]
            assert row["actual"] == expected, (metric, row["scope"])
    satisfaction = next(line for line in progress["lines"] if line["line"].metric == "satisfaction")
    overall = satisfaction["rows"][0]
    assert (overall["actual"], overall["sample"], overall["outcome"]) == (4.0, 3, Outcome.AT_RISK)
    assert progress_counts(progress)[Outcome.MET] > 0


def test_an_area_without_tickets_but_with_a_break_down_shows_no_data(supervisor, march_tickets):
    west = AreaFactory(code="west", name="West")
    target_set = services.target_set_create(
        actor=supervisor, period_kind="month", period_start=MARCH,
        lines=[{"metric": "satisfaction", "value": "4", "breakdowns": [
            {"area": west.pk, "value": "4.8"}]}],
    )  # fmt: skip
    rows = target_progress(target_set=target_set, today=date(2026, 3, 20))["lines"][0]["rows"]
    row = next(row for row in rows if row["area"] == west)
    assert (row["target"], row["outcome"], row["sample"]) == (Decimal("4.8"), Outcome.NO_DATA, 0)


def test_progress_runs_a_constant_number_of_queries(
    supervisor, march_tickets, django_assert_max_num_queries
):
    target_set = services.target_set_create(
        actor=supervisor, period_kind="quarter", period_start=MARCH, lines=ALL_METRICS
    )
    with django_assert_max_num_queries(10):
        progress = target_progress(target_set=target_set, today=date(2026, 3, 20))
    assert len(progress["lines"]) == 6


def test_the_public_commitments_are_the_approved_ones_only(approved, supervisor):
    services.target_set_create(
        actor=supervisor, period_kind="quarter", period_start=MARCH,
        lines=[{"metric": "complaint_rate", "value": "1"}],
    )  # fmt: skip
    promises = public_commitments(today=date(2026, 3, 10))["promises"]
    assert {line.metric for line in promises} == {"response_sla", "first_time_fix", "satisfaction"}
    assert public_commitments(today=date(2026, 4, 10))["promises"] == []
