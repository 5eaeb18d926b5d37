"""Availability: completed training and absences (leave, sick days)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.dates import local_day_bounds
from aftersales.roles import acting_user, role_require
from audits.services import audit_record, plain
from tickets.choices import TicketStatus
from tickets.models import Ticket

from ..choices import MANAGER_ROLES
from ..models import Absence, TrainingRecord
from .profiles import technician_lock


@transaction.atomic
def training_record_create(
    *, actor, technician, course, completed_on, theory_hours=0, practical_hours=0, score=None
):
    """Record a completed course; writes ``training.recorded``."""
    role_require(actor, *MANAGER_ROLES)
    _training_check(
        theory_hours=theory_hours, practical_hours=practical_hours, completed_on=completed_on
    )
    record = TrainingRecord.objects.create(
        technician=technician,
        course=course,
        completed_on=completed_on,
        theory_hours=theory_hours,
        practical_hours=practical_hours,
        score=score,
        recorded_by=acting_user(actor),
    )
    audit_record(
        actor=actor,
        action="training.recorded",
        obj=record,
        changes={
            "technician": technician.pk,
            "course": course,
            "completed_on": completed_on.isoformat(),
            "theory_hours": str(theory_hours),
            "practical_hours": str(practical_hours),
            "score": None if score is None else str(score),
        },
    )
    return record


def _training_check(*, theory_hours, practical_hours, completed_on):
    """The rule of a training record, for its creation and its corrections."""
    errors = {}
    if not (theory_hours or practical_hours):
        errors["theory_hours"] = [_("A course has theory or practical hours.")]
    if completed_on > timezone.localdate():
        errors["completed_on"] = [_("The completion date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)


TRAINING_FIELDS = ("course", "completed_on", "theory_hours", "practical_hours", "score")


@transaction.atomic
def training_record_update(*, record, actor, **fields):
    """Correct a training record (course, date, hours, score) with the checks of
    ``training_record_create``; the technician is fixed. Writes ``training.updated`` with
    before/after values of what changed."""
    role_require(actor, *MANAGER_ROLES)
    unknown = set(fields) - set(TRAINING_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in unknown})
    record = TrainingRecord.objects.select_for_update().get(pk=record.pk)
    changes = {}
    for field, value in fields.items():
        before = getattr(record, field)
        if before != value:
            changes[field] = [plain(before), plain(value)]
            setattr(record, field, value)
    _training_check(
        theory_hours=record.theory_hours,
        practical_hours=record.practical_hours,
        completed_on=record.completed_on,
    )
    if changes:
        record.full_clean(exclude=["technician", "recorded_by"])
        record.save(update_fields=list(changes))
        audit_record(actor=actor, action="training.updated", obj=record, changes=changes)
    return record


@transaction.atomic
def absence_create(*, actor, technician, kind, starts_on, ends_on, note=""):
    """Record leave or sick days (inclusive). Writes ``absence.recorded``.

    Jobs already booked in the period are not moved; they are returned so the caller
    can show who needs rescheduling.
    """
    role_require(actor, *MANAGER_ROLES)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("An absence cannot end before it starts.")]})
    technician_lock(technician_id=technician.pk)
    absence = Absence.objects.create(
        technician=technician,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        recorded_by=acting_user(actor),
    )
    audit_record(
        actor=actor,
        action="absence.recorded",
        obj=absence,
        changes={
            "technician": technician.pk,
            "kind": kind,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    start, end = local_day_bounds(starts_on, ends_on)
    return absence, list(
        Ticket.objects.filter(
            technician=technician,
            status=TicketStatus.DISPATCHED,
            appointment_start__gte=start,
            appointment_start__lt=end,
        ).values_list("number", flat=True)
    )


@transaction.atomic
def absence_cancel(*, absence, actor):
    """Withdraw a recorded absence (leave cancelled). Writes ``absence.cancelled``."""
    role_require(actor, *MANAGER_ROLES)
    audit_record(
        actor=actor,
        action="absence.cancelled",
        obj=absence,
        changes={
            "technician": absence.technician_id,
            "kind": absence.kind,
            "starts_on": absence.starts_on.isoformat(),
            "ends_on": absence.ends_on.isoformat(),
        },
    )
    absence.delete()
