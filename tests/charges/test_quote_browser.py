"""The quote-and-approve flow on the technician's phone (360×740, touch, Chromium), in
English and Chinese: the technician prices the quote, the customer signs and approves,
the work is recorded, the payment is recorded and the receipt downloads; and the decline
mode, which leaves only the call-out fee. Outcomes checked in the database; axe-core and
no sideways scroll at each step."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tickets.charges.models import ChargeLine, Quote, Receipt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _draw(page, selector):
    box = page.locator(selector).bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 22,
                        box["y"] + box["height"] * (0.7 - 0.35 * (step % 2)), steps=3)  # fmt: skip
    page.mouse.up()


def _record_work(ticket, technician, catalogue, part):
    """The work record, posted as the job page's form posts it."""
    client = Client()
    client.force_login(technician.user)
    ticket.refresh_from_db()
    data = {
        "version": ticket.version,
        "fault_code": catalogue["codes"][0].pk,
        "diagnosis": "Remote dead",
        "work_done": "Remote replaced",
        "test_passed": "true",
        "checklist": [item.pk for item in catalogue["items"]],
    }
    if part is not None:
        data.update(line_part=[part.pk], line_quantity=["1"], line_charged=["charged"],
                    line_fitted=[""], line_removed=[""])  # fmt: skip
    response = client.post(reverse("job-complete", args=[ticket.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket.refresh_from_db()
    return ticket


def _price_quote(page, ticket, stock, km):
    page.goto(f"/jobs/{ticket.pk}/#quote")
    page.fill("#id_quote_km", km)
    if stock is not None:
        page.fill(f"#id_qty_{stock['uncovered'].pk}", "1")
    page.locator(".quote-form button[type=submit]").tap()
    page.wait_for_selector(".quote-current[data-quote-status=pending]")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_quote_approved_signed_paid_and_receipted_on_the_phone(
    open_page, price_list, job, stock, technician, catalogue, locale
):
    ticket = job("out_of_warranty")
    zh = locale == "zh-CN"
    page = open_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    sign_in(page, "tech1", "pw")
    page.goto(f"/jobs/{ticket.pk}/")
    assert page.locator("#quote").is_visible()
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, f"aftersales-quote-build-phone-{locale}.png")

    _price_quote(page, ticket, stock, "12")
    card = page.locator(".quote-current").inner_text()
    assert "¥260.00" in card and "¥60.00" in card and "Remote control" in card
    assert ("收费" if zh else "Charged") in card
    quote = Quote.objects.get(ticket=ticket)
    assert quote.status == "pending" and quote.zone_code == "B"
    assert_fits(page, 360)
    assert_accessible(page)

    page.locator("#quote-signature-canvas").scroll_into_view_if_needed()
    _draw(page, "#quote-signature-canvas")
    assert page.input_value(".quote-approve input[name=signature]").startswith("data:image/png")
    screenshot(page, f"aftersales-quote-signed-phone-{locale}.png")
    page.locator(".quote-approve button[type=submit]").tap()
    page.wait_for_selector(".quote-current[data-quote-status=approved]")
    quote.refresh_from_db()
    assert quote.status == "approved" and quote.signature.startswith("data:image/png")

    ticket = _record_work(ticket, technician, catalogue, stock["uncovered"])
    assert ticket.status == "awaiting_confirmation"
    assert ChargeLine.objects.filter(ticket=ticket, free=False).count() == 3

    page.goto(f"/jobs/{ticket.pk}/sign/")
    lines = page.locator(".sign-charges").inner_text()
    assert "¥260.00" in lines
    page.locator("label[for=id_method_wechat]").tap()
    page.fill("#id_pay_reference", "WX-42")
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, f"aftersales-quote-payment-phone-{locale}.png")
    page.locator(".payment-form button[type=submit]").tap()
    page.wait_for_selector(".receipt-row a")
    receipt = Receipt.objects.get(ticket=ticket)
    assert receipt.amount == Decimal("260.00") and receipt.payment.method == "wechat"
    assert receipt.payment.reference == "WX-42"
    assert receipt.number in page.locator(".sign-charges").inner_text()
    assert_fits(page, 360)
    with page.expect_download() as download:
        page.locator(".receipt-row a").first.tap()
    with open(download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    screenshot(page, f"aftersales-quote-receipt-phone-{locale}.png")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_quote_declined_on_the_phone_leaves_the_callout_fee(
    open_page, price_list, job, stock, technician, catalogue, locale
):
    ticket = job("out_of_warranty")
    page = open_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    sign_in(page, "tech1", "pw")
    _price_quote(page, ticket, stock, "45")
    page.fill("#id_quote_reason", "Too old to repair")
    page.locator(".quote-decline button[type=submit]").tap()
    page.wait_for_selector(".quote-current[data-quote-status=declined]")
    assert "¥100.00" in page.locator(".quote-current").inner_text()
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, f"aftersales-quote-declined-phone-{locale}.png")
    quote = Quote.objects.get(ticket=ticket)
    assert quote.status == "declined" and quote.decline_reason == "Too old to repair"

    ticket = _record_work(ticket, technician, catalogue, None)
    lines = list(ChargeLine.objects.filter(ticket=ticket))
    assert [(x.kind, x.amount) for x in lines] == [("callout", Decimal("100.00"))]
