"""Every write of the depot repair (返修): the take-in with its equipment receipt, the
photos, the workshop stages, the loan units, the return and the turnaround sweep.

Each function runs in one transaction, checks the role (``aftersales.roles``), locks the
rows it changes (the receipt first, then the loan unit), records its audit event and the
ticket's timeline event in it, and queues the customer's notice through the outbox
(``notify``), delivered after commit. ``actor=None`` is the system (the beat sweep).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ActionForbidden, ApplicationError, InvalidTransition, StaleVersion
from aftersales.platform.models import NotificationKind
from aftersales.platform.services import notify
from aftersales.roles import Role, acting_user, role_require, roles_of
from aftersales.sequences import sequence_next
from aftersales.unique import unique_or_invalid
from aftersales.uploads import JPEG, PNG, WEBP, UploadKind, clean_upload
from audits.services import audit_record
from tickets.calendar import ALWAYS_OPEN
from tickets.choices import OPEN_STATUSES, EventKind
from tickets.models import Ticket, TicketEvent, WorkingCalendar
from tickets.validators import signature_clean

from . import turnaround
from .choices import (
    ACCESSORIES,
    CONDITION_CHECKS,
    PAUSED_STAGES,
    STAGE_TRANSITIONS,
    WORKSHOP_STAGES,
    DepotStage,
    LoanStatus,
    ReceiptStatus,
)
from .models import EquipmentReceipt, LoanUnit, ReceiptNumberSequence, ReceiptPhoto

# Who does what (README, "Depot repair").
TAKE_IN_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.WORKSHOP, Role.TECHNICIAN)
STAGE_ROLES = (Role.WORKSHOP, Role.SUPERVISOR)
RETURN_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.WORKSHOP)
LOAN_LEND_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.WORKSHOP)
LOAN_LEDGER_ROLES = (Role.SUPERVISOR, Role.WORKSHOP)
# Photos of the unit: images only, under the ticket attachments' size limit.
DEPOT_PHOTO = UploadKind("ticket_attachment", (JPEG, PNG, WEBP))
BATCH_SIZE = 500


class DepotError(ApplicationError):
    code = "depot_conflict"


def _refuse(message, code, **extra):
    raise DepotError(message, code=code, extra=extra)


def _now():
    return timezone.now()


def _signature(value, *, required_message):
    """A signature as stored (re-encoded PNG/JPEG data URL); a missing one or one that
    does not decode is a 400 on ``signature`` with a clear message."""
    if not value:
        raise ValidationError({"signature": [required_message]})
    try:
        return signature_clean(value)
    except ValidationError as exc:
        raise ValidationError({"signature": exc.messages}) from exc


def _check_version(receipt, expected_version):
    if expected_version is not None and receipt.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this receipt; reload it."), extra={"version": receipt.version}
        )


def _locked_open(receipt, expected_version=None):
    locked = (
        EquipmentReceipt.objects.select_for_update(of=("self",))
        .select_related("ticket")
        .get(pk=receipt.pk)
    )
    if locked.status != ReceiptStatus.OPEN:
        _refuse(
            _("Receipt %(number)s is closed: the unit was returned.") % {"number": locked.number},
            "receipt_closed",
        )
    _check_version(locked, expected_version)
    return locked


def _timeline(*, receipt, actor, action, stage, from_stage="", **extra):
    """The ticket's ``depot_stage`` timeline event: codes and plain values only."""
    TicketEvent.objects.create(
        ticket_id=receipt.ticket_id,
        kind=EventKind.DEPOT_STAGE,
        action=action,
        actor=acting_user(actor),
        payload={"receipt": receipt.number, "stage": stage, "from_stage": from_stage, **extra},
    )


def _codes(values, table, field):
    values = list(dict.fromkeys(values or []))
    unknown = [v for v in values if v not in table]
    if unknown:
        raise ValidationError(
            {field: [_("Unknown choice: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}]}
        )
    return values


def receipt_number_next(*, year):
    """The next receipt number of ``year`` (``ER-2026-00001``), gap-free."""
    value = sequence_next(ReceiptNumberSequence, field="last", year=year)
    return f"{settings.DEPOT_RECEIPT_PREFIX}-{year}-{value:05d}"


def depot_calendar(ticket):
    """The calendar the turnaround is measured on: ``DEPOT_CALENDAR`` (a working
    calendar's code) when set and present, else the ticket's SLA policy's."""
    code = settings.DEPOT_CALENDAR
    if code:
        found = WorkingCalendar.objects.filter(code=code).first()
        if found is not None:
            return found
    policy = ticket.sla_policy
    return policy.calendar if policy is not None else None


def _spec(receipt):
    return receipt.calendar.spec() if receipt.calendar_id else ALWAYS_OPEN


def _replan(receipt, spec):
    planned = turnaround.plan(
        receipt.received_at,
        target_hours=receipt.target_hours,
        warning_fraction=receipt.warning_fraction,
        spec=spec,
        paused_seconds=receipt.paused_seconds,
    )
    receipt.due_at, receipt.warn_at = planned.due_at, planned.warn_at
    _, receipt.next_check_at = turnaround.marks(
        warn_at=receipt.warn_at,
        due_at=receipt.due_at,
        now=_now(),
        warned=receipt.warned_at is not None,
        breached=receipt.breached_at is not None,
    )
    # Early is harmless: let the sweep look as soon as anything is pending.
    if receipt.next_check_at is not None and receipt.next_check_at < _now():
        receipt.next_check_at = _now()


# --- Take-in ------------------------------------------------------------------------------


def _field_only(actor):
    """A technician without a desk or workshop role (brings units in from site)."""
    if actor is None or actor.is_superuser:
        return False
    mine = roles_of(actor)
    return Role.TECHNICIAN in mine and not mine & (set(TAKE_IN_ROLES) - {Role.TECHNICIAN})


def _may_take_in(*, ticket, actor):
    role_require(actor, *TAKE_IN_ROLES, message=_("Your role may not take units in."))
    if _field_only(actor) and (ticket.technician is None or ticket.technician.user_id != actor.pk):
        raise ActionForbidden(_("This ticket is not assigned to you."))


@transaction.atomic
def receipt_take_in(
    *,
    ticket,
    actor,
    signature,
    serial_number="",
    condition_checks=(),
    condition_notes="",
    accessories=(),
    accessories_other="",
    loan_unit=None,
):
    """Take a unit in for workshop repair on the open ``ticket``: issue its equipment
    receipt (gap-free ``ER-<year>-<n>``), stage ``received``, the turnaround clock started.

    ``signature`` (the customer's, a PNG/JPEG data URL) is required; the serial defaults
    to the ticket's unit and may be corrected from the rating plate. A ``loan_unit`` is
    lent at once (see ``receipt_loan_lend``). A technician (without a desk role) takes in
    only on their own jobs. Writes the receipt, a ``depot_stage`` timeline event and the
    ``depot.receipt_taken_in`` audit event.
    """
    _may_take_in(ticket=ticket, actor=actor)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("product", "sla_policy")
        .get(pk=ticket.pk)
    )
    if ticket.status not in OPEN_STATUSES:
        _refuse(_("Only an open ticket's unit can be taken in."), "ticket_not_open")
    if EquipmentReceipt.objects.filter(ticket=ticket, status=ReceiptStatus.OPEN).exists():
        _refuse(_("This ticket's unit is already in the workshop."), "already_taken_in")
    stored_signature = _signature(
        signature, required_message=_("The customer signs the receipt when handing the unit over.")
    )
    serial = (serial_number or "").strip() or (
        ticket.product.serial_number if ticket.product else ""
    )
    if not serial:
        raise ValidationError(
            {"serial_number": [_("Enter the serial number from the rating plate.")]}
        )
    if len(serial) > 64:
        raise ValidationError({"serial_number": [_("At most 64 characters.")]})
    now = _now()
    calendar = depot_calendar(ticket)
    receipt = EquipmentReceipt(
        number=receipt_number_next(year=timezone.localdate().year),
        ticket=ticket,
        serial_number=serial,
        condition_checks=_codes(condition_checks, CONDITION_CHECKS, "condition_checks"),
        condition_notes=(condition_notes or "").strip(),
        accessories=_codes(accessories, ACCESSORIES, "accessories"),
        accessories_other=(accessories_other or "").strip(),
        intake_signature=stored_signature,
        brought_by_technician=_field_only(actor),
        received_at=now,
        received_by=acting_user(actor),
        calendar=calendar,
        target_hours=settings.DEPOT_TURNAROUND_HOURS,
        warning_fraction=str(settings.DEPOT_WARNING_FRACTION),
    )  # fmt: skip
    _replan(receipt, calendar.spec() if calendar else _spec(receipt))
    receipt.full_clean(exclude=["ticket", "calendar", "received_by"], validate_constraints=False)
    with unique_or_invalid("ticket", _("This ticket's unit is already in the workshop.")):
        receipt.save()
    audit_record(
        actor=actor,
        action="depot.receipt_taken_in",
        obj=receipt,
        ticket=ticket,
        changes={
            "number": receipt.number,
            "serial_number": serial,
            "condition_checks": receipt.condition_checks,
            "accessories": receipt.accessories,
            "due_at": receipt.due_at.isoformat(),
            "signed": True,
        },
    )
    _timeline(receipt=receipt, actor=actor, action="depot_take_in", stage=DepotStage.RECEIVED)
    if loan_unit is not None:
        receipt = _lend(receipt=receipt, loan_unit=loan_unit, actor=actor)
    return receipt


@transaction.atomic
def receipt_photo_add(*, receipt, actor, file):
    """Add a photo of the unit to an open receipt (checked and re-encoded by
    ``aftersales.uploads``; a refused file is a 400 on ``file``)."""
    role_require(actor, *TAKE_IN_ROLES, message=_("Your role may not add photos here."))
    receipt = _locked_open(receipt)
    if not EquipmentReceipt.objects.visible_to(actor).filter(pk=receipt.pk).exists() and actor:
        raise ActionForbidden(_("You may not see this receipt."))
    cleaned = clean_upload(file, kind=DEPOT_PHOTO, field="file")
    photo = ReceiptPhoto(receipt=receipt, uploaded_by=acting_user(actor))
    stored = None
    try:
        photo.file.save(cleaned.name, cleaned, save=False)
        stored = photo.file.name
        photo.save(force_insert=True)
        audit_record(
            actor=actor,
            action="depot.receipt_photo_added",
            obj=photo,
            ticket=receipt.ticket,
            changes={"receipt": receipt.number, "file": stored},
        )
    except BaseException:
        if stored:
            photo.file.storage.delete(stored)
        raise
    return photo


# --- Stages -------------------------------------------------------------------------------


@transaction.atomic
def receipt_stage_set(*, receipt, actor, stage, note="", expected_version=None):
    """Move an open receipt to workshop ``stage`` along ``STAGE_TRANSITIONS`` (quality
    check may send it back to repairing). Waiting for parts pauses the turnaround clock,
    leaving it resumes it (the due instant moves by the working time paused); ``ready``
    stops it and tells the customer to collect (notification ``depot_stage``).

    Compare-and-swap on ``version`` (``expected_version``) under the receipt's row lock.
    Writes a ``depot_stage`` timeline event (its ``note`` is internal: the customer's
    page never shows it) and the ``depot.stage_changed`` audit event.
    """
    role_require(actor, *STAGE_ROLES, message=_("Only the workshop moves a repair's stage."))
    if stage not in WORKSHOP_STAGES:
        raise ValidationError(
            {"stage": [_("Choose a workshop stage; the return has its own form.")]}
        )
    receipt = _locked_open(receipt, expected_version)
    before = receipt.stage
    if stage not in STAGE_TRANSITIONS[before]:
        raise InvalidTransition(
            _("A repair cannot go from “%(from)s” to “%(to)s”.")
            % {"from": DepotStage(before).label, "to": DepotStage(stage).label},
            extra={"stage": before, "allowed": list(STAGE_TRANSITIONS[before])},
        )
    now = _now()
    spec = None
    if before in PAUSED_STAGES and receipt.paused_at is not None:
        spec = _spec(receipt)
        receipt.paused_seconds = turnaround.paused_after_resume(
            paused_seconds=receipt.paused_seconds, paused_at=receipt.paused_at, now=now, spec=spec
        )
        receipt.paused_at = None
        _replan(receipt, spec)
    if stage in PAUSED_STAGES:
        receipt.paused_at = now
        receipt.next_check_at = None
    if stage == DepotStage.READY:
        receipt.ready_at = now
        receipt.next_check_at = None
    receipt.stage = stage
    receipt.version += 1
    receipt.save()
    audit_record(
        actor=actor,
        action="depot.stage_changed",
        obj=receipt,
        ticket=receipt.ticket,
        changes={
            "stage": [before, stage],
            "due_at": receipt.due_at.isoformat(),
            "note": note or "",
        },
    )
    _timeline(
        receipt=receipt, actor=actor, action="depot_stage", stage=stage, from_stage=before,
        note=(note or "").strip(),
    )  # fmt: skip
    if stage == DepotStage.READY:
        _ready_notice_queue(receipt)
    return receipt


def _ready_notice_queue(receipt):
    customer = receipt.ticket.customer
    if not customer.consent_service:
        return
    notify(
        kind=NotificationKind.DEPOT_STAGE,
        recipients=[customer],
        context={
            "customer_name": customer.name,
            "number": receipt.ticket.number,
            "receipt": receipt.number,
            "stage": DepotStage.READY.label,
            "loan_unit": receipt.loan_unit.number
            if receipt.loan_unit_id and not receipt.loan_returned_at
            else "",
        },
        ticket=receipt.ticket,
        dedupe_key=f"depot-ready:{receipt.pk}",
    )


# --- Loan units ---------------------------------------------------------------------------


@transaction.atomic
def loan_unit_create(*, actor, number, product_model, serial_number, notes=""):
    """Add a loan unit to the ledger (available)."""
    role_require(
        actor,
        *LOAN_LEDGER_ROLES,
        message=_("Only the workshop or a supervisor keeps the loan units."),
    )
    number = (number or "").strip()
    taken = _("A loan unit with this number exists.")
    if LoanUnit.objects.filter(number=number).exists():
        raise ValidationError({"number": [taken]})
    unit = LoanUnit(
        number=number,
        product_model=product_model,
        serial_number=(serial_number or "").strip(),
        notes=(notes or "").strip(),
    )
    unit.full_clean(exclude=["product_model"])
    with unique_or_invalid("number", taken):
        unit.save()
    audit_record(
        actor=actor,
        action="depot.loan_unit_created",
        obj=unit,
        changes={
            "number": number,
            "model": product_model.code,
            "serial_number": unit.serial_number,
        },
    )
    return unit


@transaction.atomic
def loan_unit_status_set(*, unit, actor, status, expected_version=None):
    """Take a loan unit out of service or back into it (never while it is lent)."""
    role_require(
        actor,
        *LOAN_LEDGER_ROLES,
        message=_("Only the workshop or a supervisor keeps the loan units."),
    )
    if status not in (LoanStatus.AVAILABLE, LoanStatus.OUT_OF_SERVICE):
        raise ValidationError({"status": [_("A unit is lent through a receipt, not here.")]})
    unit = LoanUnit.objects.select_for_update().get(pk=unit.pk)
    if expected_version is not None and unit.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this loan unit; reload it."), extra={"version": unit.version}
        )
    if unit.status == LoanStatus.LENT:
        _refuse(
            _("Loan unit %(number)s is lent; take it back at the return first.")
            % {"number": unit.number},
            "loan_unit_lent",
        )
    before = unit.status
    if before != status:
        unit.status = status
        unit.version += 1
        unit.save(update_fields=["status", "version"])
        audit_record(
            actor=actor,
            action="depot.loan_unit_status_changed",
            obj=unit,
            changes={"status": [before, status]},
        )
    return unit


def _lend(*, receipt, loan_unit, actor):
    if receipt.loan_unit_id is not None:
        _refuse(_("This receipt already has a loan unit."), "loan_already_given")
    # The conditional update is the race guard: of two desks lending the same unit at
    # once, one changes the row and the other sees zero rows (and the partial unique
    # index on the receipts would refuse a second lending anyway).
    lent = LoanUnit.objects.filter(pk=loan_unit.pk, status=LoanStatus.AVAILABLE).update(
        status=LoanStatus.LENT, version=F("version") + 1
    )
    if not lent:
        current = LoanUnit.objects.filter(pk=loan_unit.pk).values_list("status", flat=True).first()
        _refuse(
            _("Loan unit %(number)s is not available (%(status)s).")
            % {
                "number": loan_unit.number,
                "status": LoanStatus(current).label if current else _("gone"),
            },
            "loan_unit_unavailable",
        )
    now = _now()
    receipt.loan_unit = loan_unit
    receipt.loan_lent_at = now
    receipt.version += 1
    receipt.save(update_fields=["loan_unit", "loan_lent_at", "version"])
    audit_record(
        actor=actor,
        action="depot.loan_unit_lent",
        obj=receipt,
        ticket=receipt.ticket,
        changes={"loan_unit": loan_unit.number},
    )
    _timeline(
        receipt=receipt,
        actor=actor,
        action="depot_loan_lent",
        stage=receipt.stage,
        loan_unit=loan_unit.number,
    )
    return receipt


@transaction.atomic
def receipt_loan_lend(*, receipt, loan_unit, actor, expected_version=None):
    """Lend ``loan_unit`` (available) to the customer of an open receipt; recorded on the
    receipt. Race-safe: a unit is never lent twice."""
    role_require(actor, *LOAN_LEND_ROLES, message=_("Your role may not lend loan units."))
    receipt = _locked_open(receipt, expected_version)
    return _lend(receipt=receipt, loan_unit=loan_unit, actor=actor)


# --- The return ---------------------------------------------------------------------------


@transaction.atomic
def receipt_return(*, receipt, actor, signature, notes="", expected_version=None):
    """Hand the repaired unit back (stage ``ready`` → ``returned``) and close the receipt
    with the customer's signature (required); a lent loan unit comes back with it and is
    available again. From then on the receipt is read-only. Writes the
    ``depot.receipt_returned`` audit event and a ``depot_stage`` timeline event."""
    role_require(actor, *RETURN_ROLES, message=_("Your role may not hand units back."))
    receipt = _locked_open(receipt, expected_version)
    if receipt.stage != DepotStage.READY:
        raise InvalidTransition(
            _("The unit can be returned once it is ready (now: %(stage)s).")
            % {"stage": DepotStage(receipt.stage).label},
            extra={"stage": receipt.stage},
        )
    stored = _signature(
        signature, required_message=_("The customer signs the receipt when taking the unit back.")
    )
    now = _now()
    loan_number = ""
    if receipt.loan_unit_id is not None and receipt.loan_returned_at is None:
        unit = LoanUnit.objects.select_for_update().get(pk=receipt.loan_unit_id)
        unit.status = LoanStatus.AVAILABLE
        unit.version += 1
        unit.save(update_fields=["status", "version"])
        receipt.loan_returned_at = now
        loan_number = unit.number
    receipt.stage = DepotStage.RETURNED
    receipt.status = ReceiptStatus.CLOSED
    receipt.return_signature = stored
    receipt.returned_at = now
    receipt.returned_by = acting_user(actor)
    receipt.return_notes = (notes or "").strip()
    receipt.next_check_at = None
    receipt.version += 1
    receipt.save()
    audit_record(
        actor=actor,
        action="depot.receipt_returned",
        obj=receipt,
        ticket=receipt.ticket,
        changes={
            "stage": [DepotStage.READY, DepotStage.RETURNED],
            "signed": True,
            "loan_unit_back": loan_number,
        },
    )
    extra = {"loan_unit": loan_number} if loan_number else {}
    _timeline(
        receipt=receipt, actor=actor, action="depot_return", stage=DepotStage.RETURNED,
        from_stage=DepotStage.READY, **extra,
    )  # fmt: skip
    return receipt


# --- The turnaround sweep ---------------------------------------------------------------


def turnaround_sweep(*, now=None, batch_size=BATCH_SIZE):
    """Raise each open receipt's turnaround warning and breach once (beat). Works in
    batches of due receipts (``next_check_at <= now``), each locked with SKIP LOCKED so
    two sweeps never raise the same mark twice. Returns the number of marks raised."""
    now = now or _now()
    raised = 0
    while True:
        count, more = _sweep_batch(now=now, batch_size=batch_size)
        raised += count
        if not more:
            return raised


@transaction.atomic
def _sweep_batch(*, now, batch_size):
    rows = list(
        EquipmentReceipt.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=ReceiptStatus.OPEN, next_check_at__lte=now)
        .select_related("ticket")
        .order_by("next_check_at", "pk")[:batch_size]
    )
    raised = 0
    for receipt in rows:
        due, receipt.next_check_at = turnaround.marks(
            warn_at=receipt.warn_at,
            due_at=receipt.due_at,
            now=now,
            warned=receipt.warned_at is not None,
            breached=receipt.breached_at is not None,
            paused=receipt.paused_at is not None,
            stopped=receipt.ready_at is not None,
        )
        for kind in ("warning", "breach"):
            if kind not in due:
                continue
            setattr(receipt, "warned_at" if kind == "warning" else "breached_at", now)
            TicketEvent.objects.create(
                ticket_id=receipt.ticket_id,
                kind=EventKind.SLA_WARNING if kind == "warning" else EventKind.SLA_BREACH,
                action=f"sla_{kind}",
                actor=None,
                payload={
                    "clock": "depot",
                    "receipt": receipt.number,
                    "due_at": receipt.due_at.isoformat(),
                },
            )
            audit_record(
                actor=None,
                action=f"depot.turnaround_{kind}",
                obj=receipt,
                ticket=receipt.ticket,
                changes={"due_at": receipt.due_at.isoformat()},
            )
            raised += 1
        receipt.save(update_fields=["warned_at", "breached_at", "next_check_at"])
    return raised, len(rows) == batch_size


def turnaround_due_in(receipt, *, now=None):
    """Seconds until the receipt's turnaround is due (negative: overdue)."""
    now = now or _now()
    value = turnaround.left(
        due_at=receipt.due_at, now=now, ready_at=receipt.ready_at, paused_at=receipt.paused_at
    )
    return None if value is None else int(value / datetime.timedelta(seconds=1))
