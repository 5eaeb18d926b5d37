"""The technician's job on a phone in headless Chromium (360×740, touch), in English and
Chinese: the symptom and the customer first, "on my way", an early check-in warned and
confirmed, a photo downscaled on the phone and stripped of its position, and the work
record with a fault code, the checklist and a part picked from the van — each step read
back from the database. axe-core and no sideways scroll at every step."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from aftersales.platform.models import Notification, NotificationKind
from audits.models import AuditEvent
from parts.models import StockLevel, TicketPart
from tests.browser import (
    PHONE,
    assert_accessible,
    assert_fits,
    assert_touch_targets,
    screenshot,
    sign_in,
)
from tests.tickets.factories import advance, make_ticket
from tickets.models import Ticket, TicketAttachment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOUCH = "main button, main .button, main select, main input[type=text], main input[type=number]"


def _photo(tmp_path):
    image = Image.new("RGB", (3200, 2400), "teal")
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 14.0, 0.0)
    gps[3], gps[4] = "E", (121.0, 28.0, 0.0)
    path = tmp_path / "IMG_0042.jpg"
    image.save(path, "JPEG", exif=exif)
    return path


def _checks(page, name):
    assert_fits(page, 360)
    assert_touch_targets(page, TOUCH)
    assert_accessible(page)
    screenshot(page, name)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_technician_does_the_job_on_a_phone(
    open_page, job_in, catalogue, van_stock, technician, agent, supervisor, tmp_path, locale
):
    ticket = job_in("dispatched", description="Not cooling, E4 on the display")
    earlier = make_ticket(actor=agent, product=ticket.product, description="Noisy fan")
    advance(earlier, "awaiting_confirmation", desk=agent, supervisor=supervisor,
            technician=technician)  # fmt: skip
    zh = locale == "zh-CN"
    page = open_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    sign_in(page, "tech1", "pw")
    page.goto("/jobs/")
    page.tap(f"a.button[href='/jobs/{ticket.pk}/']")
    page.wait_for_url(f"**/jobs/{ticket.pk}/")

    # Symptom, then the customer, then the forms.
    tops = [page.locator(s).bounding_box()["y"] for s in
            (".job-symptom", ".job-customer", "#on-my-way", "#check-in")]  # fmt: skip
    assert tops == sorted(tops)
    assert page.locator(".job-symptom").inner_text().count("E4 on the display") == 1
    assert page.get_attribute(".job-customer a[href^='tel:']", "href") == (
        f"tel:{ticket.customer.phone}"
    )
    warning = page.locator(".window-warning")
    assert warning.is_visible()
    assert ("您来早了" if zh else "You are early") in warning.inner_text()
    assert earlier.number in page.locator(".job-history").inner_text()
    _checks(page, f"aftersales-job-dispatched-phone-{locale}.png")

    # On my way: the customer is told, by SMS and e-mail.
    page.select_option("#id_eta_eta_minutes", "45")
    page.tap("#on-my-way button[type=submit]")
    page.wait_for_selector(".messages")
    rows = Notification.objects.filter(kind=NotificationKind.ON_MY_WAY, ticket=ticket)
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "sms"]
    assert AuditEvent.objects.filter(action="ticket.on_my_way", ticket_id=ticket.pk).exists()

    # Checking in a day early: refused until the warning is confirmed.
    page.uncheck("#id_check_in_share_location")
    page.tap("#check-in button[type=submit]")
    page.wait_for_selector("#check-in .has-error")
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"
    page.uncheck("#id_check_in_share_location")
    page.check("#id_check_in_outside_window_confirmed")
    page.tap("#check-in button[type=submit]")
    page.wait_for_selector("#work-record")
    ticket.refresh_from_db()
    assert ticket.status == "on_site"
    assert ticket.events.get(action="check_in").payload["outside_window"] == "early"

    # The work record: fault code, checklist, a part from the van found as you type.
    page.select_option("#id_complete_fault_code", str(catalogue["codes"][0].pk))
    page.fill("#id_complete_diagnosis", "Relay contacts burnt")
    page.fill("#id_complete_work_done", "Relay replaced, unit tested")
    page.check("#id_complete_test_passed_0")
    for item in catalogue["items"]:
        page.check(f"input[name=checklist][value='{item.pk}']")
    page.locator("#id_part_q").press_sequentially("relay", delay=30)
    add = page.locator(f"button[data-add-part='{van_stock['covered'].pk}']")
    expect(page.locator("#van-results li")).to_have_count(1)
    add.tap()
    line = page.locator(f"[data-part-line='{van_stock['covered'].pk}']")
    line.wait_for()
    line.locator("[data-step='1']").tap()
    assert line.locator("input[type=number]").input_value() == "2"
    line.locator("select").select_option("free")
    line.locator("input[name=line_fitted]").fill("SN-NEW-7")
    line.locator("input[name=line_removed]").fill("SN-OLD-3")
    # A photo of the rating plate halfway through: made smaller on the phone, no position
    # kept, and the work record as typed so far is still there after the page reloads.
    page.select_option("#id_photo_photo_kind", "nameplate")
    page.set_input_files("#id_photo_file", str(_photo(tmp_path)))
    page.tap("#photos button[type=submit]")
    page.wait_for_selector(".job-photos img")
    attachment = TicketAttachment.objects.get(ticket=ticket)
    with attachment.file.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert max(stored.size) == 1600  # the phone's canvas, not the server's 2048
    assert not stored.getexif().get_ifd(0x8825)
    assert attachment.photo_kind == "nameplate"

    expect(page.locator("#id_complete_diagnosis")).to_have_value("Relay contacts burnt")
    assert page.is_checked(f"input[name=checklist][value='{catalogue['items'][0].pk}']")
    line = page.locator(f"[data-part-line='{van_stock['covered'].pk}']")
    assert line.locator("input[type=number]").input_value() == "2"
    assert line.locator("select").input_value() == "free"
    assert line.locator("input[name=line_removed]").input_value() == "SN-OLD-3"
    _checks(page, f"aftersales-job-work-record-phone-{locale}.png")
    page.tap("#work-record button[type=submit].primary")
    page.wait_for_url(f"**/jobs/{ticket.pk}/sign/")

    ticket.refresh_from_db()
    assert ticket.status == "awaiting_confirmation"
    assert (ticket.fault_code, ticket.fault_class) == ("E4", "electrical")
    checklist = ticket.events.get(action="complete").payload["checklist"]
    assert all(row["done"] for row in checklist)
    part_line = TicketPart.objects.get(ticket=ticket)
    assert (part_line.quantity, part_line.charged) == (2, False)
    assert (part_line.fitted_serial, part_line.removed_serial) == ("SN-NEW-7", "SN-OLD-3")
    van = StockLevel.objects.get(part=van_stock["covered"], location=van_stock["van"])
    assert van.on_hand == 3
