"""The settlement review on a desktop in headless Chromium, keyboard only, in English and
Chinese: a finance reviewer opens the submitted statement from the list, reads its lines
and totals, downloads the CSV (parsed and checked against the database), writes a comment
and approves; the outcome is read from the database. axe-core and screenshots; the list
on a phone without sideways scroll."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from aftersales.roles import Role
from tests.browser import (
    PHONE,
    _focused,
    _tab_to,
    assert_accessible,
    assert_fits,
    screenshot,
    sign_in,
)
from tickets.settlement import services
from tickets.settlement.choices import StatementStatus
from tickets.settlement.models import Statement

from .conftest import MONTH, local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}
WORDS = {
    "en-US": {"approved": "Approved", "ticket": "Ticket", "total": "Total"},
    "zh-CN": {"approved": "已批准", "ticket": "工单", "total": "合计"},
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_finance_reviews_exports_and_approves_a_statement_by_keyboard(
    open_page, make_user, outlet, price_lists, signed_job, locale
):
    words = WORDS[locale]
    preparer = make_user(Role.FINANCE, username="preparer")
    make_user(Role.FINANCE, username="reviewer")
    for day in (3, 12, 21):
        signed_job(outlet, closed_at=local(2026, 10, day, 15))
    statement = services.statement_build(outlet=outlet, month=MONTH, actor=preparer)
    statement = services.statement_submit(statement=statement, actor=preparer)
    assert statement.total == Decimal("320.00")  # 100 + 100 + 120 (the list of 15 October)

    page = open_page(viewport=DESK, locale=locale)
    sign_in(page, "reviewer", "pw-reviewer")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/settlement/")
    assert_accessible(page)
    screenshot(page, f"aftersales-settlement-list-{locale}.png")

    # Open: Tab to the statement's link, Enter.
    _tab_to(page, f"/settlement/{statement.pk}/")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rows = page.locator("#line-rows tbody tr")
    assert rows.count() == 3
    numbers = rows.locator("th[scope=row]").all_inner_texts()
    assert numbers == list(statement.lines.values_list("ticket_number", flat=True))
    assert page.inner_text("#statement-total") == "¥320.00"
    assert_accessible(page)
    screenshot(page, f"aftersales-settlement-review-{locale}.png")

    # Download the CSV by keyboard; its lines and total are the statement's.
    _tab_to(page, "/export/csv/")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    download = info.value
    assert download.suggested_filename == f"settlement-{statement.number}-2026-10.csv"
    with Path(download.path()).open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0][0] == words["ticket"]
    assert [line[0] for line in lines[1:-1]] == numbers
    assert lines[-1][0] == words["total"] and lines[-1][-1] == "320.00"

    # Comment, then approve, by keyboard.
    _tab_to(page, "TEXTAREA|comment")
    page.keyboard.type("Checked against the signed work orders")
    page.keyboard.press("Tab")
    assert "BUTTON" in _focused(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.inner_text("#statement-status") == words["approved"]
    assert page.locator("#approve").count() == 0
    assert errors == []
    screenshot(page, f"aftersales-settlement-approved-{locale}.png")

    statement = Statement.objects.get(pk=statement.pk)
    assert statement.status == StatementStatus.APPROVED
    assert statement.reviewed_by.username == "reviewer"
    assert statement.review_comment == "Checked against the signed work orders"
    assert statement.total == Decimal("320.00")

    # The outlet's dispatcher reads it on a phone, without sideways scroll.
    dispatcher = make_user(Role.OUTLET_DISPATCHER, username="dispatch")
    outlet.dispatchers.add(dispatcher)
    phone = open_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    sign_in(phone, "dispatch", "pw-dispatch")
    phone.goto("/settlement/")
    assert_fits(phone, PHONE["width"])
    phone.goto(f"/settlement/{statement.pk}/")
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)
    screenshot(phone, f"aftersales-settlement-phone-{locale}.png")
