"""The KPI report page (/reports/kpi/) through Django's test client: every period preset and
grouping, the figures equal to the API's for the same period, refused periods with their
errors, the server-side sort, the CSV and XLSX exports (one table for both), the kept
weekly reports, the page without JavaScript, who may see it, and a constant query count."""

import csv
import datetime
import io
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from audits.quality.forms import KpiPreset, kpi_preset_days
from audits.quality.selectors import kpi_report
from audits.quality.services import kpi_weekly_reports_generate
from parts.choices import LocationKind
from tests.audits.conftest import at
from tests.parts.factories import LocationFactory
from tests.tickets.factories import AreaFactory, ProductFactory, TechnicianFactory

pytestmark = pytest.mark.django_db
URL = "/reports/kpi/"
# A Wednesday in the fixture's month: this week is March 9–15, this month March.
TODAY = datetime.date(2026, 3, 11)
MARCH = {"period": "custom", "first": "2026-03-01", "last": "2026-03-31"}


@pytest.fixture(autouse=True)
def _utc_and_today(settings, monkeypatch):
    settings.TIME_ZONE = "UTC"
    monkeypatch.setattr("aftersales.periods.timezone.localdate", lambda *a, **k: TODAY)


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def report_tickets(closed_ticket, shaped_ticket):
    """Two outlets, two areas, three technicians, tickets across March: Alice closes three
    (one a complaint), Bob two, Chen (no outlet) one in February; one unassigned ticket."""
    east = LocationFactory(code="OUT-E", name="East outlet", kind=LocationKind.OUTLET)
    west = LocationFactory(code="OUT-W", name="West outlet", kind=LocationKind.OUTLET)
    north = AreaFactory(code="north", name="North district")
    south = AreaFactory(code="south", name="South district")
    alice = TechnicianFactory(full_name="Alice Wang", home_outlet=east)
    bob = TechnicianFactory(full_name="Bob Li", home_outlet=west)
    chen = TechnicianFactory(full_name="Chen Hao")
    closed_ticket(alice, day=3, area=north, product=ProductFactory())
    closed_ticket(alice, day=10, area=north, product=ProductFactory(), category="complaint",
                  responded_at=at(10, 12), satisfaction=3)  # fmt: skip
    closed_ticket(alice, day=12, area=south, product=ProductFactory(), fault_code="")
    closed_ticket(bob, day=4, area=south, product=ProductFactory(), satisfaction=4)
    closed_ticket(bob, day=11, area=south, product=ProductFactory(), confirmation_signature="")
    closed_ticket(chen, area=north, product=ProductFactory(), created_at=at(19, month=2),
                  responded_at=at(19, 1, month=2), response_due_at=at(20, month=2),
                  dispatched_at=at(19, 2, month=2), dispatch_due_at=at(21, month=2),
                  completed_at=at(19, 5, month=2), closed_at=at(20, 1, month=2))  # fmt: skip
    shaped_ticket(status="triaged", area=north, created_at=at(9), response_due_at=at(10),
                  responded_at=at(9, 1), dispatch_due_at=at(12), dispatched_at=None)  # fmt: skip
    return alice, bob, chen


def _text(response):
    return response.content.decode()


def _labels(response):
    """The row labels of the KPI table, in the page's order."""
    body = _text(response).split('id="kpi-table"', 1)[1].split("<tbody>", 1)[1]
    return re.findall(r'<tr><th scope="row">([^<]+)</th>', body.split("</tbody>", 1)[0])


def _api(api_client, first, last, group_by):
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
    )
    response = api_client.get(
        "/api/v1/reports/kpis/",
        {"from": start.isoformat(), "to": end.isoformat(), "group_by": group_by},
    )
    assert response.status_code == 200
    return response.json()


# --- Periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "today", "days"),
    [
        (KpiPreset.THIS_WEEK, TODAY, ("2026-03-09", "2026-03-15")),
        (KpiPreset.LAST_WEEK, TODAY, ("2026-03-02", "2026-03-08")),
        (KpiPreset.THIS_MONTH, TODAY, ("2026-03-01", "2026-03-31")),
        (KpiPreset.LAST_MONTH, TODAY, ("2026-02-01", "2026-02-28")),
        (KpiPreset.LAST_MONTH, datetime.date(2026, 1, 31), ("2025-12-01", "2025-12-31")),
        (KpiPreset.THIS_WEEK, datetime.date(2026, 3, 9), ("2026-03-09", "2026-03-15")),
        (KpiPreset.LAST_WEEK, datetime.date(2026, 3, 1), ("2026-02-16", "2026-02-22")),
    ],
)
def test_preset_days(preset, today, days):
    first, last = kpi_preset_days(preset, today)
    assert (first.isoformat(), last.isoformat()) == days


@pytest.mark.parametrize(
    ("preset", "heading", "opened"),
    [
        ("this_week", "March 9, 2026 – March 15, 2026", 4),
        ("last_week", "March 2, 2026 – March 8, 2026", 2),
        ("this_month", "March 1, 2026 – March 31, 2026", 6),
        ("last_month", "Feb. 1, 2026 – Feb. 28, 2026", 1),
        ("custom", "March 1, 2026 – March 31, 2026", 6),
    ],
)
def test_each_preset_shows_its_period_and_the_apis_figures(
    login, supervisor, auditor_client, report_tickets, preset, heading, opened
):
    params = {**MARCH, "period": preset, "group_by": "technician"}
    response = login(supervisor).get(URL, params)
    assert response.status_code == 200
    page = _text(response)
    assert f"{heading}, by Technician" in page
    first, last = (
        kpi_preset_days(preset, TODAY) if preset != "custom" else (at(1).date(), at(31).date())
    )
    api = _api(auditor_client, first, last, "technician")
    assert api["totals"]["opened"] == opened
    tfoot = page.split("<tfoot>", 1)[1]
    assert f'<td class="figure">{opened}</td>' in tfoot


@pytest.mark.parametrize("group_by", ["technician", "area", "category", "outlet"])
def test_each_grouping_shows_the_apis_rows_with_labels_not_codes(
    login, auditor, auditor_client, report_tickets, group_by
):
    response = login(auditor).get(URL, {**MARCH, "group_by": group_by})
    assert response.status_code == 200
    table = response.context["table"]
    api = _api(auditor_client, at(1).date(), at(31).date(), group_by)
    assert [row["figures"] for row in table["rows"]] == sorted(
        api["rows"], key=lambda r: [row["figures"]["key"] for row in table["rows"]].index(r["key"])
    )
    assert len(table["rows"]) == len(api["rows"])
    assert table["totals"]["figures"] == api["totals"]
    labels = set(_labels(response))
    expected = {
        "technician": {"Alice Wang", "Bob Li", "No technician"},
        "area": {"North district", "South district"},
        "category": {"Repair", "Complaint"},
        "outlet": {"East outlet", "West outlet", "No outlet"},
    }[group_by]
    assert expected <= labels
    assert not labels & {"north", "south", "repair", "complaint", "OUT-E", "None"}


def test_outlet_grouping_is_the_technicians_home_outlet(auditor_client, report_tickets):
    rows = {
        r["label"]: r for r in _api(auditor_client, at(1).date(), at(31).date(), "outlet")["rows"]
    }
    assert (rows["OUT-E"]["closed"], rows["OUT-W"]["closed"]) == (3, 2)
    assert rows[None]["closed"] == 0 and rows[None]["opened"] == 1  # the unassigned ticket


def test_the_default_report_is_this_month_by_technician(login, supervisor, report_tickets):
    response = login(supervisor).get(URL)
    assert response.status_code == 200
    assert "March 1, 2026 – March 31, 2026, by Technician" in _text(response)
    assert response.context["form"]["period"].value() == "this_month"


# --- Refused input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"period": "custom"}, "first", "Enter the first day of the period."),
        ({"period": "custom", "first": "2026-03-01"}, "last", "Enter the last day of the period."),
        ({"period": "custom", "first": "2026-03-10", "last": "2026-03-01"}, "last",
         "The last day must not be before the first."),
        ({"period": "custom", "first": "2024-01-01", "last": "2026-03-01"}, "last",
         "A period on this page covers at most 366 days."),
        ({"period": "custom", "first": "yesterday", "last": "2026-03-01"}, "first",
         "Enter a valid date."),
        ({"period": "custom", "first": "0001-01-01", "last": "2026-03-01"}, "first",
         "Enter a day between the years 1900 and 2999."),
        ({"period": "fortnight"}, "period", "Select a valid choice."),
        ({"period": "this_month", "group_by": "planet"}, "group_by", "Select a valid choice."),
    ],
)  # fmt: skip
def test_a_refused_period_says_why_and_keeps_the_input(login, supervisor, params, field, message):
    response = login(supervisor).get(URL, params)
    assert response.status_code == 400
    page = _text(response)
    assert message in page
    assert "table" not in response.context or response.context.get("table") is None
    form = response.context["form"]
    assert field in form.errors
    for name, value in params.items():
        assert form[name].value() == value


def test_a_preset_ignores_a_stale_custom_day(login, supervisor, report_tickets):
    response = login(supervisor).get(URL, {"period": "last_week", "first": "nonsense"})
    assert response.status_code == 200
    assert "March 2, 2026 – March 8, 2026" in _text(response)


# --- Sorting ---------------------------------------------------------------------------------


def test_the_table_sorts_on_the_server_and_keeps_the_period(login, supervisor, report_tickets):
    client = login(supervisor)
    base = {**MARCH, "group_by": "technician"}
    assert _labels(client.get(URL, base)) == ["Alice Wang", "Bob Li", "No technician"]
    descending = client.get(URL, {**base, "sort": "-label"})
    assert _labels(descending) == ["Bob Li", "Alice Wang", "No technician"]
    by_closed = client.get(URL, {**base, "sort": "-closed"})
    assert _labels(by_closed) == ["Alice Wang", "Bob Li", "No technician"]
    by_closed_up = client.get(URL, {**base, "sort": "closed"})
    assert _labels(by_closed_up) == ["No technician", "Bob Li", "Alice Wang"]
    # No first-time-fix share without closed tickets: that row goes last either way.
    for sort in ("first_time_fix_pct", "-first_time_fix_pct"):
        assert _labels(client.get(URL, {**base, "sort": sort}))[-1] == "No technician"
    page = _text(by_closed)
    assert re.search(r'<th scope="col" class="figure" aria-sort="descending"><a class="sort" '
                     r'id="sort-closed" href="\?([^"]+)"', page)  # fmt: skip
    link = re.search(r'id="sort-closed" href="\?([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "sort=closed" in link and "first=2026-03-01" in link and "group_by=technician" in link
    assert _labels(client.get(URL, {**base, "sort": "planet"})) == _labels(client.get(URL, base))


# --- Exports ---------------------------------------------------------------------------------


def _csv_rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def _xlsx_rows(response):
    book = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_csv_and_xlsx_carry_the_apis_figures_in_the_tables_order(
    login, supervisor, auditor_client, report_tickets
):
    client = login(supervisor)
    params = {**MARCH, "group_by": "technician", "sort": "-closed"}
    api = _api(auditor_client, at(1).date(), at(31).date(), "technician")
    by_label = {row["label"]: row for row in api["rows"]}
    by_label["No technician"] = by_label.pop(None)
    as_csv = client.get(URL, {**params, "export": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    assert (
        as_csv["Content-Disposition"]
        == 'attachment; filename="kpi-technician-2026-03-01-to-2026-03-31.csv"'
    )
    as_xlsx = client.get(URL, {**params, "export": "xlsx"})
    assert as_xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert as_xlsx["Content-Disposition"].endswith('-2026-03-01-to-2026-03-31.xlsx"')
    csv_rows, xlsx_rows = _csv_rows(as_csv), _xlsx_rows(as_xlsx)
    header = csv_rows[0]
    assert header[:4] == ["Technician", "Opened", "Closed", "Complaints"]
    assert xlsx_rows[0] == header
    assert [row[0] for row in csv_rows[1:]] == ["Alice Wang", "Bob Li", "No technician", "Total"]
    keys = ["opened", "closed", "complaints", "response_sla_met_pct", "dispatch_sla_met_pct",
            "first_time_fix_pct", "avg_satisfaction", "record_completeness_pct",
            "response_decided", "response_met", "dispatch_decided", "dispatch_met",
            "first_time_fixes", "satisfaction_answers", "complete_records"]  # fmt: skip
    assert len(header) == len(keys) + 1
    for line, cells in zip(csv_rows[1:], xlsx_rows[1:], strict=True):
        expected = api["totals"] if line[0] == "Total" else by_label[line[0]]
        assert cells[0] == line[0]
        for key, text, value in zip(keys, line[1:], cells[1:], strict=True):
            assert value == expected[key]  # XLSX: numbers as numbers, empty when none
            assert text == ("" if expected[key] is None else str(expected[key]))
    assert isinstance(xlsx_rows[1][1], int) and isinstance(xlsx_rows[1][4], float)


def test_exports_have_headers_in_the_readers_language(login, supervisor, report_tickets):
    client = login(supervisor)
    params = {**MARCH, "group_by": "area"}
    rows = _csv_rows(client.get(URL, {**params, "export": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert rows[0][:4] == ["区域", "受理", "已关闭", "投诉"]
    book = load_workbook(
        io.BytesIO(
            client.get(URL, {**params, "export": "xlsx"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content
        )
    )
    assert book.worksheets[0].cell(row=1, column=1).value == rows[0][0]
    assert rows[-1][0] == "合计"
    assert {row[0] for row in rows[1:-1]} == {"North district", "South district"}


# --- Kept weekly reports ----------------------------------------------------------------------


def test_weekly_reports_are_listed_and_open_with_their_exports(login, auditor, report_tickets):
    reports = kpi_weekly_reports_generate(today=datetime.date(2026, 3, 9))
    client = login(auditor)
    page = _text(client.get(URL))
    for report in reports:
        assert f'href="/reports/kpi/kept/{report.pk}/"' in page
    assert "March 2, 2026 – March 8, 2026" in page
    by_technician = reports[0]
    opened = client.get(f"/reports/kpi/kept/{by_technician.pk}/")
    assert opened.status_code == 200
    assert "March 2, 2026 – March 8, 2026, by Technician" in _text(opened)
    assert _labels(opened) == ["Alice Wang", "Bob Li"]
    table = opened.context["table"]
    assert table["totals"]["figures"] == by_technician.totals
    rows = _csv_rows(client.get(f"/reports/kpi/kept/{by_technician.pk}/", {"export": "csv"}))
    assert rows[-1][0] == "Total" and rows[-1][1] == str(by_technician.totals["opened"])
    sorted_page = client.get(f"/reports/kpi/kept/{by_technician.pk}/", {"sort": "-label"})
    assert _labels(sorted_page) == ["Bob Li", "Alice Wang"]
    assert client.get("/reports/kpi/kept/999999/").status_code == 404


def test_no_weekly_report_yet_says_so(login, auditor):
    assert "No weekly report has been kept yet" in _text(login(auditor).get(URL))


# --- Without JavaScript, roles, queries -----------------------------------------------------


def test_the_page_works_without_javascript(login, supervisor, report_tickets):
    """A GET form and header links: no script is needed to choose, sort or export; each
    chart keeps its table behind it."""
    page = _text(login(supervisor).get(URL, {**MARCH, "sort": "-opened"}))
    form = re.search(r'<form method="get" action="/reports/kpi/"[^>]*>', page).group(0)
    assert "hx-" not in form
    assert 'data-chart="kpi-volume"' in page and 'data-chart="kpi-shares"' in page
    assert page.count('<details class="chart-table">') == 2
    assert re.search(r'<a class="button secondary" href="\?[^"]*export=xlsx[^"]*" download', page)


def test_only_supervisors_and_auditors_may_read_kpis(
    client, login, make_user, agent, technician, report_tickets
):
    assert client.get(URL).status_code == 302  # to the sign-in page
    for user in (agent, technician.user, make_user("integrator")):
        assert login(user).get(URL).status_code == 403
        assert login(user).get(URL, {"export": "csv"}).status_code == 403


def _queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("group_by", ["technician", "area", "outlet"])
def test_the_page_runs_a_constant_number_of_queries(login, supervisor, closed_ticket, group_by):
    client = login(supervisor)
    kpi_weekly_reports_generate(today=datetime.date(2026, 3, 9))

    numbers = itertools.count()

    def grow(n):
        for i in range(n):
            outlet = LocationFactory(kind=LocationKind.OUTLET)
            number = next(numbers)
            area = AreaFactory(code=f"area-{number}", name=f"Area {number}")
            closed_ticket(TechnicianFactory(home_outlet=outlet), day=3 + i % 20, area=area)

    grow(2)
    params = {**MARCH, "group_by": group_by}
    few = _queries(client, params)
    grow(6)
    many = _queries(client, params)
    assert few == many
    assert len(kpi_report(start=at(1), end=at(31), group_by=group_by)["rows"]) >= 8


def test_names_in_the_table_are_escaped(login, supervisor, closed_ticket):
    closed_ticket(TechnicianFactory(full_name="<b>Li & Sons</b>"), day=5)
    page = _text(login(supervisor).get(URL, {**MARCH, "group_by": "technician"}))
    assert '<th scope="row">&lt;b&gt;Li &amp; Sons&lt;/b&gt;</th>' in page
    assert "<b>Li" not in page
