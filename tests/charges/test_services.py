"""The rules of the charges: quote before charged work, what a declined quote leaves,
charge lines, payments with receipts, refunds capped and approved, price list versions."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.exceptions import ActionForbidden, ApplicationError, StaleVersion
from audits.models import AuditEvent
from tickets.charges import services as charges
from tickets.charges.choices import QuoteStatus, RefundStatus
from tickets.charges.models import ChargeLine, LabourRate, PriceList, Quote, Receipt, Refund
from tickets.models import TicketEvent

from .conftest import SIGNATURE, complete

pytestmark = pytest.mark.django_db
D = Decimal


def _quote(ticket, technician, stock, km="12", parts=None):
    if parts is None:
        parts = [{"part": stock["uncovered"], "quantity": 1}]
    return charges.quote_create(ticket=ticket, actor=technician.user, travel_km=D(km), parts=parts)


def test_out_of_warranty_work_needs_an_approved_quote(price_list, job, technician, stock):
    ticket = job("out_of_warranty")
    with pytest.raises(ApplicationError) as exc:
        complete(ticket, technician.user)
    assert exc.value.code == "quote_required"
    ticket.refresh_from_db()
    assert ticket.status == "on_site"
    assert not ChargeLine.objects.exists()


def test_quote_prices_labour_callout_and_parts(price_list, job, technician, stock):
    ticket = job("out_of_warranty")
    quote = _quote(ticket, technician, stock)
    year = timezone.localdate().year
    assert quote.number == f"QT-{year}-000001"
    assert quote.status == QuoteStatus.PENDING
    assert quote.zone_code == "B"
    lines = {line.kind: line for line in quote.lines.all()}
    assert lines["labour"].amount == D("120.00")
    assert lines["callout"].amount == D("60.00")
    assert lines["part"].amount == D("80.00") and lines["part"].part == stock["uncovered"]
    assert quote.total == D("260.00")
    ticket.refresh_from_db()
    assert ticket.travel_km == D("12.0")
    assert TicketEvent.objects.filter(ticket=ticket, action="quote_create").exists()
    assert AuditEvent.objects.filter(action="quote.created", object_id=quote.pk).exists()


def test_approved_quote_lets_the_work_be_recorded_line_by_line(price_list, job, technician, stock):
    ticket = job("out_of_warranty")
    quote = _quote(ticket, technician, stock)
    quote = charges.quote_approve(
        quote=quote, actor=technician.user, signature=SIGNATURE, signer_name="Chen"
    )
    assert quote.status == QuoteStatus.APPROVED and quote.signature.startswith("data:image/png")
    ticket.refresh_from_db()
    ticket = complete(ticket, technician.user, [{"part": stock["uncovered"], "quantity": 1}])
    assert ticket.status == "awaiting_confirmation"
    lines = list(ChargeLine.objects.filter(ticket=ticket).order_by("id"))
    assert [(x.kind, x.amount, x.free) for x in lines] == [
        ("labour", D("120.00"), False),
        ("callout", D("60.00"), False),
        ("part", D("80.00"), False),
    ]
    assert all(x.quote_id == quote.pk for x in lines)
    assert ticket.parts.get().charged is True


def test_declined_quote_leaves_only_the_callout_fee(price_list, job, technician, stock):
    ticket = job("out_of_warranty")
    quote = _quote(ticket, technician, stock)
    charges.quote_decline(quote=quote, actor=technician.user, reason="Too expensive")
    ticket.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        complete(ticket, technician.user, [{"part": stock["uncovered"], "quantity": 1}])
    assert exc.value.code == "quote_declined"
    assert not ChargeLine.objects.exists()
    ticket = complete(ticket, technician.user)
    lines = list(ChargeLine.objects.filter(ticket=ticket))
    assert [(x.kind, x.amount) for x in lines] == [("callout", D("60.00"))]


def test_charged_part_not_on_the_approved_quote_is_refused(price_list, job, technician, stock):
    ticket = job("out_of_warranty")
    quote = _quote(ticket, technician, stock, parts=[])
    charges.quote_approve(quote=quote, actor=technician.user, signature=SIGNATURE)
    ticket.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        complete(ticket, technician.user, [{"part": stock["uncovered"], "quantity": 1}])
    assert exc.value.code == "not_in_quote"
    assert ticket.parts.count() == 0 and not ChargeLine.objects.exists()


def test_pending_quote_does_not_allow_charged_work(price_list, job, technician, stock):
    ticket = job("out_of_warranty")
    _quote(ticket, technician, stock)
    ticket.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        complete(ticket, technician.user)
    assert exc.value.code == "quote_required"


def test_in_warranty_job_needs_no_quote_and_its_lines_are_free(price_list, job, technician, stock):
    ticket = job("in_warranty")
    with pytest.raises(ApplicationError) as exc:
        _quote(ticket, technician, stock, parts=[{"part": stock["covered"], "quantity": 1}])
    assert exc.value.code == "quote_not_needed"
    ticket = complete(ticket, technician.user, [{"part": stock["covered"], "quantity": 2}])
    lines = list(ChargeLine.objects.filter(ticket=ticket))
    assert len(lines) == 3 and all(x.free and x.amount == 0 for x in lines)
    part_line = next(x for x in lines if x.kind == "part")
    assert part_line.unit_price == D("65.00") and part_line.quantity == 2


def test_a_new_quote_replaces_the_current_one(price_list, job, technician, stock):
    ticket = job("out_of_warranty")
    first = _quote(ticket, technician, stock)
    charges.quote_decline(quote=first, actor=technician.user)
    ticket.refresh_from_db()
    second = _quote(ticket, technician, stock, km="5")
    first.refresh_from_db()
    assert first.status == QuoteStatus.SUPERSEDED
    assert second.zone_code == "A" and second.total == D("230.00")
    assert second.number.endswith("000002")


def test_quote_is_version_checked(price_list, job, technician, stock):
    ticket = job("out_of_warranty")
    with pytest.raises(StaleVersion):
        charges.quote_create(
            ticket=ticket, actor=technician.user, travel_km=D("3"), expected_version=1
        )
    quote = _quote(ticket, technician, stock)
    with pytest.raises(StaleVersion):
        charges.quote_approve(
            quote=quote, actor=technician.user, signature=SIGNATURE, expected_version=7
        )
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PENDING


def test_quote_refusals(price_list, job, technician, other_technician, agent, stock):
    ticket = job("out_of_warranty")
    with pytest.raises(ActionForbidden):
        _quote(ticket, other_technician, stock)
    with pytest.raises(ActionForbidden):
        charges.quote_create(ticket=ticket, actor=agent, travel_km=D("3"))
    with pytest.raises(ApplicationError) as exc:
        charges.quote_create(ticket=ticket, actor=technician.user)
    assert exc.value.code == "travel_km_required"
    quote = _quote(ticket, technician, stock)
    with pytest.raises(ApplicationError) as exc:
        charges.quote_approve(quote=quote, actor=technician.user, signature="")
    assert exc.value.code == "signature_required"
    assert not Quote.objects.exclude(pk=quote.pk).exists()
    dispatched = job("out_of_warranty", status="dispatched")
    with pytest.raises(ApplicationError) as exc:
        _quote(dispatched, technician, stock)
    assert exc.value.code == "invalid_transition"


def test_without_a_price_list_jobs_complete_as_before(job, technician, stock):
    ticket = job("out_of_warranty")
    ticket = complete(ticket, technician.user, [{"part": stock["uncovered"], "quantity": 1}])
    assert ticket.status == "awaiting_confirmation"
    assert not ChargeLine.objects.exists()


# --- Payments and receipts ---------------------------------------------------------


@pytest.fixture
def done(price_list, job, technician, stock):
    """An out-of-warranty job quoted (260.00), approved and recorded."""
    ticket = job("out_of_warranty")
    quote = _quote(ticket, technician, stock)
    charges.quote_approve(quote=quote, actor=technician.user, signature=SIGNATURE)
    ticket.refresh_from_db()
    return complete(ticket, technician.user, [{"part": stock["uncovered"], "quantity": 1}])


def test_payment_issues_the_receipt(done, technician):
    with pytest.raises(ApplicationError) as exc:
        charges.payment_record(ticket=done, actor=technician.user, amount=D("200"), method="wechat")
    assert exc.value.code == "amount_mismatch" and exc.value.extra["outstanding"] == "260.00"
    assert not Receipt.objects.exists()
    receipt = charges.payment_record(
        ticket=done, actor=technician.user, amount=D("260.00"), method="wechat", reference="WX1"
    )
    assert receipt.number == f"RC-{timezone.localdate().year}-000001"
    assert receipt.amount == D("260.00") and receipt.payment.method == "wechat"
    assert ChargeLine.objects.filter(ticket=done, receipt=receipt).count() == 3
    with pytest.raises(ApplicationError) as exc:
        charges.payment_record(ticket=done, actor=technician.user, amount=D("1"), method="cash")
    assert exc.value.code == "nothing_due"
    assert AuditEvent.objects.filter(action="receipt.issued", object_id=receipt.pk).exists()


def test_payment_refusals(done, other_technician, auditor, agent):
    with pytest.raises(ActionForbidden):
        charges.payment_record(
            ticket=done, actor=other_technician.user, amount=D("260"), method="cash"
        )
    with pytest.raises(ActionForbidden):
        charges.payment_record(ticket=done, actor=auditor, amount=D("260"), method="cash")
    with pytest.raises(ApplicationError) as exc:
        charges.payment_record(ticket=done, actor=agent, amount=D("260"), method="bitcoin")
    assert exc.value.code == "invalid_method"
    assert not Receipt.objects.exists()


def test_payment_before_the_work_is_recorded_is_refused(price_list, job, agent):
    ticket = job("out_of_warranty")
    with pytest.raises(ApplicationError) as exc:
        charges.payment_record(ticket=ticket, actor=agent, amount=D("1"), method="cash")
    assert exc.value.code == "invalid_transition"


# --- Refunds -------------------------------------------------------------------------


@pytest.fixture
def paid(done, agent):
    return charges.payment_record(
        ticket=done, actor=agent, amount=D("260.00"), method="cash"
    ).payment


def test_refunds_are_capped_at_what_was_paid(paid, agent):
    charges.refund_request(payment=paid, actor=agent, amount=D("200"), reason="Part returned")
    with pytest.raises(ApplicationError) as exc:
        charges.refund_request(payment=paid, actor=agent, amount=D("60.01"), reason="More")
    assert exc.value.code == "refund_exceeds_payment" and exc.value.extra["refundable"] == "60.00"
    charges.refund_request(payment=paid, actor=agent, amount=D("60"), reason="Call-out waived")
    assert Refund.objects.count() == 2


def test_refund_needs_a_reason_and_an_approver_other_than_the_requester(
    paid, agent, supervisor, finance, technician
):
    with pytest.raises(ApplicationError) as exc:
        charges.refund_request(payment=paid, actor=agent, amount=D("10"), reason=" ")
    assert exc.value.code == "reason_required"
    with pytest.raises(ActionForbidden):
        charges.refund_request(payment=paid, actor=technician.user, amount=D("10"), reason="x")
    refund = charges.refund_request(payment=paid, actor=supervisor, amount=D("10"), reason="x")
    with pytest.raises(ActionForbidden):
        charges.refund_approve(refund=refund, actor=agent)
    with pytest.raises(ActionForbidden):
        charges.refund_approve(refund=refund, actor=supervisor)
    refund = charges.refund_approve(refund=refund, actor=finance, note="ok")
    assert refund.status == RefundStatus.APPROVED and refund.decided_by == finance
    with pytest.raises(ApplicationError) as exc:
        charges.refund_reject(refund=refund, actor=finance, note="late")
    assert exc.value.code == "invalid_transition"
    assert AuditEvent.objects.filter(action="refund.approved", object_id=refund.pk).exists()


def test_rejected_refund_frees_its_amount(paid, agent, supervisor):
    refund = charges.refund_request(payment=paid, actor=agent, amount=D("260"), reason="x")
    with pytest.raises(ApplicationError) as exc:
        charges.refund_reject(refund=refund, actor=supervisor, note="")
    assert exc.value.code == "reason_required"
    charges.refund_reject(refund=refund, actor=supervisor, note="Work was done")
    again = charges.refund_request(payment=paid, actor=agent, amount=D("260"), reason="y")
    assert again.status == RefundStatus.REQUESTED


# --- The price list -------------------------------------------------------------------


def test_price_list_draft_edit_and_publish(price_list, supervisor):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    draft = charges.price_list_create(
        actor=supervisor, code="STD-2", name="Standard 2027", effective_from=tomorrow
    )
    assert draft.is_draft
    assert draft.labour_rates.count() == 2 and draft.callout_zones.count() == 3
    charges.price_list_labour_set(
        price_list=draft, actor=supervisor, service_type="repair", amount=D("150.00")
    )
    assert draft.labour_rates.get(product_category=None).amount == D("150.00")
    zone = draft.callout_zones.get(code="C")
    charges.price_list_line_remove(price_list=draft, actor=supervisor, kind="zone", line_id=zone.pk)
    with pytest.raises(ApplicationError) as exc:
        charges.price_list_publish(price_list=draft, actor=supervisor)
    assert exc.value.code == "incomplete_price_list"
    charges.price_list_zone_set(
        price_list=draft, actor=supervisor, code="C", name="Far", up_to_km=None, fee=D("120")
    )
    draft = charges.price_list_publish(price_list=draft, actor=supervisor)
    assert draft.status == "published" and draft.published_by == supervisor
    with pytest.raises(ApplicationError) as exc:
        charges.price_list_labour_set(
            price_list=draft, actor=supervisor, service_type="repair", amount=D("1")
        )
    assert exc.value.code == "price_list_published"
    assert LabourRate.objects.filter(price_list=draft, amount=D("1")).count() == 0
    assert AuditEvent.objects.filter(action="price_list.published", object_id=draft.pk).exists()


def test_price_list_refusals(price_list, supervisor, agent):
    with pytest.raises(ActionForbidden):
        charges.price_list_create(
            actor=agent, code="X", name="X", effective_from=timezone.localdate()
        )
    past = charges.price_list_create(
        actor=supervisor,
        code="OLD",
        name="Old",
        effective_from=timezone.localdate() - datetime.timedelta(days=3),
    )
    with pytest.raises(ApplicationError) as exc:
        charges.price_list_publish(price_list=past, actor=supervisor)
    assert exc.value.code == "effective_in_past"
    with pytest.raises(ValidationError) as exc:
        charges.price_list_create(
            actor=supervisor, code="STD-1", name="dup", effective_from=timezone.localdate()
        )
    assert "code" in exc.value.message_dict
    assert PriceList.objects.count() == 2
