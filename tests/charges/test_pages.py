"""The charges' pages through the Django client: every form in each of its modes, the
outcome checked in the database."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.roles import Role
from tickets.charges import services as charges
from tickets.charges.links import receipt_link_path
from tickets.charges.models import CalloutZone, LabourRate, PartPrice, PriceList, Quote, Refund

from .conftest import SIGNATURE, complete

pytestmark = pytest.mark.django_db
D = Decimal


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def onsite(price_list, job, stock):
    return job("out_of_warranty")


def test_job_page_builds_the_quote_and_the_customer_approves(client, onsite, technician, stock):
    _login(client, technician.user)
    page = client.get(reverse("job-page", args=[onsite.pk]))
    assert page.status_code == 200 and b'id="quote"' in page.content
    r = client.post(reverse("charges-job-quote", args=[onsite.pk]), {
        "version": onsite.version, "travel_km": "12", f"qty_{stock['uncovered'].pk}": "1",
    })  # fmt: skip
    assert r.status_code == 302
    quote = Quote.objects.get()
    assert quote.total == D("260.00") and quote.status == "pending"
    page = client.get(reverse("job-page", args=[onsite.pk]))
    assert quote.number.encode() in page.content and b"quote-approve" in page.content
    # Approving without a signature is refused, with the reason on the page.
    url = reverse("charges-job-quote-approve", args=[onsite.pk, quote.pk])
    r = client.post(url, {"version": quote.version, "signature": ""}, follow=True)
    assert "signature" in r.content.decode().lower()
    quote.refresh_from_db()
    assert quote.status == "pending"
    r = client.post(url, {"version": quote.version, "signature": SIGNATURE, "signer_name": "Chen"})
    assert r.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "approved" and quote.signer_name == "Chen"


def test_job_page_decline_mode(client, onsite, technician, stock):
    _login(client, technician.user)
    quote = charges.quote_create(ticket=onsite, actor=technician.user, travel_km=D("40"))
    url = reverse("charges-job-quote-decline", args=[onsite.pk, quote.pk])
    r = client.post(url, {"version": quote.version, "reason": "Will buy a new one"})
    assert r.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "declined" and quote.decline_reason == "Will buy a new one"
    page = client.get(reverse("job-page", args=[onsite.pk])).content.decode()
    assert "¥100.00" in page  # zone C remains


def test_quote_form_refusals_write_nothing(client, onsite, technician, other_technician):
    _login(client, technician.user)
    r = client.post(reverse("charges-job-quote", args=[onsite.pk]), {"travel_km": "abc"})
    assert r.status_code == 302 and not Quote.objects.exists()
    r = client.post(reverse("charges-job-quote", args=[onsite.pk]), {"travel_km": ""},
                    follow=True)  # fmt: skip
    assert "distance" in r.content.decode() and not Quote.objects.exists()
    _login(client, other_technician.user)
    r = client.post(reverse("charges-job-quote", args=[onsite.pk]), {"travel_km": "3"})
    assert r.status_code == 404 and not Quote.objects.exists()


def test_in_warranty_job_page_has_no_quote(client, price_list, job, technician):
    ticket = job("in_warranty")
    _login(client, technician.user)
    page = client.get(reverse("job-page", args=[ticket.pk]))
    assert page.status_code == 200 and b'id="quote"' not in page.content


@pytest.fixture
def recorded(onsite, technician, stock):
    quote = charges.quote_create(
        ticket=onsite, actor=technician.user, travel_km=D("12"),
        parts=[{"part": stock["uncovered"], "quantity": 1}],
    )  # fmt: skip
    charges.quote_approve(quote=quote, actor=technician.user, signature=SIGNATURE)
    onsite.refresh_from_db()
    return complete(onsite, technician.user, [{"part": stock["uncovered"], "quantity": 1}])


def test_sign_off_shows_the_lines_and_the_phone_records_the_payment(client, recorded, technician):
    _login(client, technician.user)
    page = client.get(reverse("job-sign-page", args=[recorded.pk])).content.decode()
    assert 'id="charges"' in page and "¥260.00" in page and "Call-out, zone B" in page
    body = {"amount": "260.00", "method": "wechat", "reference": "WX-1", "back": "sign"}
    r = client.post(reverse("charges-job-payment", args=[recorded.pk]), body)
    assert r.status_code == 302 and r["Location"] == reverse("job-sign-page", args=[recorded.pk])
    receipt = recorded.receipts.get()
    assert receipt.payment.method == "wechat" and receipt.payment.reference == "WX-1"
    pdf = client.get(reverse("charges-receipt-file", args=[receipt.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = client.get(reverse("job-page", args=[recorded.pk])).content.decode()
    assert receipt.number in page


def test_wrong_amount_is_refused_on_the_phone(client, recorded, technician):
    _login(client, technician.user)
    r = client.post(reverse("charges-job-payment", args=[recorded.pk]),
                    {"amount": "10", "method": "cash"}, follow=True)  # fmt: skip
    assert "260.00" in r.content.decode() and not recorded.receipts.exists()


def test_receipt_downloads_per_role_and_the_customers_link(
    client, recorded, agent, other_technician, anon_client
):
    receipt = charges.payment_record(ticket=recorded, actor=agent, amount=D("260"), method="cash")
    url = reverse("charges-receipt-file", args=[receipt.pk])
    assert _login(client, agent).get(url).status_code == 200
    assert _login(client, other_technician.user).get(url).status_code == 404
    client.logout()
    link = receipt_link_path(receipt)
    r = client.get(link)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert client.get(link.replace(receipt.ticket.number, "AS-2000-000001")).status_code == 404
    assert client.get(link[:-10] + "xxxxxx.pdf").status_code == 404


def test_ticket_page_payment_and_refund_forms(client, recorded, agent, supervisor, make_user):
    finance = make_user(Role.FINANCE, username="fin")
    _login(client, agent)
    page = client.get(reverse("ticket-detail-page", args=[recorded.pk])).content.decode()
    assert "desk-charges" in page and "payment-form" in page
    r = client.post(reverse("charges-desk-payment", args=[recorded.pk]),
                    {"amount": "260.00", "method": "bank_transfer"})  # fmt: skip
    assert r.status_code == 302
    receipt = recorded.receipts.get()
    assert receipt.payment.method == "bank_transfer"
    refund_url = reverse("charges-desk-refund", args=[recorded.pk])
    client.post(refund_url, {"payment": receipt.payment_id, "amount": "300", "reason": "x"})
    assert not Refund.objects.exists()
    client.post(refund_url, {"payment": receipt.payment_id, "amount": "60", "reason": "Waived"})
    refund = Refund.objects.get()
    decide = reverse("charges-refund-decide", args=[refund.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    _login(client, supervisor)
    page = client.get(reverse("ticket-detail-page", args=[recorded.pk])).content.decode()
    assert "refund-decide" in page
    r = client.post(decide, {"decision": "reject", "note": "", "back": "ticket"})
    assert r["Location"].startswith(reverse("ticket-detail-page", args=[recorded.pk]))
    refund.refresh_from_db()
    assert refund.status == "requested"
    _login(client, finance)
    page = client.get(reverse("charges-refunds")).content.decode()
    assert "refund-decide" in page and recorded.number in page
    client.post(decide, {"decision": "approve", "note": "ok", "version": refund.version})
    refund.refresh_from_db()
    assert refund.status == "approved" and refund.decided_by == finance


def test_refund_reject_mode(client, recorded, agent, supervisor):
    receipt = charges.payment_record(ticket=recorded, actor=agent, amount=D("260"), method="cash")
    refund = charges.refund_request(payment=receipt.payment, actor=agent, amount=D("5"), reason="x")
    _login(client, supervisor)
    decide = reverse("charges-refund-decide", args=[refund.pk])
    client.post(decide, {"decision": "reject", "note": "Work was done"})
    refund.refresh_from_db()
    assert refund.status == "rejected" and refund.decision_note == "Work was done"


def test_price_list_page_forms(client, price_list, supervisor, agent, stock):
    _login(client, agent)
    page = client.get(reverse("charges-price-lists")).content.decode()
    assert "STD-1" in page and "draft-new" not in page
    assert client.post(reverse("charges-price-list-new"), {}).status_code == 403
    _login(client, supervisor)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    r = client.post(reverse("charges-price-list-new"),
                    {"code": "STD-2", "name": "Next", "effective_from": tomorrow})  # fmt: skip
    assert r.status_code == 302
    draft = PriceList.objects.get(code="STD-2")
    edit = lambda what: reverse("charges-price-list-edit", args=[draft.pk, what])  # noqa: E731
    client.post(edit("labour"), {"service_type": "installation", "amount": "180"})
    assert LabourRate.objects.filter(price_list=draft, service_type="installation").exists()
    client.post(edit("zone"), {"code": "D", "name": "Far", "up_to_km": "60", "fee": "140"})
    zone = CalloutZone.objects.get(price_list=draft, code="D")
    client.post(edit("part"), {"part": stock["uncovered"].sku, "price": "75"})
    assert PartPrice.objects.get(price_list=draft).price == D("75.00")
    client.post(edit("labour"), {"service_type": "repair", "amount": "-3"})
    assert not LabourRate.objects.filter(price_list=draft, amount=D("-3")).exists()
    client.post(edit("remove"), {"kind": "zone", "line": zone.pk})
    assert not CalloutZone.objects.filter(pk=zone.pk).exists()
    page = client.get(reverse("charges-price-lists")).content.decode()
    assert f'id="list-{draft.pk}"' in page
    client.post(edit("publish"))
    draft.refresh_from_db()
    assert draft.status == "published"
    client.post(edit("labour"), {"service_type": "repair", "amount": "1"})
    assert not LabourRate.objects.filter(price_list=draft, amount=D("1")).exists()


def test_price_list_page_query_ceiling(
    client, price_list, supervisor, django_assert_max_num_queries
):
    _login(client, supervisor)
    for n in range(5):
        charges.price_list_create(actor=supervisor, code=f"D{n}", name="d",
                                  effective_from=timezone.localdate())  # fmt: skip
    with django_assert_max_num_queries(40):
        assert client.get(reverse("charges-price-lists")).status_code == 200


def test_public_prices_page(client, price_list):
    page = client.get(reverse("charges-public-prices"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "¥120.00" in text and "¥100.00" in text and "WeChat Pay" in text
    zh = client.get(reverse("charges-public-prices"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200


def test_supervisor_menu_links_the_standards(client, supervisor):
    _login(client, supervisor)
    page = client.get(reverse("home"), follow=True).content.decode()
    assert reverse("charges-price-lists") in page


def test_work_order_prints_the_charge_lines(recorded, technician):
    from tickets.services.work_order import work_order_html

    html = work_order_html(recorded)
    assert "Call-out, zone B" in html and "¥260.00" in html and "¥120.00" in html


def test_sign_off_without_price_list_keeps_the_parts_card(client, job, technician, stock):
    ticket = complete(job("out_of_warranty"), technician.user,
                      [{"part": stock["uncovered"], "quantity": 1}])  # fmt: skip
    _login(client, technician.user)
    page = client.get(reverse("job-sign-page", args=[ticket.pk])).content.decode()
    assert "sign-parts" in page and "sign-charges" not in page


def test_the_ticket_timeline_names_the_charges_events(client, recorded, agent):
    charges.payment_record(ticket=recorded, actor=agent, amount=D("260"), method="cash")
    _login(client, agent)
    page = client.get(reverse("ticket-detail-page", args=[recorded.pk])).content.decode()
    for title in ("Quote made", "Customer approved the quote", "Payment recorded, receipt issued"):
        assert title in page
    assert "¥260.00" in page
