"""Every write of the instrument ledger: kinds, instruments, issue and return,
calibrations, the tool requirements per category, and the daily calibration reminders.

Each service runs in one transaction, locks the instrument row it changes, records its
audit event and queues its notifications with the outbox (``notify``)."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.platform.models import NotificationKind
from aftersales.platform.selectors import staff_to_notify
from aftersales.platform.services import notify
from aftersales.roles import Role, acting_user, role_require
from aftersales.unique import unique_or_invalid
from aftersales.uploads import CERTIFICATE_DOCUMENT, clean_upload
from audits.services import audit_record

from .choices import LEDGER_EDITORS, CalibrationResult, HolderChangeKind, InstrumentStatus
from .exceptions import InstrumentUnavailable
from .models import CalibrationRecord, HolderChange, Instrument, InstrumentKind, ToolRequirement

NUMBER_TAKEN = gettext_noop("An instrument with this number is already in the ledger.")


def _lock(instrument):
    return Instrument.objects.select_for_update().select_related("kind").get(pk=instrument.pk)


def _bump(instrument, fields):
    instrument.version = F("version") + 1
    instrument.save(update_fields=[*fields, "version"])
    instrument.refresh_from_db(fields=["version"])


@transaction.atomic
def instrument_kind_create(*, actor, code, name, calibration_interval_months=12):
    """Add a kind of instrument. Writes ``instrument_kind.created``."""
    role_require(actor, *LEDGER_EDITORS)
    if InstrumentKind.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("This code is taken.")]})
    with unique_or_invalid("code", _("This code is taken.")):
        kind = InstrumentKind.objects.create(
            code=code, name=name, calibration_interval_months=calibration_interval_months
        )
    audit_record(
        actor=actor,
        action="instrument_kind.created",
        obj=kind,
        changes={"code": code, "name": name, "interval": calibration_interval_months},
    )
    return kind


@transaction.atomic
def instrument_create(
    *,
    actor,
    number,
    kind,
    model="",
    serial="",
    location=None,
    calibration_due_on=None,
    last_calibrated_on=None,
):
    """Enter an instrument in the ledger, kept at ``location`` (not issued yet). Its due
    date is what its current certificate says (none: never calibrated, it does not count
    at a check-in until a calibration is recorded). Writes ``instrument.created``."""
    role_require(actor, *LEDGER_EDITORS)
    if Instrument.objects.filter(number=number).exists():
        raise ValidationError({"number": [_(NUMBER_TAKEN)]})
    if calibration_due_on and last_calibrated_on and calibration_due_on <= last_calibrated_on:
        raise ValidationError(
            {"calibration_due_on": [_("The due date must come after the last calibration.")]}
        )
    with unique_or_invalid("number", _(NUMBER_TAKEN)):
        instrument = Instrument.objects.create(
            number=number,
            kind=kind,
            model=model,
            serial=serial,
            location=location,
            calibration_due_on=calibration_due_on,
            last_calibrated_on=last_calibrated_on,
        )
    audit_record(
        actor=actor,
        action="instrument.created",
        obj=instrument,
        changes={
            "number": number,
            "kind": kind.code,
            "model": model,
            "serial": serial,
            "location": location.code if location else None,
            "calibration_due_on": calibration_due_on.isoformat() if calibration_due_on else None,
        },
    )
    return instrument


@transaction.atomic
def instrument_issue(*, instrument, actor, technician, note=""):
    """Hand the instrument to ``technician`` (it leaves its store location). Refused for
    a lost or retired instrument or one already held. Writes a ``HolderChange`` and
    ``instrument.issued``."""
    role_require(actor, *LEDGER_EDITORS)
    instrument = _lock(instrument)
    if instrument.status == InstrumentStatus.RETIRED:
        raise InstrumentUnavailable(_("A lost or retired instrument cannot be issued."))
    if instrument.holder_id is not None:
        raise InstrumentUnavailable(
            _("This instrument is held by %(name)s: record its return first.")
            % {"name": instrument.holder.full_name}
        )
    before = instrument.location.code if instrument.location_id else None
    instrument.holder, instrument.location = technician, None
    _bump(instrument, ["holder", "location"])
    HolderChange.objects.create(
        instrument=instrument,
        kind=HolderChangeKind.ISSUE,
        technician=technician,
        note=note,
        actor=acting_user(actor),
    )
    audit_record(
        actor=actor,
        action="instrument.issued",
        obj=instrument,
        changes={"holder": [None, technician.pk], "location": [before, None], "note": note},
    )
    return instrument


@transaction.atomic
def instrument_return(*, instrument, actor, location, note=""):
    """Take the instrument back from its holder into ``location``. Writes a
    ``HolderChange`` and ``instrument.returned``."""
    role_require(actor, *LEDGER_EDITORS)
    instrument = _lock(instrument)
    if instrument.holder_id is None:
        raise InstrumentUnavailable(_("This instrument is not issued to anyone."))
    before = instrument.holder_id
    instrument.holder, instrument.location = None, location
    _bump(instrument, ["holder", "location"])
    HolderChange.objects.create(
        instrument=instrument,
        kind=HolderChangeKind.RETURN,
        location=location,
        note=note,
        actor=acting_user(actor),
    )
    audit_record(
        actor=actor,
        action="instrument.returned",
        obj=instrument,
        changes={"holder": [before, None], "location": [None, location.code], "note": note},
    )
    return instrument


@transaction.atomic
def instrument_status_set(*, instrument, actor, status, note=""):
    """Send to calibration, take out of service, record as lost/retired, or back in
    service. A retired instrument stays retired. Writes ``instrument.status_changed``."""
    role_require(actor, *LEDGER_EDITORS)
    if status not in InstrumentStatus.values:
        raise ValidationError({"status": [_("Choose a valid status.")]})
    instrument = _lock(instrument)
    if instrument.status == InstrumentStatus.RETIRED:
        raise InstrumentUnavailable(_("A lost or retired instrument cannot change status."))
    if instrument.status == status:
        return instrument
    before = instrument.status
    instrument.status = status
    _bump(instrument, ["status"])
    audit_record(
        actor=actor,
        action="instrument.status_changed",
        obj=instrument,
        changes={"status": [before, status], "note": note},
    )
    return instrument


def calibration_errors(*, instrument, calibrated_on, result, next_due_on):
    """Field → messages against recording this calibration (empty: fine)."""
    errors = {}
    if calibrated_on > timezone.localdate():
        errors["calibrated_on"] = [_("The calibration date cannot be in the future.")]
    if result not in CalibrationResult.values:
        errors["result"] = [_("Choose pass or fail.")]
    if next_due_on is not None and next_due_on <= calibrated_on:
        errors["next_due_on"] = [_("The next due date must come after the calibration.")]
    if next_due_on is not None and result == CalibrationResult.FAIL:
        errors["next_due_on"] = [_("A failed calibration sets no next due date.")]
    if instrument.status == InstrumentStatus.RETIRED:
        errors["non_field_errors"] = [_("A lost or retired instrument cannot be calibrated.")]
    return errors


@transaction.atomic
def calibration_record(
    *,
    instrument,
    actor,
    calibrated_on,
    laboratory,
    result,
    next_due_on=None,
    certificate=None,
    certificate_number="",
    note="",
):
    """Record a calibration. A pass sets the instrument's last calibration and its due
    date (``next_due_on``, by default the kind's interval after ``calibrated_on``) and puts
    it back in service; a fail takes it out of service and leaves the due date as it was.
    ``certificate``: a PDF or image, checked like certificates (``aftersales.uploads``).
    Writes a ``CalibrationRecord`` and ``calibration.recorded``."""
    role_require(actor, *LEDGER_EDITORS)
    if certificate:
        certificate = clean_upload(certificate, kind=CERTIFICATE_DOCUMENT, field="certificate")
    instrument = _lock(instrument)
    passed = result == CalibrationResult.PASS
    if passed and next_due_on is None:
        next_due_on = calibrated_on + relativedelta(
            months=instrument.kind.calibration_interval_months
        )
    errors = calibration_errors(
        instrument=instrument, calibrated_on=calibrated_on, result=result, next_due_on=next_due_on
    )
    if errors:
        raise ValidationError(errors)
    record = CalibrationRecord(
        instrument=instrument,
        calibrated_on=calibrated_on,
        laboratory=laboratory,
        result=result,
        next_due_on=next_due_on,
        certificate_number=certificate_number,
        note=note,
        recorded_by=acting_user(actor),
    )
    if certificate:
        record.certificate = certificate
        record.certificate_content_type = certificate.content_type
    record.save()
    before = {
        "status": instrument.status,
        "due": instrument.calibration_due_on.isoformat() if instrument.calibration_due_on else None,
    }
    fields = ["last_calibrated_on", "status"]
    if not instrument.last_calibrated_on or calibrated_on >= instrument.last_calibrated_on:
        instrument.last_calibrated_on = calibrated_on
    if passed:
        instrument.calibration_due_on = next_due_on
        instrument.status = InstrumentStatus.IN_SERVICE
        fields.append("calibration_due_on")
    else:
        instrument.status = InstrumentStatus.OUT_OF_SERVICE
    _bump(instrument, fields)
    audit_record(
        actor=actor,
        action="calibration.recorded",
        obj=instrument,
        changes={
            "calibration": record.pk,
            "calibrated_on": calibrated_on.isoformat(),
            "laboratory": laboratory,
            "result": result,
            "certificate_number": certificate_number,
            "status": [before["status"], instrument.status],
            "calibration_due_on": [
                before["due"],
                instrument.calibration_due_on.isoformat()
                if instrument.calibration_due_on
                else None,
            ],
        },
    )
    return record


@transaction.atomic
def tool_requirements_set(*, actor, category, kinds):
    """The instrument kinds ``category`` requires at a check-in become ``kinds`` (an empty
    list: none). Writes ``tool_requirements.set`` with before/after codes."""
    role_require(actor, *LEDGER_EDITORS)
    current = {r.kind_id: r for r in ToolRequirement.objects.filter(category=category)}
    wanted = {k.pk: k for k in kinds}
    before = sorted(InstrumentKind.objects.filter(pk__in=current).values_list("code", flat=True))
    ToolRequirement.objects.filter(category=category).exclude(kind_id__in=wanted).delete()
    ToolRequirement.objects.bulk_create(
        [
            ToolRequirement(category=category, kind=k)
            for pk, k in wanted.items()
            if pk not in current
        ],
        ignore_conflicts=True,
    )
    after = sorted(k.code for k in kinds)
    if before != after:
        audit_record(
            actor=actor,
            action="tool_requirements.set",
            obj=category,
            changes={"kinds": [before, after]},
        )
    return after


@transaction.atomic
def tool_requirement_add(*, actor, category, kind):
    """``category`` requires an instrument of ``kind`` from now on (400 when it already
    does). Writes ``tool_requirement.added``."""
    role_require(actor, *LEDGER_EDITORS)
    message = _("This product category already requires this kind of instrument.")
    if ToolRequirement.objects.filter(category=category, kind=kind).exists():
        raise ValidationError({"kind": [message]})
    with unique_or_invalid("kind", message):
        requirement = ToolRequirement.objects.create(category=category, kind=kind)
    audit_record(
        actor=actor,
        action="tool_requirement.added",
        obj=requirement,
        changes={"category": category.code, "kind": kind.code},
    )
    return requirement


@transaction.atomic
def tool_requirement_remove(*, requirement, actor):
    """The category no longer requires the kind. Writes ``tool_requirement.removed``."""
    role_require(actor, *LEDGER_EDITORS)
    audit_record(
        actor=actor,
        action="tool_requirement.removed",
        obj=requirement,
        changes={"category": requirement.category.code, "kind": requirement.kind.code},
    )
    requirement.delete()


def _reminder_queue(instrument, *, today, due_day, supervisors):
    technician = instrument.holder
    days = (instrument.calibration_due_on - today).days
    notify(
        kind=NotificationKind.CALIBRATION_DUE,
        recipients=[*([technician.user] if technician else []), *supervisors],
        context={
            "number": instrument.number,
            "kind_name": instrument.kind.name,
            "model": instrument.model,
            "holder": technician.full_name if technician else "",
            "due_on": instrument.calibration_due_on,
            "days": days,
            "due_day": due_day,
        },
        dedupe_key=(
            f"calibration-due:{instrument.pk}:{instrument.calibration_due_on.isoformat()}:"
            f"{'due' if due_day else 'advance'}"
        ),
    )


@transaction.atomic
def calibration_reminder_sweep(*, today=None):
    """Daily (beat): remind the holder and the supervisors of each instrument in use whose
    calibration falls due within ``TOOLS_CALIBRATION_REMINDER_DAYS`` days (the advance
    reminder) and on its due date (the due-day notice), each once per instrument and due
    date (``reminded_for`` / ``due_notice_for`` hold the due date told about, and the
    outbox's ``dedupe_key`` guards a second sweep). An instrument already overdue when the
    sweep first sees it gets the due-day notice once. Returns (advance, due-day) counts."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.TOOLS_CALIBRATION_REMINDER_DAYS)
    instruments = list(
        Instrument.objects.exclude(status=InstrumentStatus.RETIRED)
        .filter(calibration_due_on__isnull=False, calibration_due_on__lte=horizon)
        .filter(
            Q(due_notice_for__isnull=True) | ~Q(due_notice_for=F("calibration_due_on")),
        )
        .select_related("kind", "holder__user")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("calibration_due_on", "pk")
    )
    advance = due = 0
    supervisors = None
    for instrument in instruments:
        due_on = instrument.calibration_due_on
        if due_on <= today:
            instrument.due_notice_for = due_on
            if instrument.reminded_for != due_on:
                instrument.reminded_for = due_on  # one message, not two, on a late start
            fields, due_day = ["due_notice_for", "reminded_for"], True
            due += 1
        elif instrument.reminded_for != due_on:
            instrument.reminded_for = due_on
            fields, due_day = ["reminded_for"], False
            advance += 1
        else:
            continue
        if supervisors is None:
            supervisors = staff_to_notify(role=Role.SUPERVISOR)
        instrument.save(update_fields=fields)
        _reminder_queue(instrument, today=today, due_day=due_day, supervisors=supervisors)
        audit_record(
            actor=None,
            action="instrument.calibration_reminded",
            obj=instrument,
            changes={"due_on": due_on.isoformat(), "due_day": due_day},
        )
    return advance, due
