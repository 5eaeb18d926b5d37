"""The ledger in headless Chromium: a supervisor records a calibration by keyboard at
1280 (the database checked); a technician on a phone (360×740, touch) sees the check-in
refused with the overdue tool named, in English and Chinese. axe-core and screenshots."""

import re

import pytest
from django.utils import timezone

from technicians.tools.models import CalibrationRecord, Instrument
from tests.browser import (
    PHONE,
    _focused,
    _tab_to,
    assert_accessible,
    assert_fits,
    screenshot,
    sign_in,
)
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}


def test_a_supervisor_records_a_calibration_by_keyboard(open_page, supervisor, equipped):
    leak = equipped["leak"]
    page = open_page(viewport=DESK)
    sign_in(page, "supervisor", "pw-supervisor")
    page.goto("/tools/?due_within=7")
    assert page.locator("#instrument-rows").inner_text().count("L-0001") == 1
    assert_accessible(page)
    screenshot(page, "aftersales-tools-ledger-desk.png")
    page.goto(f"/tools/{leak.pk}/")
    page.focus("#id_calibrate-calibrated_on")
    _tab_to(page, "calibrate-laboratory")
    page.keyboard.type("Shanghai Institute of Measurement")
    _tab_to(page, "calibrate-result|pass")
    page.keyboard.press("Space")
    _tab_to(page, "calibrate-certificate_number")
    page.keyboard.type("SIMT-2026-0815")
    assert_accessible(page)
    screenshot(page, "aftersales-tools-calibration-desk.png")
    _tab_to(page, "BUTTON||")
    assert "Record the calibration" in page.evaluate("() => document.activeElement.textContent")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    record = CalibrationRecord.objects.get()
    assert (record.laboratory, record.result, record.certificate_number) == (
        "Shanghai Institute of Measurement",
        "pass",
        "SIMT-2026-0815",
    )
    assert record.calibrated_on == timezone.localdate()
    leak = Instrument.objects.get(pk=leak.pk)
    assert leak.calibration_due_on == record.next_due_on
    assert leak.calibration_due_on > timezone.localdate()
    assert "Calibration recorded." in page.inner_text("body")
    screenshot(page, "aftersales-tools-calibrated-desk.png")
    assert _focused(page) is not None


@pytest.mark.parametrize(("locale", "said"), [("en-US", "is not calibrated"), ("zh-CN", "未校准")])
def test_a_technician_on_a_phone_sees_the_check_in_refused(
    settings, open_page, job_in, technician, equipped, locale, said
):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = True
    ticket = job_in("dispatched")
    phone = open_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    sign_in(phone, "tech1", "pw")
    phone.goto(f"/jobs/{ticket.pk}/")
    assert "L-0001" in phone.inner_text("#tool-warning")
    confirm = phone.locator("#id_check_in_outside_window_confirmed")
    if confirm.is_visible():
        confirm.tap()
    phone.tap("#check-in button[type=submit]")
    refusal = "p.error.banner:not([data-offline-alert])"
    phone.wait_for_selector(refusal)
    banner = phone.inner_text(refusal)
    assert "L-0001" in banner and said in banner
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)
    screenshot(phone, f"aftersales-tools-check-in-refused-phone-{locale}.png")
    phone.goto("/tools/mine/")
    assert re.search("L-0001", phone.inner_text("#my-tools"))
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)
    screenshot(phone, f"aftersales-tools-my-tools-phone-{locale}.png")
