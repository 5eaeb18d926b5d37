"""The costs pages in headless Chromium: a technician files a claim with a receipt photo
on a phone (360×740, touch), a supervisor and then finance approve it on a desktop; the
cost report's filter form in each of its modes, its chart and CSV. Outcomes are read back
from the database; axe-core and screenshots on the way."""

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from aftersales.roles import Role
from tests.browser import (
    PHONE,
    _assert_touch_targets,
    assert_accessible,
    assert_fits,
    screenshot,
    sign_in,
)
from tickets.costs.models import ExpenseClaim
from tickets.costs.selectors import ticket_cost_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (480, 320), (230, 220, 200)).save(out, format="JPEG")
    return {"name": "receipt.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_a_technician_files_a_claim_on_a_phone_and_supervisor_and_finance_approve_it(
    open_page, make_user, technician, supervisor, finance, completed_job
):
    job = completed_job()
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, "tech1", "pw")
    phone.goto("/costs/claims/")
    phone.tap("#claim-new")
    phone.wait_for_url(re.compile(r"/costs/claims/new/"))
    phone.set_input_files("#id_receipt", _photo())
    phone.select_option("#id_kind", "toll")
    phone.fill("#id_amount", "36.50")
    phone.fill("#id_spent_on", timezone.localdate().isoformat())
    phone.select_option("#id_ticket", str(job.pk))
    phone.fill("#id_note", "Airport expressway")
    assert_fits(phone, PHONE["width"])
    _assert_touch_targets(phone, "#claim-form button, #claim-form select, #claim-form input")
    assert_accessible(phone)
    screenshot(phone, "aftersales-costs-claim-form-phone.png")
    phone.tap("#claim-submit")
    phone.wait_for_url(re.compile(r"/costs/claims/\d+/$"))
    claim = ExpenseClaim.objects.get()
    assert (claim.amount, claim.kind, claim.ticket_id, claim.note) == (
        Decimal("36.50"),
        "toll",
        job.pk,
        "Airport expressway",
    )
    assert claim.receipt_content_type == "image/jpeg"
    phone.wait_for_function("() => document.querySelector('#claim-receipt').naturalWidth > 0")
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)
    screenshot(phone, "aftersales-costs-claim-filed-phone.png")

    desk = open_page(viewport=DESK)
    sign_in(desk, "supervisor", "pw-supervisor")
    desk.goto("/costs/claims/")
    desk.click(f"#claims-awaiting a[href='/costs/claims/{claim.pk}/']")
    desk.fill("#id_comment", "Route checked")
    assert_accessible(desk)
    screenshot(desk, "aftersales-costs-claim-approve-desk.png")
    with desk.expect_navigation():
        desk.click("#claim-approve")
    claim.refresh_from_db()
    assert (claim.status, claim.waiting_role) == ("pending", "finance")

    books = open_page(viewport=DESK)
    sign_in(books, "finance", "pw-finance")
    books.goto(f"/costs/claims/{claim.pk}/")
    with books.expect_navigation():
        books.click("#claim-approve")
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert list(claim.approvals.values_list("role", "comment")) == [
        ("supervisor", "Route checked"),
        ("finance", ""),
    ]
    books.goto(f"/costs/claims/{claim.pk}/")
    assert "Approved" in books.inner_text("#claim-status")
    screenshot(books, "aftersales-costs-claim-approved-desk.png")
    # The approved claim is now part of the job's travel cost.
    assert ticket_cost_of(job).travel >= Decimal("36.50")


def _download(page):
    with page.expect_download() as info:
        page.click("#cost-csv")
    return Path(info.value.path())


def test_the_cost_report_filter_form_in_each_mode(open_page, make_user, rate, completed_job):
    jobs = [completed_job(minutes=60, km="10"), completed_job(minutes=30, category="installation")]
    old = completed_job(completed_at=timezone.now() - datetime.timedelta(days=400))
    make_user(Role.FINANCE, username="books")
    page = open_page(viewport=DESK)
    sign_in(page, "books", "pw-books")
    logs = []
    page.on("pageerror", lambda e: logs.append(str(e)))
    page.goto("/costs/")
    total = sum(ticket_cost_of(j).total for j in jobs)
    assert page.inner_text("#cost-total") == str(total)
    for preset in ("this_month", "this_quarter", "this_year"):
        page.select_option("#id_period", preset)
        page.select_option("#id_group_by", "category")
        with page.expect_navigation():
            page.click("#cost-show")
        assert f"period={preset}" in page.url
        assert page.inner_text("#cost-tickets") == "2"
    for preset in ("last_month", "last_quarter"):
        page.select_option("#id_period", preset)
        with page.expect_navigation():
            page.click("#cost-show")
        assert page.locator("#cost-table tbody td.kpi-empty").count() in (0, 1)
    # Custom days that hold the old ticket only, by product model.
    day = timezone.localtime(old.completed_at).date()
    page.select_option("#id_period", "custom")
    page.fill("#id_first", (day - datetime.timedelta(days=1)).isoformat())
    page.fill("#id_last", (day + datetime.timedelta(days=1)).isoformat())
    page.select_option("#id_group_by", "area")
    with page.expect_navigation():
        page.click("#cost-show")
    assert page.inner_text("#cost-tickets") == "1"
    assert page.inner_text("#cost-total") == str(ticket_cost_of(old).total)
    # A custom period without its days: the errors, the input kept.
    page.fill("#id_first", "")
    with page.expect_navigation():
        page.click("#cost-show")
    assert "Enter the first day of the period." in page.inner_text("form.kpi-form")
    assert page.locator("#cost-table").count() == 0
    # Back to this month by service type: the chart is drawn, the CSV has the totals.
    page.select_option("#id_period", "this_month")
    page.select_option("#id_group_by", "category")
    with page.expect_navigation():
        page.click("#cost-show")
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure[data-chart] canvas')]"
        ".every(c => window.Chart.getChart(c) !== undefined)"
    )
    with _download(page).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[-1][0] == "Total" and Decimal(rows[-1][6]) == total
    assert logs == []
    assert_accessible(page)
    screenshot(page, "aftersales-costs-report-desk.png")
    # Budgets tab, and the report on a phone.
    page.click(".cost-tabs a[href^='/costs/budgets/']")
    page.wait_for_selector("#budget-table")
    assert_accessible(page)
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, "books", "pw-books")
    phone.goto("/costs/?period=this_month&group_by=category")
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)
    screenshot(phone, "aftersales-costs-report-phone.png")
