"""The KPI report page in headless Chromium, one journey per language: a supervisor picks a
custom period and a grouping, changes the grouping, sorts by a column header, exports CSV
and XLSX (the files parsed and their figures checked against the API's answer for the
same period and grouping), then opens a kept weekly report; axe-core and screenshots at
1280×800, and the phone width without sideways scroll."""

import csv
import datetime
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from aftersales.roles import Role
from audits.quality.services import kpi_weekly_reports_generate
from parts.choices import LocationKind
from tests.audits.conftest import at
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.parts.factories import LocationFactory
from tests.tickets.factories import AreaFactory, ProductFactory, TechnicianFactory
from tickets.models import Area

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}
KEYS = ["opened", "closed", "complaints", "response_sla_met_pct", "dispatch_sla_met_pct",
        "first_time_fix_pct", "avg_satisfaction", "record_completeness_pct",
        "response_decided", "response_met", "dispatch_decided", "dispatch_met",
        "first_time_fixes", "satisfaction_answers", "complete_records"]  # fmt: skip
WORDS = {
    "en-US": {
        "nobody": "No technician",
        "by_area": "by Area",
        "area": "Area",
        "total": "Total",
        "opened": "Opened",
    },
    "zh-CN": {
        "nobody": "未分配维修人员",
        "by_area": "按区域",
        "area": "区域",
        "total": "合计",
        "opened": "受理",
    },
}


@pytest.fixture
def month_of_tickets(closed_ticket, shaped_ticket, settings):
    settings.TIME_ZONE = "UTC"
    east = LocationFactory(code="OUT-E", name="East outlet", kind=LocationKind.OUTLET)
    north = AreaFactory(code="north", name="North district")
    south = AreaFactory(code="south", name="South district")
    alice = TechnicianFactory(full_name="Alice Wang", home_outlet=east)
    bob = TechnicianFactory(full_name="Bob Li")
    for day in (3, 5, 10):
        closed_ticket(alice, day=day, area=north, product=ProductFactory())
    closed_ticket(alice, day=12, area=south, product=ProductFactory(), category="complaint",
                  responded_at=at(12, 12), satisfaction=3)  # fmt: skip
    closed_ticket(bob, day=4, area=south, product=ProductFactory(), fault_code="")
    shaped_ticket(status="triaged", area=north, created_at=at(9), response_due_at=at(10),
                  responded_at=None, dispatch_due_at=at(12), dispatched_at=None)  # fmt: skip
    return kpi_weekly_reports_generate(today=datetime.date(2026, 3, 9))


def _api(api_client_for, supervisor, group_by):
    response = api_client_for(supervisor).get(
        "/api/v1/reports/kpis/",
        {"from": at(1).isoformat(), "to": at(1, month=4).isoformat(), "group_by": group_by},
    )
    assert response.status_code == 200
    return response.json()


def _labels(page):
    return page.locator("#kpi-table tbody th[scope=row]").all_inner_texts()


def _download(page, fmt):
    with page.expect_download() as info:
        page.click(f"a[data-export={fmt}]")
    download = info.value
    return download.suggested_filename, Path(download.path())


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_supervisor_reports_sorts_and_exports_figures_equal_to_the_api(
    open_page, make_user, api_client_for, month_of_tickets, locale
):
    words = WORDS[locale]
    boss = make_user(Role.SUPERVISOR, username="boss")
    page = open_page(viewport=DESK, locale=locale)
    sign_in(page, "boss", "pw-boss")
    logs = []
    page.on("console", lambda m: logs.append(m.text))
    page.on("pageerror", lambda e: logs.append(str(e)))
    page.goto("/reports/kpi/")
    # A custom period, by technician.
    page.select_option("#id_period", "custom")
    page.fill("#id_first", "2026-03-01")
    page.fill("#id_last", "2026-03-31")
    page.select_option("#id_group_by", "technician")
    page.click("#kpi-show")
    page.wait_for_url(re.compile(r"first=2026-03-01"))
    assert _labels(page) == ["Alice Wang", "Bob Li", WORDS[locale]["nobody"]]
    assert page.locator("figure[data-chart] canvas").count() == 2
    assert logs == []
    # Chart.js drew both charts.
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure[data-chart] canvas')]"
        ".every(c => window.Chart.getChart(c) !== undefined)"
    )
    assert_accessible(page)
    screenshot(page, f"aftersales-kpi-technician-{locale}.png")

    # Another grouping, then a sort by the Opened header (highest first).
    page.select_option("#id_group_by", "area")
    page.click("#kpi-show")
    page.wait_for_url(re.compile(r"group_by=area"))
    assert words["by_area"] in page.inner_text("#kpi-result-title")
    assert sorted(_labels(page)) == ["North district", "South district"]
    page.click("#sort-opened")
    page.wait_for_url(re.compile(r"sort=-opened"))
    page.wait_for_selector("#kpi-table th[aria-sort=descending] #sort-opened")
    assert _labels(page) == ["North district", "South district"]  # 4 opened, then 2
    assert_accessible(page)
    screenshot(page, f"aftersales-kpi-area-sorted-{locale}.png")

    # Both exports: the table's order, human headers, the API's figures.
    api = _api(api_client_for, boss, "area")
    by_key = {row["key"]: row for row in api["rows"]}
    names = dict(Area.objects.values_list("name", "pk"))
    name, path = _download(page, "csv")
    assert name == "kpi-area-2026-03-01-to-2026-03-31.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        csv_rows = list(csv.reader(handle))
    name, path = _download(page, "xlsx")
    assert name == "kpi-area-2026-03-01-to-2026-03-31.xlsx"
    with path.open("rb") as handle:
        sheet = load_workbook(handle).worksheets[0]
    xlsx_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert csv_rows[0][:2] == [words["area"], words["opened"]] and xlsx_rows[0] == csv_rows[0]
    assert [row[0] for row in csv_rows[1:]] == [*_labels(page), words["total"]]
    for line, cells in zip(csv_rows[1:], xlsx_rows[1:], strict=True):
        expected = api["totals"] if line[0] == words["total"] else by_key[names[line[0]]]
        assert cells[1:] == [expected[key] for key in KEYS]
        assert line[1:] == ["" if expected[key] is None else str(expected[key]) for key in KEYS]

    # A kept weekly report opens from the list, with the same table.
    page.goto("/reports/kpi/")
    page.click(f"a[href='/reports/kpi/kept/{month_of_tickets[1].pk}/']")
    page.wait_for_url(re.compile(r"/reports/kpi/kept/"))
    assert sorted(_labels(page)) == ["North district", "South district"]
    totals = page.locator("#kpi-table tfoot td").all_inner_texts()
    assert totals[0] == str(month_of_tickets[1].totals["opened"])
    assert_accessible(page)
    screenshot(page, f"aftersales-kpi-weekly-{locale}.png")

    # An auditor on a phone (auditors sign in without a second factor).
    make_user(Role.AUDITOR, username="checker")
    phone = open_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    sign_in(phone, "checker", "pw-checker")
    phone.goto("/reports/kpi/?period=custom&first=2026-03-01&last=2026-03-31&group_by=outlet")
    assert "East outlet" in _labels(phone)
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)
    screenshot(phone, f"aftersales-kpi-phone-{locale}.png")
