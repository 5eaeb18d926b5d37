"""A technician's weekly figures (the technician page) are the KPI report's, split by week:
their totals equal the report's row for the technician, whatever the period."""

import datetime
import itertools

import pytest

from audits.quality.performance import technician_kpi_weeks, week_start
from audits.quality.selectors import kpi_rows
from tests.audits.conftest import at
from tests.audits.test_kpi import fixture_tickets  # noqa: F401  (the KPI tests' seven tickets)

pytestmark = pytest.mark.django_db

FIGURES = (
    "opened",
    "closed",
    "complaints",
    "response_sla_met_pct",
    "dispatch_sla_met_pct",
    "first_time_fix_pct",
    "avg_satisfaction",
    "record_completeness_pct",
)


def test_week_start_is_the_monday():
    assert week_start(datetime.date(2026, 3, 5)) == datetime.date(2026, 3, 2)
    assert week_start(datetime.date(2026, 3, 2)) == datetime.date(2026, 3, 2)


@pytest.mark.parametrize(("start", "end"), [(at(1), at(8)), (at(2), at(31)), (at(1), at(4))])
def test_weekly_totals_equal_the_kpi_report_row_of_the_technician(request, start, end):
    technicians = request.getfixturevalue("fixture_tickets")
    now = at(20, month=4)
    report = {
        row["key"]: row for row in kpi_rows(start=start, end=end, group_by="technician", now=now)
    }
    for technician in technicians:
        weekly = technician_kpi_weeks(technician_id=technician.pk, start=start, end=end, now=now)
        expected = report.get(technician.pk)
        totals = weekly["totals"]
        if expected is None:
            assert totals["opened"] == totals["closed"] == 0
            continue
        for figure in FIGURES:
            assert totals[figure] == pytest.approx(expected[figure]), figure
        assert sum(row["closed"] for _, row in weekly["weeks"]) == expected["closed"]


def test_every_week_of_the_period_has_a_row_in_two_queries(request, django_assert_num_queries):
    alice, _ = request.getfixturevalue("fixture_tickets")
    with django_assert_num_queries(2):
        weekly = technician_kpi_weeks(technician_id=alice.pk, start=at(1), end=at(31), now=at(20))
    mondays = [monday for monday, _ in weekly["weeks"]]
    assert mondays[0] == week_start(datetime.date(2026, 3, 1))
    assert all(b - a == datetime.timedelta(days=7) for a, b in itertools.pairwise(mondays))
    assert mondays[-1] == week_start(datetime.date(2026, 3, 30))
