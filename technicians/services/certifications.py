"""Certificates and their types: record, correct, revoke, keep their status true."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.platform.models import Notification, NotificationChannel, NotificationKind
from aftersales.platform.selectors import staff_to_notify
from aftersales.platform.services import notify
from aftersales.roles import Role, acting_user, role_require
from aftersales.unique import unique_or_invalid
from aftersales.uploads import CERTIFICATE_DOCUMENT, clean_upload, delete_on_commit
from audits.services import audit_record

from ..choices import MANAGER_ROLES, CertificationStatus
from ..eligibility import certification_latest_expiry
from ..models import Certification, CertificationType, certification_status

REMINDER_DAYS = (30, 7)
DUPLICATE_NUMBER = gettext_noop("A certificate of this type with this number is already recorded.")


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
        errors["number"] = [_(DUPLICATE_NUMBER)]
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
    it. A renewal is a new certificate: the old one stays as history. ``document``: a
    scan, PDF or image (``aftersales.uploads``: size, type by content, re-encoded).
    Writes a ``certification.created`` audit event.
    """
    role_require(actor, *MANAGER_ROLES)
    if document:
        document = clean_upload(document, kind=CERTIFICATE_DOCUMENT, field="document")
    expires_on = expires_on or certification_latest_expiry(type=type, issued_on=issued_on)
    errors = certification_errors(
        type=type, number=number, issued_on=issued_on, expires_on=expires_on
    )
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    with unique_or_invalid("number", _(DUPLICATE_NUMBER)):
        certification = Certification.objects.create(
            technician=technician,
            type=type,
            number=number,
            issuer=issuer,
            issued_on=issued_on,
            expires_on=expires_on,
            document=document or "",
            verified_by=acting_user(actor),
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
    certificate is closed. A new ``document`` (checked as on creation) replaces the old
    one, and a falsy one removes it; the file let go of is deleted from storage once the
    change commits (kept if it rolls back). Writes ``certification.updated`` with
    before/after values.
    """
    role_require(actor, *MANAGER_ROLES)
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
            value = clean_upload(value, kind=CERTIFICATE_DOCUMENT, field=field) if value else ""
            if not value and not before:
                continue
            delete_on_commit(before)
            certification.document = value
            changes[field] = [before.name or "", certification.document.name or ""]
            continue
        if before != value:
            changes[field] = [before, value]
            setattr(certification, field, value)
    if "number" in changes and (
        Certification.objects.filter(type_id=certification.type_id, number=certification.number)
        .exclude(pk=certification.pk)
        .exists()
    ):
        raise ValidationError({"number": [_(DUPLICATE_NUMBER)]})
    if changes:
        try:
            with transaction.atomic():  # a racing correction to the same number
                certification.save(update_fields=list(changes))
        except IntegrityError as exc:
            raise ValidationError({"number": [_(DUPLICATE_NUMBER)]}) from exc
        if "document" in changes:  # the name the storage gave it
            changes["document"][1] = certification.document.name or ""
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
    role_require(actor, *MANAGER_ROLES)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the certificate is revoked.")]})
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    if certification.revoked_at is not None:
        raise ValidationError({"non_field_errors": [_("This certificate is already revoked.")]})
    before = certification.status
    certification.revoked_at = timezone.now()
    certification.revoked_by = acting_user(actor)
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
    marked sent in the same transaction that writes its notifications (the outbox,
    delivered after commit), so each is sent once — a missed day still sends it, a
    second run the same day sends nothing. Returns ``(status_changes, reminders_queued)``.
    """
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(REMINDER_DAYS))
    certificates = list(
        Certification.objects.filter(revoked_at__isnull=True, expires_on__lte=horizon)
        .exclude(status=CertificationStatus.EXPIRED, notified_7_on__isnull=False)
        .select_related("technician__user", "type")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("expires_on", "pk")
    )
    changed = reminders = 0
    supervisors = None
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
            if supervisors is None:
                supervisors = staff_to_notify(role=Role.SUPERVISOR)
            _expiry_reminder_queue(certification, due, supervisors=supervisors)
        audit_record(actor=None, action="certification.swept", obj=certification, changes=audit)
    return changed, reminders


def _expiry_reminder_queue(certification, days, *, supervisors=None):
    """Write the reminder's notifications: the holder and the supervisors."""
    technician = certification.technician
    if supervisors is None:
        supervisors = staff_to_notify(role=Role.SUPERVISOR)
    rows = notify(
        kind=NotificationKind.CERTIFICATE_EXPIRY,
        recipients=[technician.user, *supervisors],
        context={
            "type_code": certification.type.code,
            "type_name": certification.type.name,
            "number": certification.number,
            "holder": technician.full_name,
            "employee_no": technician.employee_no,
            "expires_on": certification.expires_on,
            "days": days,
        },
        dedupe_key=f"certificate-expiry:{certification.pk}:{days}",
    )
    return rows


@transaction.atomic
def certification_notify_expiry(*, certification_id, days):
    """Queue the reminder that a certificate expires in ``days`` days, unless it already is.

    The sweep queues reminders itself; this remains for messages of the former
    ``certification_notify_expiry_task``. Returns the e-mail addresses the reminder goes to
    (whether queued now or before).
    """
    certification = Certification.objects.select_related("technician__user", "type").get(
        pk=certification_id
    )
    _expiry_reminder_queue(certification, days)
    return sorted(
        Notification.objects.filter(
            dedupe_key=f"certificate-expiry:{certification.pk}:{days}",
            channel=NotificationChannel.EMAIL,
        )
        .exclude(address="")
        .values_list("address", flat=True)
    )


@transaction.atomic
def certification_type_create(*, actor, code, name, validity_months, categories=()):
    """Add a kind of certificate and the product categories it qualifies for."""
    role_require(actor, *MANAGER_ROLES)
    if CertificationType.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("This code is taken.")]})
    with unique_or_invalid("code", _("This code is taken.")):
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
    role_require(actor, *MANAGER_ROLES)
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
