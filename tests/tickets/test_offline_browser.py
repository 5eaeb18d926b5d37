"""The technician's job with no signal, on a phone (360×740, touch, headless Chromium), in
English and Chinese: the job list saves the day's jobs on the phone, the signal goes
(``context.set_offline(True)``), the technician opens the job from the phone's copy,
checks in, records the work with a part from the van and a photo (the draft surviving a
reload), the customer reads the summary and signs; a bar counts the changes waiting.
Back online the queue is sent once, in order: the job is closed, the van moved as the
service's completion moves it, the photo and the signed work order stored; the same
queue sent a second time changes nothing. Every step read back from the database."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audits.models import AuditEvent
from parts.models import StockLevel, TicketPart
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.test_job_browser import _photo
from tests.tickets.test_signoff_browser import _draw
from tickets import services
from tickets.models import Ticket, TicketAttachment
from tickets.selectors import work_order_attachment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTROLLED = "() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)"
SAVED_CACHES = """() => caches.keys().then(names => names.filter(
  name => name === "aftersales-jobs" || name === "aftersales-job-images").length)"""
SAVED_AHEAD = "() => document.documentElement.dataset.offlineSaved === '1'"
# The queue as it stood before it was sent, copied aside in the page (photos are Blobs)
# so that the very same changes can be sent a second time after the page has reloaded.
COPY_QUEUE = """async () => {
  const items = await (await idb.openDB("aftersales-offline", 1)).getAll("queue");
  const copy = await idb.openDB("test-copy", 1, { upgrade: db => db.createObjectStore("items") });
  await copy.put("items", items, "sent");
  return items.length;
}"""
PUT_BACK = """async () => {
  const copy = await idb.openDB("test-copy", 1);
  const items = await copy.get("items", "sent");
  const db = await idb.openDB("aftersales-offline", 1);
  for (const item of items) { delete item.seq; await db.add("queue", item); }
  document.documentElement.dataset.offlineWaiting = String(items.length);
  window.dispatchEvent(new Event("online"));
}"""
QUEUE_SIZE = """() => idb.openDB("aftersales-offline", 1).then(db => db.count("queue"))"""
# offline.js writes the queue's size on the page each time it draws the bar.
QUEUE_EMPTY = "() => document.documentElement.dataset.offlineWaiting === '0'"


def _book_now(ticket):
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        appointment_start=now - datetime.timedelta(minutes=10),
        appointment_end=now + datetime.timedelta(hours=2),
        dispatched_at=now - datetime.timedelta(hours=3),
    )


def _checks(page, name):
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, name)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_job_done_with_no_signal_is_sent_once(
    open_page, job_in, catalogue, van_stock, technician, tmp_path, locale
):
    zh = locale == "zh-CN"
    ticket = job_in("dispatched", description="Not cooling, E4 on the display")
    _book_now(ticket)
    part = van_stock["covered"]
    level = StockLevel.objects.get(part=part, location=van_stock["van"])
    page = open_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    sign_in(page, "tech1", "pw")
    page.goto("/jobs/")
    # The service worker takes the page over and the day's jobs are saved on the phone.
    page.wait_for_function(CONTROLLED, polling=250, timeout=30_000)
    page.wait_for_function(SAVED_AHEAD, polling=250, timeout=30_000)

    page.context.set_offline(True)
    page.tap(f"a.button[href='/jobs/{ticket.pk}/']")
    page.wait_for_url(f"**/jobs/{ticket.pk}/")
    bar = page.locator("[data-offline-bar]")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("没有信号" if zh else "No signal")

    # Check in: kept on the phone, the work record opens.
    page.uncheck("#id_check_in_share_location")
    page.tap("#check-in button[type=submit]")
    expect(page.locator("#work-record")).to_be_visible()
    expect(page.locator("#check-in")).to_be_hidden()
    expect(bar).to_contain_text("1 项更改等待发送" if zh else "1 change waiting to send")
    _checks(page, f"aftersales-offline-checked-in-phone-{locale}.png")

    # The work record, a part found in the van's list and its line built on the phone.
    page.select_option("#id_complete_fault_code", str(catalogue["codes"][0].pk))
    page.fill("#id_complete_diagnosis", "Relay contacts burnt")
    page.fill("#id_complete_work_done", "Relay replaced, unit tested")
    page.check("#id_complete_test_passed_0")
    for item in catalogue["items"]:
        page.check(f"input[name=checklist][value='{item.pk}']")
    page.locator("#id_part_q").press_sequentially("relay", delay=20)
    expect(page.locator("#van-results li:visible")).to_have_count(1)
    page.locator(f"button[data-add-part='{part.pk}']").tap()
    line = page.locator(f"[data-part-line='{part.pk}']")
    line.wait_for()
    line.locator("[data-step='1']").tap()
    assert line.locator("input[type=number]").input_value() == "2"
    line.locator("select").select_option("free")
    line.locator("input[name=line_fitted]").fill("SN-NEW-7")
    line.locator("input[name=line_removed]").fill("SN-OLD-3")
    page.wait_for_timeout(500)  # the draft is saved as typed (300 ms after the last key)

    # A reload with no signal: the phone's copy of the page, the stage and the draft back.
    page.reload()
    expect(page.locator("#work-record")).to_be_visible()
    expect(page.locator("#id_complete_diagnosis")).to_have_value("Relay contacts burnt")
    line = page.locator(f"[data-part-line='{part.pk}']")
    assert line.locator("input[type=number]").input_value() == "2"
    assert line.locator("input[name=line_removed]").input_value() == "SN-OLD-3"

    # A photo of the rating plate, kept on the phone (made smaller there).
    page.select_option("#id_photo_photo_kind", "nameplate")
    page.set_input_files("#id_photo_file", str(_photo(tmp_path)))
    page.tap("#photos button[type=submit]")
    expect(page.locator("[data-queued-photos] img")).to_have_count(1)
    expect(bar).to_contain_text("2")
    _checks(page, f"aftersales-offline-work-record-phone-{locale}.png")

    # Complete: the customer's summary is built on the phone from the record.
    page.tap("#work-record button[type=submit].primary")
    sign = page.locator("#offline-sign")
    expect(sign).to_be_visible()
    expect(sign.locator("[data-summary=work_done]")).to_have_text("Relay replaced, unit tested")
    expect(sign.locator("[data-summary=lines]")).to_contain_text("Compressor relay")
    expect(sign.locator("[data-summary=lines]")).to_contain_text("免费（保修）" if zh else "Free")
    expect(sign.locator("[data-summary=total]")).to_have_text("¥0.00")
    expect(sign.locator("[data-summary=warranty]")).not_to_contain_text("__UNTIL__")
    _checks(page, f"aftersales-offline-summary-phone-{locale}.png")
    page.locator("label[for=id_sign_satisfaction_4]").tap()  # 5 of 5
    page.fill("#id_sign_comment", "师傅很专业" if zh else "Quick and tidy")
    page.locator("canvas.signature-pad").scroll_into_view_if_needed()
    _draw(page)
    page.tap("#offline-sign button.sign-submit")
    expect(page.locator("[data-stage=closed]")).to_be_visible()
    expect(bar).to_contain_text("4")
    _checks(page, f"aftersales-offline-signed-phone-{locale}.png")
    # Nothing has reached the server yet.
    ticket.refresh_from_db()
    assert ticket.status == "dispatched" and ticket.on_site_at is None
    assert page.evaluate(COPY_QUEUE) == 4

    # The signal returns: the queue goes, once, and the page shows the server's state.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(QUEUE_EMPTY)
    page.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.satisfaction == 5
    assert ticket.confirmation_signature.startswith("data:image/png;base64,")
    assert ticket.events.get(action="check_in").payload["time_source"] == "device"
    assert ticket.on_site_at < ticket.events.get(action="check_in").created_at
    line = TicketPart.objects.get(ticket=ticket)
    assert (line.quantity, line.charged, line.fitted_serial, line.removed_serial) == (
        2, False, "SN-NEW-7", "SN-OLD-3"
    )  # fmt: skip
    assert StockLevel.objects.get(pk=level.pk).on_hand == level.on_hand - 2
    photo = TicketAttachment.objects.get(ticket=ticket, kind="photo")
    assert photo.photo_kind == "nameplate"
    services.work_order_store(ticket_id=ticket.pk)  # what the worker does after the close
    assert work_order_attachment(ticket) is not None
    expect(page.locator("[data-offline-bar]")).to_be_hidden()
    _checks(page, f"aftersales-offline-sent-phone-{locale}.png")

    # The same four changes sent again (answers lost on the way): nothing changes.
    before = (ticket.version, ticket.events.count(), AuditEvent.objects.count())
    page.evaluate(PUT_BACK)
    page.wait_for_function(QUEUE_EMPTY)
    ticket.refresh_from_db()
    assert (ticket.version, ticket.events.count(), AuditEvent.objects.count()) == before
    assert StockLevel.objects.get(pk=level.pk).on_hand == level.on_hand - 2
    assert TicketAttachment.objects.filter(ticket=ticket, kind="photo").count() == 1


def test_a_conflict_is_shown_and_kept(open_page, job_in, technician, supervisor):
    """The job was rescheduled while the phone had no signal: the check-in is not applied,
    the technician sees why, and the change stays until they retry or discard it."""
    ticket = job_in("dispatched")
    _book_now(ticket)
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "tech1", "pw")
    page.goto(f"/jobs/{ticket.pk}/")
    page.wait_for_function(CONTROLLED, polling=250, timeout=30_000)
    page.context.set_offline(True)
    page.uncheck("#id_check_in_share_location")
    page.tap("#check-in button[type=submit]")
    expect(page.locator("[data-offline-bar]")).to_contain_text("1 change waiting")
    ticket.refresh_from_db()
    start = timezone.now() + datetime.timedelta(days=1)
    services.ticket_reschedule(
        ticket=ticket, actor=supervisor, appointment_start=start,
        appointment_end=start + datetime.timedelta(hours=2), reason="Customer asked",
    )  # fmt: skip
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    conflicts = page.locator("[data-offline-conflicts]")
    expect(conflicts).to_be_visible()
    expect(conflicts).to_contain_text("changed at the desk")
    # The page shows the job as the server has it: not checked in.
    expect(page.locator("#check-in")).to_be_visible()
    expect(page.locator("#work-record")).to_be_hidden()
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"
    assert page.evaluate(QUEUE_SIZE) == 1
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, "aftersales-offline-conflict-phone-en-US.png")
    page.once("dialog", lambda dialog: dialog.accept())
    conflicts.locator("[data-discard]").tap()
    expect(conflicts).to_be_hidden()
    assert page.evaluate(QUEUE_SIZE) == 0

    # Signing out forgets the pages and photos saved on the phone.
    assert page.evaluate(SAVED_CACHES) >= 1
    with page.expect_navigation():
        page.click("form[action$='/logout/'] button[type=submit]")
    for _ in range(50):
        if page.evaluate(SAVED_CACHES) == 0:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(SAVED_CACHES) == 0
