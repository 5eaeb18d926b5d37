"""The customer signs off on the technician's phone (360×740, touch, Chromium), in
English and Chinese: reads the summary (parts free or charged, the total, the repair's
warranty end), writes an opinion, rates and signs; the ticket closes through
``ticket_confirm`` and the signed work order PDF downloads and is stored on the ticket.
axe-core and no sideways scroll at each step."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.browser import (
    PHONE,
    assert_accessible,
    assert_fits,
    assert_touch_targets,
    screenshot,
    sign_in,
)
from tickets.models import TicketAttachment
from tickets.selectors import work_order_attachment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOUCH = "main button, main .button, main label.choice"


def _complete(ticket, technician, catalogue, van_stock):
    client = Client()
    client.force_login(technician.user)
    data = {
        "version": ticket.version,
        "fault_code": catalogue["codes"][0].pk,
        "diagnosis": "Relay contacts burnt",
        "work_done": "Relay replaced, remote replaced, unit tested",
        "test_passed": "true",
        "checklist": [item.pk for item in catalogue["items"]],
        "line_part": [van_stock["covered"].pk, van_stock["uncovered"].pk],
        "line_quantity": ["1", "2"],
        "line_charged": ["free", "charged"],
        "line_fitted": ["SN-NEW-7", ""],
        "line_removed": ["SN-OLD-3", ""],
    }
    assert client.post(reverse("job-complete", args=[ticket.pk]), data).status_code == 302
    ticket.refresh_from_db()
    return ticket


def _draw(page):
    box = page.locator("canvas.signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 22,
                        box["y"] + box["height"] * (0.7 - 0.35 * (step % 2)), steps=3)  # fmt: skip
    page.mouse.up()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_customer_reads_rates_and_signs_on_the_phone(
    open_page, job_in, catalogue, van_stock, technician, settings, locale
):
    settings.REPAIR_WARRANTY_DAYS = 90
    ticket = _complete(job_in("on_site"), technician, catalogue, van_stock)
    zh = locale == "zh-CN"
    page = open_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    sign_in(page, "tech1", "pw")
    page.goto(f"/jobs/{ticket.pk}/")
    page.tap(f"a.button[href='/jobs/{ticket.pk}/sign/']")
    page.wait_for_url(f"**/jobs/{ticket.pk}/sign/")

    parts = page.locator(".sign-parts").inner_text()
    assert "Compressor relay" in parts and "Remote control" in parts
    assert ("免费（保修）" if zh else "Free (warranty)") in parts
    assert "¥160.00" in page.locator(".sign-total").inner_text()
    until = timezone.localtime(ticket.completed_at).date() + datetime.timedelta(days=90)
    assert until.isoformat() in page.locator(".sign-warranty").inner_text()
    assert_fits(page, 360)
    assert_touch_targets(page, TOUCH)
    assert_accessible(page)
    screenshot(page, f"aftersales-signoff-summary-phone-{locale}.png")

    page.locator("label[for=id_satisfaction_3]").tap()  # 4 of 5
    page.fill("#id_comment", "师傅很专业" if zh else "Quick and tidy")
    page.locator("canvas.signature-pad").scroll_into_view_if_needed()
    _draw(page)
    assert page.input_value("input[name=signature]").startswith("data:image/png;base64,")
    assert_fits(page, 360)
    screenshot(page, f"aftersales-signoff-signed-form-phone-{locale}.png")
    page.tap("button.sign-submit")
    page.wait_for_selector("a[href$='/work-order.pdf']")

    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.satisfaction == 4
    assert ticket.confirmation_comment == ("师傅很专业" if zh else "Quick and tidy")
    assert ticket.confirmation_signature.startswith("data:image/png;base64,")
    assert ticket.events.get(action="confirm").payload["via"] == "on_site"
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, f"aftersales-signoff-closed-phone-{locale}.png")

    with page.expect_download() as download:
        page.locator("a[href$='/work-order.pdf']").tap()
    path = download.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    stored = work_order_attachment(ticket)
    assert stored is not None and stored.original_name == f"work-order-{ticket.number}.pdf"
    assert TicketAttachment.objects.filter(ticket=ticket, kind="document").count() == 1
