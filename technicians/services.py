"""Technician rules. ``technician_eligibility`` is the one place dispatch asks "may they go?".

The rule itself is ``eligibility_reasons`` (pure, on plain facts); ``eligibility_facts``
gathers those facts for any number of technicians in a constant number of queries, so a
single dispatch and the ranked candidate list of 2,000 technicians decide alike.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.dates import local_day_bounds
from aftersales.roles import Role
from audits.services import audit_record
from parts.services import location_create_van
from tickets.choices import TicketStatus

from .choices import CertificationStatus, Ineligibility
from .models import (
    Absence,
    Certification,
    Technician,
    TrainingRecord,
    certification_status,
)

REMINDER_DAYS = (30, 7)


# --- Eligibility ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityFacts:
    """What the rule needs to know about one technician for one job on one day."""

    covers_area: bool
    certified: bool
    absent: bool
    booked: int
    training_compliant: bool


def eligibility_reasons(*, technician, day, facts, training_blocks=False):
    """The rule, on plain facts: reason codes against sending ``technician``; empty = eligible.

    In order: inactive, no valid certificate for the product category on ``day``, area
    not covered, not a working day, absent, day full, and — only when
    ``training_blocks`` — annual training incomplete.
    """
    reasons = []
    if not technician.active:
        reasons.append(Ineligibility.INACTIVE.value)
    if not facts.certified:
        reasons.append(Ineligibility.NOT_CERTIFIED.value)
    if not facts.covers_area:
        reasons.append(Ineligibility.AREA_NOT_COVERED.value)
    if str(day.isoweekday()) not in technician.working_days:
        reasons.append(Ineligibility.NOT_WORKING_DAY.value)
    if facts.absent:
        reasons.append(Ineligibility.ABSENT.value)
    if facts.booked >= technician.max_jobs_per_day:
        reasons.append(Ineligibility.DAY_FULL.value)
    if training_blocks and not facts.training_compliant:
        reasons.append(Ineligibility.TRAINING_INCOMPLETE.value)
    return reasons


def bookings_on(*, day, technician_ids, exclude_ticket_id=None):
    """Technician id → number of jobs booked on ``day`` (one grouped query).

    Every booking with an appointment that day counts, done or not; cancelled ones don't.
    """
    from tickets.models import Ticket

    start, end = local_day_bounds(day)
    rows = (
        Ticket.objects.filter(
            technician_id__in=technician_ids,
            appointment_start__gte=start,
            appointment_start__lt=end,
        )
        .exclude(status=TicketStatus.CANCELLED)
        .exclude(pk=exclude_ticket_id)
        .values("technician_id")
        .annotate(n=Count("id"))
    )
    return {row["technician_id"]: row["n"] for row in rows}


def ticket_category_id(ticket):
    """The product category the job needs a certificate for (None without a product)."""
    if ticket.product_id is None:
        return None
    from tickets.models import Product

    return (
        Product.objects.filter(pk=ticket.product_id).values_list("model__category_id", flat=True)
    ).first()


def certified_technician_ids(*, technician_ids, category_id, day):
    """Ids among ``technician_ids`` holding a certificate valid on ``day`` for the category.

    Without a category (a ticket with no registered product) any valid certificate
    counts: nobody goes out uncertified.
    """
    certificates = Certification.objects.valid_on(day).filter(technician_id__in=technician_ids)
    if category_id is not None:
        certificates = certificates.for_category(category_id)
    return set(certificates.order_by().values_list("technician_id", flat=True).distinct())


def training_year(day):
    """The training cycle ending on ``day``: the 365 days up to and including it.

    A rolling year rather than the calendar year, so compliance does not drop for
    everyone on 1 January.
    """
    return day - datetime.timedelta(days=364), day


def training_hours(*, technician_ids, start, end):
    """Technician id → (theory, practical) hours completed in [start, end] (one query)."""
    rows = (
        TrainingRecord.objects.filter(
            technician_id__in=technician_ids, completed_on__gte=start, completed_on__lte=end
        )
        .values("technician_id")
        .annotate(theory=Sum("theory_hours"), practical=Sum("practical_hours"))
    )
    return {row["technician_id"]: (row["theory"], row["practical"]) for row in rows}


def training_compliant(theory, practical):
    """Pure: do these annual hours meet the thresholds (TRAINING_MIN_*_HOURS)?"""
    return Decimal(theory or 0) >= Decimal(settings.TRAINING_MIN_THEORY_HOURS) and Decimal(
        practical or 0
    ) >= Decimal(settings.TRAINING_MIN_PRACTICAL_HOURS)


def eligibility_facts(*, technician_ids, ticket, day):
    """Technician id → ``EligibilityFacts`` for ``ticket`` on ``day``, in five queries
    whatever the number of technicians (category, area cover, certificates, absences,
    bookings, training hours share one query each)."""
    area_id = ticket.area_id
    covering = (
        set(
            Technician.areas.through.objects.filter(
                area_id=area_id, technician_id__in=technician_ids
            ).values_list("technician_id", flat=True)
        )
        if area_id is not None
        else set(technician_ids)
    )
    certified = certified_technician_ids(
        technician_ids=technician_ids, category_id=ticket_category_id(ticket), day=day
    )
    absent = set(
        Absence.objects.on(day)
        .filter(technician_id__in=technician_ids)
        .order_by()
        .values_list("technician_id", flat=True)
    )
    booked = bookings_on(day=day, technician_ids=technician_ids, exclude_ticket_id=ticket.pk)
    start, end = training_year(day)
    hours = training_hours(technician_ids=technician_ids, start=start, end=end)
    return {
        pk: EligibilityFacts(
            covers_area=pk in covering,
            certified=pk in certified,
            absent=pk in absent,
            booked=booked.get(pk, 0),
            training_compliant=training_compliant(*hours.get(pk, (0, 0))),
        )
        for pk in technician_ids
    }


def technician_eligibility(*, technician, ticket, start, end):
    """Reasons why ``technician`` may not take ``ticket`` in [start, end); empty = eligible."""
    day = timezone.localtime(start).date()
    facts = eligibility_facts(technician_ids=[technician.pk], ticket=ticket, day=day)
    return eligibility_reasons(
        technician=technician,
        day=day,
        facts=facts[technician.pk],
        training_blocks=settings.TRAINING_BLOCKS_DISPATCH,
    )


def technician_lock(*, technician_id):
    """Lock the technician row so two dispatchers cannot fill the same last slot."""
    return Technician.objects.select_for_update().get(pk=technician_id)


# --- Technicians ---------------------------------------------------------------------------


@transaction.atomic
def technician_create(
    *,
    actor,
    username,
    full_name,
    phone,
    employee_no,
    areas=(),
    max_jobs_per_day=6,
    working_days="1234567",
    home_outlet=None,
    password=None,
):
    """Create the technician and their sign-in (group ``technician``).

    Without a password the account cannot sign in until one is set. Writes a
    ``technician.created`` audit event (the password never enters it).
    """
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("This username is taken.")]})
    if Technician.objects.filter(employee_no=employee_no).exists():
        raise ValidationError({"employee_no": [_("This employee number is taken.")]})
    user = user_model(username=username, first_name=full_name[:150])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.TECHNICIAN)[0])
    technician = Technician.objects.create(
        user=user,
        full_name=full_name,
        phone=phone,
        employee_no=employee_no,
        max_jobs_per_day=max_jobs_per_day,
        working_days=working_days,
        home_outlet=_outlet(home_outlet),
    )
    technician.areas.set(areas)
    location_create_van(technician=technician, actor=actor)
    audit_record(
        actor=actor,
        action="technician.created",
        obj=technician,
        changes={
            "username": username,
            "employee_no": employee_no,
            "areas": sorted(a.code for a in areas),
            "max_jobs_per_day": max_jobs_per_day,
            "working_days": working_days,
            "home_outlet": home_outlet.code if home_outlet else None,
        },
    )
    return technician


def _outlet(location):
    """A home outlet must be a service outlet (not a warehouse or a van)."""
    if location is not None and location.kind != "outlet":
        raise ValidationError({"home_outlet": [_("Choose a service outlet.")]})
    return location


UPDATABLE_FIELDS = (
    "full_name",
    "phone",
    "max_jobs_per_day",
    "working_days",
    "home_outlet",
    "active",
)


@transaction.atomic
def technician_update(*, technician, actor, areas=None, **fields):
    """Change a technician's profile (name, phone, capacity, working days, areas, active).

    Locks the row (dispatch reads capacity under the same lock). Writes one
    ``technician.updated`` audit event with before/after values of what changed.
    """
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    technician = technician_lock(technician_id=technician.pk)
    changes = {}
    for field, value in fields.items():
        before = getattr(technician, field)
        if before != value:
            if field == "home_outlet":
                _outlet(value)
                changes[field] = [getattr(before, "code", None), getattr(value, "code", None)]
            else:
                changes[field] = [before, value]
            setattr(technician, field, value)
    if changes:
        technician.full_clean(exclude=["user", "areas"])
        technician.save(update_fields=list(changes))
    if areas is not None:
        before = sorted(technician.areas.values_list("code", flat=True))
        after = sorted(a.code for a in areas)
        if before != after:
            technician.areas.set(areas)
            changes["areas"] = [before, after]
    if changes:
        audit_record(actor=actor, action="technician.updated", obj=technician, changes=changes)
    return technician


# --- Certificates --------------------------------------------------------------------------


def certification_latest_expiry(*, type, issued_on):
    """The expiry a certificate of ``type`` issued on ``issued_on`` gets by default, and
    may not exceed: the type's validity in calendar months."""
    return issued_on + relativedelta(months=type.validity_months)


def certification_errors(*, type, number, issued_on, expires_on):
    """Field → messages against recording this certificate (empty: fine). The one check
    the API and the admin share: dates in order and within the type's validity, issued
    already, number not yet recorded for the type."""
    latest = certification_latest_expiry(type=type, issued_on=issued_on)
    errors = {}
    if expires_on <= issued_on:
        errors["expires_on"] = [_("A certificate must expire after its issue date.")]
    elif expires_on > latest:
        errors["expires_on"] = [
            _("A %(type)s certificate is valid for at most %(months)s months (until %(date)s).")
            % {"type": type.name, "months": type.validity_months, "date": latest.isoformat()}
        ]
    if issued_on > timezone.localdate():
        errors["issued_on"] = [_("The issue date cannot be in the future.")]
    if Certification.objects.filter(type=type, number=number).exists():
        errors["number"] = [_("A certificate of this type with this number is already recorded.")]
    return errors


@transaction.atomic
def certification_create(
    *,
    actor,
    technician,
    type,
    number,
    issued_on,
    expires_on=None,
    issuer="",
    document=None,
):
    """Record a certificate a supervisor has checked (they become ``verified_by``).

    ``expires_on`` defaults to ``issued_on`` + the type's validity and may not exceed
    it. A renewal is a new certificate: the old one stays as history. Writes a
    ``certification.created`` audit event.
    """
    expires_on = expires_on or certification_latest_expiry(type=type, issued_on=issued_on)
    errors = certification_errors(
        type=type, number=number, issued_on=issued_on, expires_on=expires_on
    )
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    certification = Certification.objects.create(
        technician=technician,
        type=type,
        number=number,
        issuer=issuer,
        issued_on=issued_on,
        expires_on=expires_on,
        document=document or "",
        verified_by=actor if getattr(actor, "is_authenticated", False) else None,
        verified_at=timezone.now(),
        status=certification_status(
            issued_on=issued_on, expires_on=expires_on, revoked=False, day=today
        ),
        # Reminders whose moment has passed are not sent late for a paper just recorded.
        notified_30_on=today if (expires_on - today).days < 7 else None,
    )
    audit_record(
        actor=actor,
        action="certification.created",
        obj=certification,
        changes={
            "technician": technician.pk,
            "type": type.code,
            "number": number,
            "issuer": issuer,
            "issued_on": issued_on.isoformat(),
            "expires_on": expires_on.isoformat(),
        },
    )
    return certification


@transaction.atomic
def certification_update(*, certification, actor, **fields):
    """Correct a certificate's paperwork: ``number``, ``issuer`` or ``document``.

    The dates are not editable (a renewal is a new certificate) and a revoked
    certificate is closed. Writes ``certification.updated`` with before/after values.
    """
    fixed = set(fields) - {"number", "issuer", "document"}
    if fixed:
        message = _("Dates and type are fixed; record a renewal as a new certificate.")
        raise ValidationError({field: [message] for field in fixed})
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    if certification.revoked_at is not None:
        raise ValidationError({"non_field_errors": [_("A revoked certificate cannot change.")]})
    changes = {}
    for field, value in fields.items():
        before = getattr(certification, field)
        if field == "document":  # a new upload always replaces; the audit keeps the names
            changes[field] = [before.name or "", getattr(value, "name", value)]
            certification.document = value
            continue
        if before != value:
            changes[field] = [before, value]
            setattr(certification, field, value)
    if changes:
        certification.save(update_fields=list(changes))
        audit_record(
            actor=actor, action="certification.updated", obj=certification, changes=changes
        )
    return certification


@transaction.atomic
def certification_revoke(*, certification, actor, reason):
    """Withdraw a certificate (fraud, misconduct, failed re-assessment); final.

    Writes ``certification.revoked``. Jobs already booked keep their technician: the
    supervisor sees the reason on the next reschedule, which re-checks eligibility.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the certificate is revoked.")]})
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    if certification.revoked_at is not None:
        raise ValidationError({"non_field_errors": [_("This certificate is already revoked.")]})
    before = certification.status
    certification.revoked_at = timezone.now()
    certification.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    certification.revoke_reason = reason.strip()
    certification.status = CertificationStatus.REVOKED
    certification.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "status"])
    audit_record(
        actor=actor,
        action="certification.revoked",
        obj=certification,
        changes={"status": [before, CertificationStatus.REVOKED], "reason": reason.strip()},
    )
    return certification


@transaction.atomic
def certification_expiry_sweep(*, today=None):
    """The daily pass: keep ``status`` true and queue the 30- and 7-day expiry reminders.

    Only certificates not revoked and expiring within 30 days (or just expired) are
    read, under ``SKIP LOCKED`` so two workers never both take one. A reminder is
    marked sent in the same transaction that queues it (after commit), so each is sent
    once — a missed day still sends it, a second run the same day sends nothing.
    Returns ``(status_changes, reminders_queued)``.
    """
    from .tasks import certification_notify_expiry_task

    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(REMINDER_DAYS))
    certificates = list(
        Certification.objects.filter(revoked_at__isnull=True, expires_on__lte=horizon)
        .exclude(status=CertificationStatus.EXPIRED, notified_7_on__isnull=False)
        .select_for_update(skip_locked=True)
        .order_by("expires_on", "pk")
    )
    changed = reminders = 0
    for certification in certificates:
        update, audit = [], {}
        status = certification.status_on(today)
        if status != certification.status:
            audit["status"] = [certification.status, status]
            certification.status = status
            update.append("status")
            changed += 1
        days_left = (certification.expires_on - today).days
        due = None
        if 0 <= days_left <= 7 and certification.notified_7_on is None:
            due = 7
            certification.notified_7_on = today
            update.append("notified_7_on")
            if certification.notified_30_on is None:  # one message, not two, on a late start
                certification.notified_30_on = today
                update.append("notified_30_on")
        elif 7 < days_left <= 30 and certification.notified_30_on is None:
            due = 30
            certification.notified_30_on = today
            update.append("notified_30_on")
        elif days_left < 0 and certification.notified_7_on is None:
            # Expired before any reminder could go: mark it so it is not read again.
            certification.notified_7_on = today
            update.append("notified_7_on")
        if not update:
            continue
        certification.save(update_fields=update)
        if due:
            audit["reminder_days"] = due
            reminders += 1
            pk = certification.pk
            transaction.on_commit(
                lambda pk=pk, due=due: certification_notify_expiry_task.delay(pk, due)
            )
        audit_record(actor=None, action="certification.swept", obj=certification, changes=audit)
    return changed, reminders


def certification_notify_expiry(*, certification_id, days):
    """Tell the holder and the supervisors that a certificate expires in ``days`` days.

    Sent through the SLA notification channels (e-mail by default). Called by the task
    queued after the sweep's commit; the sweep guarantees once per reminder.
    """
    from django.utils.module_loading import import_string

    certification = Certification.objects.select_related("technician__user", "type").get(
        pk=certification_id
    )
    technician = certification.technician
    supervisors = set(
        get_user_model()
        .objects.filter(groups__name=Role.SUPERVISOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    recipients = supervisors | ({technician.user.email} if technician.user.email else set())
    subject = (
        f"[Aftersales] Certificate {certification.type.code} {certification.number} of "
        f"{technician.full_name} expires in {days} days"
    )
    body = (
        f"{technician.full_name} ({technician.employee_no}): certificate "
        f"{certification.type.name} no. {certification.number} expires on "
        f"{certification.expires_on.isoformat()}.\n"
        "After that date they can no longer be dispatched for the product categories it "
        "covers. Record the renewed certificate in Aftersales once it is issued."
    )
    for path in settings.SLA_NOTIFICATION_CHANNELS:
        import_string(path)(recipients, subject, body)
    return sorted(recipients)


# --- Training and absences ------------------------------------------------------------------


@transaction.atomic
def training_record_create(
    *, actor, technician, course, completed_on, theory_hours=0, practical_hours=0, score=None
):
    """Record a completed course; writes ``training.recorded``."""
    errors = {}
    if not (theory_hours or practical_hours):
        errors["theory_hours"] = [_("A course has theory or practical hours.")]
    if completed_on > timezone.localdate():
        errors["completed_on"] = [_("The completion date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    record = TrainingRecord.objects.create(
        technician=technician,
        course=course,
        completed_on=completed_on,
        theory_hours=theory_hours,
        practical_hours=practical_hours,
        score=score,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
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


@transaction.atomic
def absence_create(*, actor, technician, kind, starts_on, ends_on, note=""):
    """Record leave or sick days (inclusive). Writes ``absence.recorded``.

    Jobs already booked in the period are not moved; they are returned so the caller
    can show who needs rescheduling.
    """
    from tickets.models import Ticket

    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("An absence cannot end before it starts.")]})
    technician_lock(technician_id=technician.pk)
    absence = Absence.objects.create(
        technician=technician,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
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


# --- Certification types -------------------------------------------------------------------


@transaction.atomic
def certification_type_create(*, actor, code, name, validity_months, categories=()):
    """Add a kind of certificate and the product categories it qualifies for."""
    from .models import CertificationType

    if CertificationType.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("This code is taken.")]})
    cert_type = CertificationType.objects.create(
        code=code, name=name, validity_months=validity_months
    )
    cert_type.categories.set(categories)
    audit_record(
        actor=actor,
        action="certification_type.created",
        obj=cert_type,
        changes={
            "code": code,
            "name": name,
            "validity_months": validity_months,
            "categories": sorted(c.code for c in categories),
        },
    )
    return cert_type


@transaction.atomic
def certification_type_update(
    *, cert_type, actor, name=None, validity_months=None, categories=None
):
    """Rename, change the validity of new certificates, or the categories it qualifies for.

    Certificates already recorded keep their dates; a category change applies to
    dispatch at once (it is what the type qualifies for).
    """
    changes = {}
    for field, value in (("name", name), ("validity_months", validity_months)):
        if value is not None and getattr(cert_type, field) != value:
            changes[field] = [getattr(cert_type, field), value]
            setattr(cert_type, field, value)
    if changes:
        cert_type.save(update_fields=list(changes))
    if categories is not None:
        before = sorted(cert_type.categories.values_list("code", flat=True))
        after = sorted(c.code for c in categories)
        if before != after:
            cert_type.categories.set(categories)
            changes["categories"] = [before, after]
    if changes:
        audit_record(
            actor=actor, action="certification_type.updated", obj=cert_type, changes=changes
        )
    return cert_type


@transaction.atomic
def absence_cancel(*, absence, actor):
    """Withdraw a recorded absence (leave cancelled). Writes ``absence.cancelled``."""
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
