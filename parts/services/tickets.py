"""Stock for tickets: reserve at dispatch, issue at completion, release on cancel, and the
recovery of defective parts removed on a job. Called inside the ticket transition's
transaction by ``tickets.services.lifecycle``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.services import audit_record
from tickets.choices import WarrantyDecision

from ..choices import MovementKind, RecoveryStatus, ReservationStatus
from ..models import StockReservation, TicketPart
from .stock import _Move, _positive, _post, stock_authorize

# --- Tickets -----------------------------------------------------------------------------


def _van_of(ticket):
    technician = ticket.technician
    van = getattr(technician, "van", None) if technician is not None else None
    if van is None:
        raise ValidationError(
            {"location": [_("The technician has no van location; name the location.")]}
        )
    return van


def _line_location(ticket, line, field):
    """The line's location, by default the technician's van. Another technician's van is
    refused: a job takes parts from its own technician's van or from a store."""
    location = line.get("location") or _van_of(ticket)
    if location.technician_id is not None and location.technician_id != ticket.technician_id:
        raise ValidationError(
            {field: [_("%(code)s is another technician's van.") % {"code": location.code}]}
        )
    return location


def _check_approved(part, field):
    if not part.approved:
        raise ValidationError(
            {field: [_("%(sku)s is not an approved (certified) part.") % {"sku": part.sku}]}
        )


@transaction.atomic
def stock_reserve_for_ticket(*, ticket, lines, actor):
    """Set parts aside for a dispatched job: ``lines`` of {part, quantity, location?}
    (default: the technician's van). 409 ``insufficient_stock`` when too few are available.
    Called inside ``ticket_dispatch``'s transaction; writes ``stock.reserved``."""
    reserve, reservations = [], []
    for line in lines:
        part, quantity = line["part"], line["quantity"]
        _positive(quantity)
        _check_approved(part, "parts")
        location = _line_location(ticket, line, "parts")
        reserve.append((part, location, quantity))
        reservations.append(
            StockReservation(ticket=ticket, part=part, location=location, quantity=quantity)
        )
    if not reserve:
        return []
    _post(
        reserve=reserve,
        actor=actor,
        action="stock.reserved",
        audit_obj=ticket,
        ticket=ticket,
        extra={"reserved": [[p.pk, loc.pk, q] for p, loc, q in reserve]},
    )
    return StockReservation.objects.bulk_create(reservations)


def _open_reservations(ticket):
    return list(
        StockReservation.objects.select_for_update()
        .filter(ticket=ticket, status=ReservationStatus.OPEN)
        .select_related("part", "location")
        .order_by("id")
    )


@transaction.atomic
def stock_release_for_ticket(*, ticket, actor):
    """Give back every open reservation of ``ticket`` (cancel). Writes ``stock.released``."""
    reservations = _open_reservations(ticket)
    if not reservations:
        return []
    _post(
        reserve=[(r.part, r.location, -r.quantity) for r in reservations],
        actor=actor,
        action="stock.released",
        audit_obj=ticket,
        ticket=ticket,
    )
    StockReservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        status=ReservationStatus.RELEASED, closed_at=timezone.now()
    )
    return reservations


def line_is_charged(*, ticket, part):
    """The charging rule: out of warranty → charged; in warranty (or goodwill) → free
    unless the part is not covered by the warranty."""
    if ticket.warranty_decision == WarrantyDecision.OUT_OF_WARRANTY:
        return True
    if ticket.warranty_decision == WarrantyDecision.GOODWILL:
        return False
    return not part.warranty_covered


@transaction.atomic
def stock_issue_for_ticket(*, ticket, lines, actor):
    """Issue the parts used on a job and release what was reserved but not used.

    ``lines``: {part, quantity, location?, charged?, fitted_serial?, removed_serial?};
    the location defaults to the technician's van. Only approved parts are issued. A
    reservation for the same part and location is consumed first. Each line is recorded
    as a ``TicketPart`` with its price and whether it is charged (``line_is_charged``; the
    technician may charge a covered part, e.g. damage by the user, never waive a charge).
    A removed defective part (``removed_serial``) waits for refurbishment or scrap.
    409 ``insufficient_stock`` when a location has too few available.
    """
    reservations = _open_reservations(ticket)
    remaining = {}
    for r in reservations:
        remaining[(r.part.pk, r.location.pk)] = remaining.get((r.part.pk, r.location.pk), 0) + (
            r.quantity
        )
    reserve = [(r.part, r.location, -r.quantity) for r in reservations]
    moves, rows = [], []
    for index, line in enumerate(lines):
        part, quantity = line["part"], line["quantity"]
        _positive(quantity)
        _check_approved(part, "parts_used")
        location = _line_location(ticket, line, "parts_used")
        charged = line_is_charged(ticket=ticket, part=part)
        if line.get("charged") is False and charged:
            raise ValidationError(
                {
                    "parts_used": [
                        _("Line %(n)s: this part is charged on this ticket.") % {"n": index + 1}
                    ]
                }
            )
        charged = charged or bool(line.get("charged"))
        moves.append(_Move(MovementKind.ISSUE, part, quantity, source=location, ticket=ticket))
        rows.append(
            TicketPart(
                ticket=ticket,
                part=part,
                location=location,
                quantity=quantity,
                charged=charged,
                unit_price=part.unit_price,
                fitted_serial=line.get("fitted_serial", ""),
                removed_serial=line.get("removed_serial", ""),
                recovery_status=RecoveryStatus.PENDING
                if line.get("removed_serial")
                else RecoveryStatus.NONE,
            )
        )
    if not moves and not reserve:
        return []
    movements = _post(
        moves=moves,
        reserve=reserve,
        actor=actor,
        action="stock.issued",
        audit_obj=ticket,
        ticket=ticket,
        extra={"lines": [[m.part.pk, m.source.pk, m.quantity] for m in moves]},
    )
    if reservations:
        used = {(m.part.pk, m.source.pk) for m in moves}
        now = timezone.now()
        for r in reservations:
            status = (
                ReservationStatus.ISSUED
                if (r.part.pk, r.location.pk) in used
                else ReservationStatus.RELEASED
            )
            StockReservation.objects.filter(pk=r.pk).update(status=status, closed_at=now)
    for row, movement in zip(rows, movements, strict=True):
        row.movement = movement
    return TicketPart.objects.bulk_create(rows)


# --- Recovery ----------------------------------------------------------------------------


@transaction.atomic
def recovered_part_refurbish(*, ticket_part, location, actor):
    """The defective part removed on a job comes back refurbished: one unit into
    ``location`` (a ``recovery`` movement linked to the ticket)."""
    stock_authorize(actor)
    line = TicketPart.objects.select_for_update().select_related("part").get(pk=ticket_part.pk)
    if line.recovery_status != RecoveryStatus.PENDING:
        raise ValidationError({"recovery_status": [_("Nothing is awaiting refurbishment.")]})
    [movement] = _post(
        moves=[
            _Move(
                MovementKind.RECOVERY,
                line.part,
                1,
                target=location,
                ticket=line.ticket,
                reason=_("Refurbished, serial %(s)s") % {"s": line.removed_serial},
            )
        ],
        actor=actor,
        action="stock.recovery",
        ticket=line.ticket,
    )
    TicketPart.objects.filter(pk=line.pk).update(recovery_status=RecoveryStatus.REFURBISHED)
    return movement


@transaction.atomic
def recovered_part_scrap(*, ticket_part, actor, reason=""):
    """The defective part removed on a job is beyond repair: recorded as scrapped."""
    stock_authorize(actor)
    line = TicketPart.objects.select_for_update().get(pk=ticket_part.pk)
    if line.recovery_status != RecoveryStatus.PENDING:
        raise ValidationError({"recovery_status": [_("Nothing is awaiting refurbishment.")]})
    TicketPart.objects.filter(pk=line.pk).update(recovery_status=RecoveryStatus.SCRAPPED)
    line.recovery_status = RecoveryStatus.SCRAPPED
    audit_record(
        actor=actor,
        action="stock.recovered_scrapped",
        obj=line,
        ticket=line.ticket,
        changes={"removed_serial": line.removed_serial, "reason": reason},
    )
    return line
