"""The import and export page in headless Chromium: a supervisor checks a file with errors
(the report lists them by row and column, nothing written), checks the corrected file,
imports it (the customers are in the database), and downloads an export; the same page in
Chinese. axe-core and screenshots at desk width and on a phone."""

import csv
from pathlib import Path

import pytest

from aftersales.roles import Role
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tickets.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}
BAD = "name,phone,email\n刘洋,13812345678,liu@example.com\n王芳,not-a-phone,bad-mail\n"
GOOD = "name,phone,email\n刘洋,13812345678,liu@example.com\n王芳,15900001111,\n"


def _file(tmp_path, name, text):
    path = Path(tmp_path) / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _submit(page, button):
    # The previous report is marked first: the response can arrive before htmx swaps it
    # out, and a wait for "a report" would then read the old one.
    page.eval_on_selector_all(
        "#import-report > *", "nodes => nodes.forEach(n => n.setAttribute('data-stale', ''))"
    )
    with page.expect_response(lambda r: r.url.endswith("/bulk/import/")):
        page.click(f"button[name=mode][value={button}]")
    page.wait_for_selector(
        "#import-report > [data-import-report]:not([data-stale]),"
        " #import-report > [data-import-refused]:not([data-stale])"
    )


def test_a_supervisor_checks_fixes_and_imports_customers_then_exports(
    open_page, make_user, tmp_path
):
    make_user(Role.SUPERVISOR, username="boss")
    page = open_page(viewport=DESK)
    sign_in(page, "boss", "pw-boss")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/bulk/")
    page.select_option("#bulk_kind", "customers")

    # A file with two bad cells on row 3: the dry run lists both, writes nothing.
    page.set_input_files("#bulk_file", _file(tmp_path, "customers.csv", BAD))
    _submit(page, "dry_run")
    cells = page.locator("#import-report table tbody tr").all_inner_texts()
    assert [c.split("\t")[:2] for c in cells] == [["3", "phone"], ["3", "email"]]
    assert not Customer.objects.exists()
    assert_accessible(page)
    screenshot(page, "aftersales-bulk-dry-run-errors-en.png")

    # Import anyway: refused as a whole, still nothing written.
    _submit(page, "apply")
    assert "Nothing was imported" in page.inner_text("#import-report")
    assert not Customer.objects.exists()

    # The corrected file: a clean dry run, then the import (the same chosen file).
    page.set_input_files("#bulk_file", _file(tmp_path, "customers.csv", GOOD))
    _submit(page, "dry_run")
    assert "no errors" in page.inner_text("#import-report")
    assert not Customer.objects.exists()
    _submit(page, "apply")
    assert page.get_attribute("#import-report [data-import-report]", "data-applied") == "true"
    assert dict(Customer.objects.values_list("phone", "name")) == {
        "13812345678": "刘洋",
        "15900001111": "王芳",
    }
    screenshot(page, "aftersales-bulk-imported-en.png")

    # The export holds what was imported, streamed from the live server.
    with page.expect_download() as info:
        page.click("a[href='/bulk/export/customers.csv']")
    with Path(info.value.path()).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((r["phone"], r["name"]) for r in rows) == [
        ("13812345678", "刘洋"),
        ("15900001111", "王芳"),
    ]
    assert errors == []

    # In Chinese (the language switch's cookie), at a phone's width.
    phone = page
    phone.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": page.url}])
    phone.set_viewport_size(PHONE)
    phone.goto("/bulk/")
    assert "导入和导出" in phone.inner_text("h1")
    phone.set_input_files("#bulk_file", _file(tmp_path, "customers.csv", BAD))
    _submit(phone, "dry_run")
    assert "已检查 2 行" in phone.inner_text("#import-report")
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)
    screenshot(phone, "aftersales-bulk-dry-run-phone-zh.png")
