"""Every write of the charges: the price list's versions, quotes, the job's charge lines,
payments with their receipts, and refunds. One function per business action, each in
one transaction, role-checked, audited, with a coded error for each refusal."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ActionForbidden, ApplicationError, InvalidTransition, StaleVersion
from aftersales.roles import Role, acting_user, has_role, role_require, roles_of
from aftersales.sequences import sequence_next
from aftersales.unique import unique_or_invalid
from audits.services import audit_record
from tickets.choices import EventKind, TicketStatus
from tickets.models import Ticket, TicketEvent
from tickets.validators import signature_clean
from tickets.warranty.coverage import ticket_coverage

from . import lines as pricing_lines
from .choices import (
    CURRENT_QUOTE_STATUSES,
    ChargeKind,
    PaymentMethod,
    PriceListStatus,
    QuoteStatus,
    RefundStatus,
    SequenceKind,
)
from .models import (
    CalloutZone,
    ChargeLine,
    ChargeNumberSequence,
    LabourRate,
    PartPrice,
    Payment,
    PriceList,
    Quote,
    QuoteLine,
    Receipt,
    Refund,
)
from .pricing import ZERO, callout_zone, price_list_on

# Who does what (README, "Charges").
PRICE_LIST_ROLES = (Role.SUPERVISOR,)
QUOTE_ROLES = (Role.TECHNICIAN, Role.SUPERVISOR)
PAYMENT_ROLES = (Role.TECHNICIAN, Role.AGENT, Role.SUPERVISOR, Role.FINANCE)
REFUND_REQUEST_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.FINANCE)
REFUND_DECIDE_ROLES = (Role.SUPERVISOR, Role.FINANCE)
# The ticket states in which the work is recorded, so its charges can be paid.
PAYABLE_STATUSES = (
    TicketStatus.AWAITING_CONFIRMATION,
    TicketStatus.CLOSED,
    TicketStatus.FOLLOWED_UP,
)


class ChargesError(ApplicationError):
    code = "charges_conflict"


def _refuse(message, code, **extra):
    raise ChargesError(message, code=code, extra=extra)


def _today():
    return timezone.localdate()


def job_actor_require(*, ticket, actor, roles):
    """The role check, and a technician (without a desk role) acts on their own jobs only."""
    role_require(actor, *roles)
    if actor is None or actor.is_superuser:
        return
    mine = roles_of(actor)
    field_only = Role.TECHNICIAN in mine and not mine & (set(roles) - {Role.TECHNICIAN})
    if field_only and (ticket.technician is None or ticket.technician.user_id != actor.pk):
        raise ActionForbidden(_("This ticket is not assigned to you."))


def _ticket_event(*, ticket, actor, action, payload):
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.UPDATE,
        action=action,
        actor=acting_user(actor),
        payload=payload,
    )


def charge_number_next(*, kind, year=None):
    """The next number of ``kind`` (quote QT-…, receipt RC-…) for ``year``: gap-free
    (``aftersales.sequences``: concurrent writers take 1..N in turn; a rolled-back writer
    gives its number back)."""
    year = year or _today().year
    value = sequence_next(ChargeNumberSequence, kind=kind, year=year)
    prefix = {
        SequenceKind.QUOTE: settings.CHARGES_QUOTE_PREFIX,
        SequenceKind.RECEIPT: settings.CHARGES_RECEIPT_PREFIX,
    }[kind]
    return f"{prefix}-{year}-{value:06d}"


# --- The price list ---------------------------------------------------------------


def _draft_locked(price_list):
    locked = PriceList.objects.select_for_update().get(pk=price_list.pk)
    if locked.status != PriceListStatus.DRAFT:
        _refuse(
            _("Price list %(code)s is published and can no longer change; create a new version.")
            % {"code": locked.code},
            "price_list_published",
        )
    return locked


@transaction.atomic
def price_list_create(*, actor, code, name, effective_from, notes="", copy_from=None):
    """A new draft version; its lines are copied from ``copy_from`` (default: the list in
    force today), so a new version starts from the current standards."""
    role_require(actor, *PRICE_LIST_ROLES)
    code_taken = _("A price list with code %(code)s exists.") % {"code": code}
    if PriceList.objects.filter(code=code).exists():
        raise ValidationError({"code": [code_taken]})
    source = copy_from if copy_from is not None else price_list_on(_today())
    with unique_or_invalid("code", code_taken):
        price_list = PriceList.objects.create(
            code=code, name=name, effective_from=effective_from, notes=notes
        )
    if source is not None:
        LabourRate.objects.bulk_create(
            LabourRate(
                price_list=price_list,
                service_type=r.service_type,
                product_category_id=r.product_category_id,
                amount=r.amount,
            )
            for r in source.labour_rates.all()
        )
        CalloutZone.objects.bulk_create(
            CalloutZone(
                price_list=price_list, code=z.code, name=z.name, up_to_km=z.up_to_km, fee=z.fee
            )
            for z in source.callout_zones.all()
        )
        PartPrice.objects.bulk_create(
            PartPrice(price_list=price_list, part_id=p.part_id, price=p.price)
            for p in source.part_prices.all()
        )
    audit_record(
        actor=actor,
        action="price_list.created",
        obj=price_list,
        changes={
            "code": code,
            "name": name,
            "effective_from": effective_from.isoformat(),
            "copied_from": source.code if source else None,
        },
    )
    return price_list


@transaction.atomic
def price_list_labour_set(*, price_list, actor, service_type, amount, product_category=None):
    role_require(actor, *PRICE_LIST_ROLES)
    price_list = _draft_locked(price_list)
    rate, _created = LabourRate.objects.update_or_create(
        price_list=price_list,
        service_type=service_type,
        product_category=product_category,
        defaults={"amount": amount},
    )
    audit_record(
        actor=actor,
        action="price_list.labour_set",
        obj=price_list,
        changes={
            "service_type": service_type,
            "product_category": product_category.code if product_category else None,
            "amount": str(amount),
        },
    )
    return rate


@transaction.atomic
def price_list_zone_set(*, price_list, actor, code, name, fee, up_to_km=None):
    role_require(actor, *PRICE_LIST_ROLES)
    price_list = _draft_locked(price_list)
    clash = CalloutZone.objects.filter(price_list=price_list, up_to_km=up_to_km).exclude(code=code)
    if clash.exists():
        _refuse(_("Another zone of this list ends at this distance."), "zone_overlap")
    zone, _created = CalloutZone.objects.update_or_create(
        price_list=price_list, code=code, defaults={"name": name, "up_to_km": up_to_km, "fee": fee}
    )
    audit_record(
        actor=actor,
        action="price_list.zone_set",
        obj=price_list,
        changes={
            "code": code,
            "name": name,
            "up_to_km": None if up_to_km is None else str(up_to_km),
            "fee": str(fee),
        },
    )
    return zone


@transaction.atomic
def price_list_part_price_set(*, price_list, actor, part, price):
    role_require(actor, *PRICE_LIST_ROLES)
    price_list = _draft_locked(price_list)
    row, _created = PartPrice.objects.update_or_create(
        price_list=price_list, part=part, defaults={"price": price}
    )
    audit_record(
        actor=actor,
        action="price_list.part_price_set",
        obj=price_list,
        changes={"part": part.sku, "price": str(price)},
    )
    return row


LINE_MODELS = {"labour": LabourRate, "zone": CalloutZone, "part_price": PartPrice}


@transaction.atomic
def price_list_line_remove(*, price_list, actor, kind, line_id):
    role_require(actor, *PRICE_LIST_ROLES)
    price_list = _draft_locked(price_list)
    model = LINE_MODELS.get(kind)
    deleted = model.objects.filter(price_list=price_list, pk=line_id).delete()[0] if model else 0
    if not deleted:
        _refuse(_("No such line on this price list."), "not_found")
    audit_record(
        actor=actor,
        action="price_list.line_removed",
        obj=price_list,
        changes={"kind": kind, "id": line_id},
    )


@transaction.atomic
def price_list_publish(*, price_list, actor):
    """draft → published: immutable from now on; it takes over from its ``effective_from``
    (today or later, so no price already quoted or settled changes)."""
    role_require(actor, *PRICE_LIST_ROLES)
    price_list = _draft_locked(price_list)
    if price_list.effective_from < _today():
        _refuse(
            _("A price list cannot take effect in the past; set its start to today or later."),
            "effective_in_past",
        )
    if not price_list.labour_rates.exists():
        _refuse(_("The price list has no labour price."), "incomplete_price_list")
    zones = list(price_list.callout_zones.all())
    if zones and not any(z.up_to_km is None for z in zones):
        _refuse(
            _("The call-out zones need an open-ended last zone (no distance limit)."),
            "incomplete_price_list",
        )
    day_taken = _("A published price list already takes effect on this day.")
    if PriceList.objects.published().filter(effective_from=price_list.effective_from).exists():
        raise ValidationError({"effective_from": [day_taken]})
    now = timezone.now()
    price_list.status = PriceListStatus.PUBLISHED
    price_list.published_at = now
    price_list.published_by = acting_user(actor)
    with unique_or_invalid("effective_from", day_taken):
        price_list.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=actor,
        action="price_list.published",
        obj=price_list,
        changes={
            "status": [PriceListStatus.DRAFT, PriceListStatus.PUBLISHED],
            "effective_from": price_list.effective_from.isoformat(),
        },
    )
    return price_list


# --- Quotes -----------------------------------------------------------------------


def _parts_triples(parts):
    return [(p["part"], int(p.get("quantity") or 1), bool(p.get("charged"))) for p in parts or ()]


def current_quote(ticket, *, lock=False):
    qs = Quote.objects.filter(ticket=ticket, status__in=CURRENT_QUOTE_STATUSES)
    if lock:
        qs = qs.select_for_update()
    return qs.order_by("-id").first()


@transaction.atomic
def quote_create(*, ticket, actor, travel_km=None, parts=(), expected_version=None):
    """The technician's quote before repair (报价), on site: labour, call-out (zone of the
    distance, entered here when unknown) and the parts to fit, free or charged as the
    coverage says. It replaces the ticket's current quote. Bumps the ticket's version
    (the distance is the ticket's and completion now depends on the quote)."""
    job_actor_require(ticket=ticket, actor=actor, roles=QUOTE_ROLES)
    ticket = Ticket.objects.select_related("product__model", "technician").get(pk=ticket.pk)
    if expected_version is not None and expected_version != ticket.version:
        raise StaleVersion(
            _("Ticket %(number)s was changed meanwhile by someone else; reload and try again.")
            % {"number": ticket.number}
        )
    if ticket.status != TicketStatus.ON_SITE:
        raise InvalidTransition(
            _("A quote is made on site, after the check-in."),
            extra={"status": ticket.status, "action": "quote_create"},
        )
    price_list = price_list_on(_today())
    if price_list is None:
        _refuse(_("No charging standards are published yet."), "no_price_list")
    km = travel_km if travel_km is not None else ticket.travel_km
    coverage = ticket_coverage(ticket)
    if km is None and not coverage.callout and price_list.callout_zones.all():
        _refuse(_("Enter the travel distance: it sets the call-out fee."), "travel_km_required")
    lines = pricing_lines.job_lines(
        ticket=ticket,
        coverage=coverage,
        price_list=price_list,
        km=km,
        parts=_parts_triples(parts),
    )
    if not pricing_lines.needs_quote(lines):
        _refuse(_("Nothing on this job is charged: no quote is needed."), "quote_not_needed")
    now = timezone.now()
    updated = Ticket.objects.filter(pk=ticket.pk, version=ticket.version).update(
        travel_km=km, version=F("version") + 1, updated_at=now
    )
    if updated != 1:
        raise StaleVersion(_("The ticket was changed meanwhile; reload and try again."))
    ticket.travel_km, ticket.version, ticket.updated_at = km, ticket.version + 1, now
    replaced = list(
        Quote.objects.select_for_update()
        .filter(ticket=ticket, status__in=CURRENT_QUOTE_STATUSES)
        .values_list("number", flat=True)
    )
    Quote.objects.filter(ticket=ticket, status__in=CURRENT_QUOTE_STATUSES).update(
        status=QuoteStatus.SUPERSEDED, version=F("version") + 1
    )
    callout = next(line for line in lines if line.kind == ChargeKind.CALLOUT)
    zone = callout_zone(price_list, km)
    quote = Quote.objects.create(
        ticket=ticket,
        number=charge_number_next(kind=SequenceKind.QUOTE),
        price_list=price_list,
        travel_km=km,
        zone_code=zone.code if zone is not None else "",
        total=pricing_lines.total_of(lines),
        callout_amount=callout.amount,
        created_by=acting_user(actor),
    )
    QuoteLine.objects.bulk_create(QuoteLine(quote=quote, **line.fields()) for line in lines)
    payload = {"number": quote.number, "total": str(quote.total), "replaced": replaced}
    _ticket_event(ticket=ticket, actor=actor, action="quote_create", payload=payload)
    audit_record(
        actor=actor,
        action="quote.created",
        obj=quote,
        ticket=ticket,
        changes={
            **payload,
            "travel_km": None if km is None else str(km),
            "price_list": price_list.code,
            "lines": [
                [line.kind, line.description, line.quantity, str(line.amount), line.free]
                for line in lines
            ],
        },
    )
    return quote


def _decide(*, quote, actor, expected_version, to_status, changes, action):
    ticket = quote.ticket
    job_actor_require(ticket=ticket, actor=actor, roles=QUOTE_ROLES)
    quote = Quote.objects.select_for_update().select_related("ticket").get(pk=quote.pk)
    if expected_version is not None and expected_version != quote.version:
        raise StaleVersion(
            _("Quote %(number)s was changed meanwhile; reload and try again.")
            % {"number": quote.number}
        )
    if quote.status != QuoteStatus.PENDING:
        raise InvalidTransition(
            _("Quote %(number)s is %(status)s: it can no longer be decided.")
            % {"number": quote.number, "status": QuoteStatus(quote.status).label},
            extra={"status": quote.status, "action": action},
        )
    if quote.ticket.status != TicketStatus.ON_SITE:
        raise InvalidTransition(
            _("The customer decides on the quote on site, before the work is recorded."),
            extra={"status": quote.ticket.status, "action": action},
        )
    now = timezone.now()
    Quote.objects.filter(pk=quote.pk).update(
        status=to_status,
        decided_at=now,
        decided_by=acting_user(actor),
        version=F("version") + 1,
        **changes,
    )
    quote.refresh_from_db()
    payload = {"number": quote.number, "total": str(quote.total)}
    _ticket_event(ticket=quote.ticket, actor=actor, action=action, payload=payload)
    audit = {k: v for k, v in changes.items() if k != "signature"}
    if "signature" in changes:
        audit["signature"] = "signed"
    audit_record(
        actor=actor,
        action=f"quote.{to_status}",
        obj=quote,
        ticket=quote.ticket,
        changes={"status": [QuoteStatus.PENDING, to_status], **payload, **audit},
    )
    return quote


@transaction.atomic
def quote_approve(*, quote, actor, signature, signer_name="", expected_version=None):
    """The customer approves the quote with a signature on the technician's phone."""
    cleaned = signature_clean(signature)
    if not cleaned:
        _refuse(_("The customer's signature is needed to approve the quote."), "signature_required")
    return _decide(
        quote=quote,
        actor=actor,
        expected_version=expected_version,
        to_status=QuoteStatus.APPROVED,
        changes={"signature": cleaned, "signer_name": signer_name[:100]},
        action="quote_approve",
    )


@transaction.atomic
def quote_decline(*, quote, actor, reason="", expected_version=None):
    """The customer declines: no charged work; the call-out fee (if charged) remains."""
    return _decide(
        quote=quote,
        actor=actor,
        expected_version=expected_version,
        to_status=QuoteStatus.DECLINED,
        changes={"decline_reason": reason[:500]},
        action="quote_decline",
    )


# --- The job's charge lines, written by the work record ----------------------------


def charges_for_completion(*, ticket, actor, parts_used):
    """Called by ``ticket_complete`` inside its transaction, before the parts are issued:
    enforce the quote rule and write the job's charge lines.

    - No price list in force: nothing is charged here (the work order keeps its parts
      table as before the standards existed); ``parts_used`` returned unchanged.
    - Charged labour or parts need an approved quote (409 ``quote_required``); charged
      parts must be on it, in at most the quoted quantity (``not_in_quote``).
    - A declined quote: charged parts are refused (``quote_declined``); the lines are the
      call-out (charged or free) and any free parts.
    Returns ``parts_used`` with ``charged`` set on the lines charged here."""
    price_list = price_list_on(_today())
    if price_list is None:
        return parts_used
    assert transaction.get_connection().in_atomic_block
    ticket = Ticket.objects.select_related("product__model").get(pk=ticket.pk)
    coverage = ticket_coverage(ticket)
    quote = current_quote(ticket, lock=True)
    parts_used = [dict(line) for line in parts_used or ()]
    triples = _parts_triples(parts_used)
    km = quote.travel_km if quote is not None else ticket.travel_km
    planned = pricing_lines.job_lines(
        ticket=ticket, coverage=coverage, price_list=price_list, km=km, parts=triples
    )
    status = quote.status if quote is not None else None
    if status in (None, QuoteStatus.PENDING) and pricing_lines.needs_quote(planned):
        _refuse(
            _("Charged work needs the customer's approved quote first."),
            "quote_required",
        )
    if status == QuoteStatus.DECLINED:
        if any(line.charged for line in planned if line.kind == ChargeKind.PART):
            _refuse(
                _("The customer declined the quote: no charged part can be fitted."),
                "quote_declined",
            )
        quoted = {line.kind: line for line in quote.lines.all()}
        final = [_from_quote(quoted[ChargeKind.CALLOUT])] + [
            line for line in planned if line.kind == ChargeKind.PART
        ]
    elif status == QuoteStatus.APPROVED:
        final = _approved_lines(quote=quote, coverage=coverage, triples=triples)
    else:
        final = planned
    ChargeLine.objects.bulk_create(
        ChargeLine(ticket=ticket, quote=quote if status else None, **line.fields())
        for line in final
    )
    priced_parts = [p for p in final if p.kind == ChargeKind.PART]
    for line, priced in zip(parts_used, priced_parts, strict=True):
        if priced.charged:
            line["charged"] = True
    audit_record(
        actor=actor,
        action="charges.recorded",
        obj=ticket,
        ticket=ticket,
        changes={
            "quote": quote.number if quote else None,
            "total": str(pricing_lines.total_of(final)),
            "lines": [[x.kind, x.description, x.quantity, str(x.amount), x.free] for x in final],
        },
    )
    return parts_used


def _from_quote(row):
    return pricing_lines.PricedLine(
        kind=row.kind,
        description=row.description,
        quantity=row.quantity,
        unit_price=row.unit_price,
        amount=row.amount,
        free=row.free,
        free_reason=row.free_reason,
        part=row.part,
    )


def _approved_lines(*, quote, coverage, triples):
    rows = list(quote.lines.select_related("part"))
    final = [_from_quote(r) for r in rows if r.kind in (ChargeKind.LABOUR, ChargeKind.CALLOUT)]
    quoted_qty, quoted_price = {}, {}
    for r in rows:
        if r.kind == ChargeKind.PART and not r.free:
            quoted_qty[r.part_id] = quoted_qty.get(r.part_id, 0) + r.quantity
            quoted_price[r.part_id] = r.unit_price
    for part, quantity, charged in triples:
        line = pricing_lines.part_line(
            coverage=coverage,
            price_list=quote.price_list,
            part=part,
            quantity=quantity,
            charged=charged,
            unit_price=quoted_price.get(part.pk),
        )
        if line.charged:
            left = quoted_qty.get(part.pk, 0)
            if quantity > left:
                _refuse(
                    _("%(part)s is charged and not on the approved quote (or beyond its quantity).")
                    % {"part": part.name},
                    "not_in_quote",
                    part=part.pk,
                )
            quoted_qty[part.pk] = left - quantity
        final.append(line)
    return final


# --- Payments and receipts --------------------------------------------------------


@transaction.atomic
def payment_record(*, ticket, actor, amount, method, reference=""):
    """Record the customer's payment of the job's charged lines (recorded, not
    processed) and issue their receipt (收据) with the next gapless number. The amount
    must be what is outstanding (``amount_mismatch``)."""
    job_actor_require(ticket=ticket, actor=actor, roles=PAYMENT_ROLES)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status not in PAYABLE_STATUSES:
        raise InvalidTransition(
            _("Payment is recorded once the work is recorded."),
            extra={"status": ticket.status, "action": "payment_record"},
        )
    if method not in PaymentMethod.values:
        _refuse(_("Unknown payment method."), "invalid_method")
    due = list(
        ChargeLine.objects.select_for_update()
        .filter(ticket=ticket, receipt__isnull=True, free=False, amount__gt=0)
        .order_by("id")
    )
    outstanding = pricing_lines.total_of(due)
    if not due:
        _refuse(_("Nothing is due on this job."), "nothing_due")
    if pricing_lines.money(amount) != outstanding:
        _refuse(
            _("The amount due is %(due)s.") % {"due": outstanding},
            "amount_mismatch",
            outstanding=str(outstanding),
        )
    now = timezone.now()
    payment = Payment.objects.create(
        ticket=ticket,
        amount=outstanding,
        method=method,
        reference=reference[:100],
        recorded_by=acting_user(actor),
        recorded_at=now,
    )
    receipt = Receipt.objects.create(
        number=charge_number_next(kind=SequenceKind.RECEIPT),
        ticket=ticket,
        payment=payment,
        amount=outstanding,
        issued_at=now,
        issued_by=acting_user(actor),
    )
    ChargeLine.objects.filter(pk__in=[line.pk for line in due]).update(receipt=receipt)
    payload = {"receipt": receipt.number, "amount": str(outstanding), "method": method}
    _ticket_event(ticket=ticket, actor=actor, action="payment_record", payload=payload)
    audit_record(
        actor=actor,
        action="payment.recorded",
        obj=payment,
        ticket=ticket,
        changes={**payload, "reference": reference},
    )
    audit_record(
        actor=actor,
        action="receipt.issued",
        obj=receipt,
        ticket=ticket,
        changes={"number": receipt.number, "amount": str(outstanding), "lines": len(due)},
    )
    return receipt


# --- Refunds ----------------------------------------------------------------------


def _committed_refunds(payment, *, exclude=None):
    qs = Refund.objects.filter(
        payment=payment, status__in=[RefundStatus.REQUESTED, RefundStatus.APPROVED]
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(total=Sum("amount"))["total"] or ZERO


@transaction.atomic
def refund_request(*, payment, actor, amount, reason):
    """A refund request with a reason; requested and approved refunds of a payment never
    add up to more than was paid (``refund_exceeds_payment``)."""
    role_require(actor, *REFUND_REQUEST_ROLES)
    reason = (reason or "").strip()
    if not reason:
        _refuse(_("Give the reason for the refund."), "reason_required")
    amount = pricing_lines.money(amount)
    if amount <= 0:
        _refuse(_("The refund must be more than zero."), "invalid_amount")
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    left = payment.amount - _committed_refunds(payment)
    if amount > left:
        _refuse(
            _("At most %(left)s can still be refunded on this payment.") % {"left": left},
            "refund_exceeds_payment",
            refundable=str(left),
        )
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=reason[:500],
        requested_by=acting_user(actor),
        requested_at=timezone.now(),
    )
    payload = {"refund": refund.pk, "amount": str(amount)}
    _ticket_event(ticket=payment.ticket, actor=actor, action="refund_request", payload=payload)
    audit_record(
        actor=actor,
        action="refund.requested",
        obj=refund,
        ticket=payment.ticket,
        changes={**payload, "payment": payment.pk, "reason": reason},
    )
    return refund


def _refund_decide(*, refund, actor, to_status, note, expected_version):
    role_require(actor, *REFUND_DECIDE_ROLES)
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if expected_version is not None and expected_version != refund.version:
        raise StaleVersion(_("The refund was changed meanwhile; reload and try again."))
    if refund.status != RefundStatus.REQUESTED:
        raise InvalidTransition(
            _("This refund is already decided."),
            extra={"status": refund.status, "action": f"refund_{to_status}"},
        )
    if actor is not None and refund.requested_by_id == actor.pk and not actor.is_superuser:
        raise ActionForbidden(_("Someone else must decide on a refund you requested."))
    if to_status == RefundStatus.APPROVED:
        approved = (
            Refund.objects.filter(payment=payment, status=RefundStatus.APPROVED).aggregate(
                total=Sum("amount")
            )["total"]
            or ZERO
        )
        if approved + refund.amount > payment.amount:
            _refuse(_("The refund would exceed the payment."), "refund_exceeds_payment")
    Refund.objects.filter(pk=refund.pk).update(
        status=to_status,
        decided_by=acting_user(actor),
        decided_at=timezone.now(),
        decision_note=(note or "")[:500],
        version=F("version") + 1,
    )
    refund.refresh_from_db()
    payload = {"refund": refund.pk, "amount": str(refund.amount)}
    _ticket_event(ticket=payment.ticket, actor=actor, action=f"refund_{to_status}", payload=payload)
    audit_record(
        actor=actor,
        action=f"refund.{to_status}",
        obj=refund,
        ticket=payment.ticket,
        changes={"status": [RefundStatus.REQUESTED, to_status], **payload, "note": note},
    )
    return refund


@transaction.atomic
def refund_approve(*, refund, actor, note="", expected_version=None):
    return _refund_decide(
        refund=refund,
        actor=actor,
        to_status=RefundStatus.APPROVED,
        note=note,
        expected_version=expected_version,
    )


@transaction.atomic
def refund_reject(*, refund, actor, note, expected_version=None):
    if not (note or "").strip():
        _refuse(_("Say why the refund is rejected."), "reason_required")
    return _refund_decide(
        refund=refund,
        actor=actor,
        to_status=RefundStatus.REJECTED,
        note=note,
        expected_version=expected_version,
    )


def can_decide_refund(user):
    return has_role(user, *REFUND_DECIDE_ROLES)
