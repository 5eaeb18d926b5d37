"""Quality audits (监督审核): sampling, checklists, findings, corrective actions."""

import math
import random
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.dates import local_day_bounds
from aftersales.exceptions import ActionForbidden, ApplicationError
from aftersales.platform.models import NotificationKind
from aftersales.platform.selectors import staff_to_notify
from aftersales.platform.services import notify
from aftersales.roles import Role, role_require
from aftersales.uploads import EVIDENCE, clean_upload, delete_on_commit
from audits.choices import (
    CHECKLIST_ITEMS,
    CorrectiveActionStatus,
    FindingStatus,
    QualityAuditStatus,
)
from audits.models import AuditSample, CorrectiveAction, Finding, QualityAudit
from audits.services import audit_record
from parts.models import TicketPart
from parts.services import line_is_charged
from tickets.choices import TicketStatus
from tickets.models import Ticket

CLOSED_STATUSES = (TicketStatus.CLOSED, TicketStatus.FOLLOWED_UP)


def draw_sample(ids_by_group, *, percent, minimum, seed):
    """Pure: per group, ``percent`` % of its ids (rounded up), at least ``minimum`` (or all).

    Reproducible: each group draws from its own ``random.Random`` seeded with the audit
    seed and the group key, over the ids in ascending order, so adding a group or a
    ticket elsewhere does not change another group's draw.
    """
    chosen = {}
    for group, ids in sorted(ids_by_group.items(), key=lambda item: str(item[0])):
        ids = sorted(ids)
        size = min(len(ids), max(minimum, math.ceil(len(ids) * percent / 100)))
        chosen[group] = sorted(random.Random(f"{seed}:{group}").sample(ids, size))
    return chosen


def checklist_prefill(ticket, parts=()):
    """What the record says for each checklist item (True/False, None when unknowable).

    ``parts`` are the job's ``parts.TicketPart`` lines. With lines, "parts" is recorded
    and "charges_correct" asks whether every line the charging rule
    (``parts.services.line_is_charged``) makes chargeable was charged; without lines both
    are left to the auditor (a job may need no parts, and labour is not itemised).
    """
    response_met = ticket.responded_at is not None and ticket.responded_at <= ticket.response_due_at
    dispatch_stop = ticket.dispatched_at or ticket.completed_at
    dispatch_met = dispatch_stop is not None and dispatch_stop <= ticket.dispatch_due_at
    satisfaction = ticket.follow_up_satisfaction or ticket.satisfaction
    values = {
        "fault_code": bool(ticket.fault_code),
        "parts": True if parts else None,
        "signature": bool(ticket.confirmation_signature),
        "satisfaction": satisfaction is not None,
        "sla_met": response_met and dispatch_met,
        "charges_correct": (
            all(
                line.charged or not line_is_charged(ticket=ticket, part=line.part) for line in parts
            )
            if parts
            else None
        ),
    }
    return {item: values[item] for item in CHECKLIST_ITEMS}


def quality_audit_create(
    *,
    actor,
    title,
    period_start,
    period_end,
    sample_percent=10,
    sample_min=1,
    seed=None,
    draw=True,
):
    """Create a quality audit over the tickets closed in [period_start, period_end] and
    draw its sample (``draw_sample``, grouped per technician; tickets closed without a
    technician — remote fixes — form one group). Auditors and supervisors (issue 14: the
    auditors run their sampling checks themselves). Writes the audit, one ``AuditSample``
    per sampled ticket with its pre-filled checklist, and an audit event. ``draw=False``
    opens the audit without a sample (the period-end evaluation of service targets files its
    findings in one).
    """

    role_require(actor, Role.AUDITOR, Role.SUPERVISOR)
    if period_end < period_start:
        raise ValidationError({"period_end": [_("The period ends before it starts.")]})
    if not 1 <= sample_percent <= 100:
        raise ValidationError({"sample_percent": [_("The sample percentage is 1–100.")]})
    seed = seed if seed is not None else secrets.randbelow(2**62)
    start, end = local_day_bounds(period_start, period_end)
    with transaction.atomic():
        audit = QualityAudit.objects.create(
            title=title,
            period_start=period_start,
            period_end=period_end,
            sample_percent=sample_percent,
            sample_min=sample_min,
            seed=seed,
            created_by=actor,
        )
        ids_by_group = {}
        closed = Ticket.objects.filter(
            closed_at__gte=start, closed_at__lt=end, status__in=CLOSED_STATUSES
        ).values_list("id", "technician_id")
        for ticket_id, technician_id in closed if draw else ():
            ids_by_group.setdefault(technician_id or 0, []).append(ticket_id)
        chosen = draw_sample(ids_by_group, percent=sample_percent, minimum=sample_min, seed=seed)
        ids = [ticket_id for group in chosen.values() for ticket_id in group]
        tickets = Ticket.objects.in_bulk(ids)
        lines = {}
        for line in TicketPart.objects.filter(ticket_id__in=ids).select_related("part"):
            lines.setdefault(line.ticket_id, []).append(line)
        AuditSample.objects.bulk_create(
            AuditSample(
                audit=audit,
                ticket_id=ticket_id,
                technician_id=tickets[ticket_id].technician_id,
                prefilled=checklist_prefill(tickets[ticket_id], lines.get(ticket_id, ())),
            )
            for ticket_id in sorted(ids)
        )
        audit_record(
            actor=actor,
            action="quality_audit.created",
            obj=audit,
            changes={
                "period": [period_start.isoformat(), period_end.isoformat()],
                "sample_percent": sample_percent,
                "sample_min": sample_min,
                "seed": seed,
                "sampled": len(ids),
            },
        )
    return audit


def audit_sample_confirm(*, sample, actor, checks, note=""):
    """The auditor confirms (or corrects) the pre-filled checklist of a sampled ticket.

    Auditors and supervisors; the audit must be open. ``checks`` maps checklist items to
    True/False (missing items keep their pre-filled value; None ones must be given).
    """
    role_require(actor, Role.AUDITOR, Role.SUPERVISOR)
    unknown = set(checks) - set(CHECKLIST_ITEMS)
    if unknown:
        raise ValidationError(
            {
                "checks": [
                    _("Unknown checklist items: %(items)s.") % {"items": ", ".join(sorted(unknown))}
                ]
            }
        )
    with transaction.atomic():
        sample = AuditSample.objects.select_for_update().select_related("audit").get(pk=sample.pk)
        if sample.audit.status != QualityAuditStatus.OPEN:
            raise ApplicationError(_("The audit is closed."), code="audit_closed")
        confirmed = {item: checks.get(item, sample.prefilled.get(item)) for item in CHECKLIST_ITEMS}
        missing = [item for item, value in confirmed.items() if value is None]
        if missing:
            raise ValidationError(
                {"checks": [_("Confirm these items: %(items)s.") % {"items": ", ".join(missing)}]}
            )
        before = sample.checks
        sample.checks, sample.note = confirmed, note
        sample.confirmed_by, sample.confirmed_at = actor, timezone.now()
        sample.save(update_fields=["checks", "note", "confirmed_by", "confirmed_at"])
        audit_record(
            actor=actor,
            action="audit_sample.confirmed",
            obj=sample,
            ticket=sample.ticket,
            changes={"checks": [before, confirmed], "prefilled": sample.prefilled},
        )
    return sample


def finding_open(*, audit, actor, severity, description, sample=None):
    """Record a nonconformity found by ``audit`` (auditors and supervisors; open audits)."""
    role_require(actor, Role.AUDITOR, Role.SUPERVISOR)
    if sample is not None and sample.audit_id != audit.pk:
        raise ValidationError({"sample": [_("The sample belongs to another audit.")]})
    if audit.status != QualityAuditStatus.OPEN:
        raise ApplicationError(_("The audit is closed."), code="audit_closed")
    with transaction.atomic():
        finding = Finding.objects.create(
            audit=audit, sample=sample, severity=severity, description=description,
            created_by=actor,
        )  # fmt: skip
        audit_record(
            actor=actor,
            action="finding.opened",
            obj=finding,
            ticket=sample.ticket if sample else None,
            changes={"audit": audit.pk, "severity": severity, "description": description},
        )
    return finding


def corrective_action_create(*, finding, actor, owner, description, due_on):
    """Assign a corrective action on an open finding to ``owner``, due ``due_on``."""
    role_require(actor, Role.AUDITOR, Role.SUPERVISOR)
    if finding.status != FindingStatus.OPEN:
        raise ApplicationError(_("The finding is closed."), code="finding_closed")
    with transaction.atomic():
        action = CorrectiveAction.objects.create(
            finding=finding, owner=owner, description=description, due_on=due_on,
            created_by=actor,
        )  # fmt: skip
        audit_record(
            actor=actor,
            action="corrective_action.created",
            obj=action,
            changes={"finding": finding.pk, "owner": owner.pk, "due_on": due_on.isoformat()},
        )
    return action


def corrective_action_submit(*, action, actor, evidence=None, note=""):
    """The owner submits the evidence that the action is done (file and/or note).

    The file is checked and cleaned by ``aftersales.uploads`` (PDF or image, size limit,
    images re-encoded); a new file replaces the earlier one, which is deleted from storage
    once the change commits.
    """
    if actor.pk != action.owner_id:
        raise ActionForbidden(_("Only the owner submits evidence for this action."))
    if not evidence and not note:
        raise ValidationError({"evidence": [_("Give an evidence file or a note.")]})
    if evidence:
        evidence = clean_upload(evidence, kind=EVIDENCE, field="evidence")
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
        if action.status == CorrectiveActionStatus.VERIFIED:
            raise ApplicationError(_("The action is already verified."), code="already_verified")
        before = action.status
        if evidence:
            delete_on_commit(action.evidence)
            action.evidence = evidence
        action.evidence_note = note
        action.status = CorrectiveActionStatus.SUBMITTED
        action.submitted_at = timezone.now()
        action.save()
        audit_record(
            actor=actor,
            action="corrective_action.submitted",
            obj=action,
            changes={
                "status": [before, action.status],
                "evidence": action.evidence.name or None,
                "evidence_note": note,
            },
        )
    return action


def corrective_action_verify(*, action, actor, effective, note=""):
    """Someone other than the owner verifies the action (auditors and supervisors).

    Effective: the action is verified, and its finding closes when all of its actions
    are. Not effective: back to open for the owner, with the verifier's note.
    """
    role_require(actor, Role.AUDITOR, Role.SUPERVISOR)
    if actor.pk == action.owner_id:
        raise ActionForbidden(
            _("The owner of a corrective action may not verify it."), code="verifier_is_owner"
        )
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
        if action.status != CorrectiveActionStatus.SUBMITTED:
            raise ApplicationError(
                _("Only an action with submitted evidence can be verified."),
                code="evidence_required",
            )
        before = action.status
        action.status = (
            CorrectiveActionStatus.VERIFIED if effective else CorrectiveActionStatus.OPEN
        )
        action.verification_note = note
        action.verified_by = actor if effective else None
        action.verified_at = timezone.now() if effective else None
        action.save()
        audit_record(
            actor=actor,
            action="corrective_action.verified" if effective else "corrective_action.rejected",
            obj=action,
            changes={"status": [before, action.status], "note": note},
        )
        finding = Finding.objects.select_for_update().get(pk=action.finding_id)
        pending = finding.actions.exclude(status=CorrectiveActionStatus.VERIFIED).exists()
        if effective and not pending and finding.status == FindingStatus.OPEN:
            finding.status, finding.closed_at = FindingStatus.CLOSED, timezone.now()
            finding.save(update_fields=["status", "closed_at"])
            audit_record(
                actor=actor,
                action="finding.closed",
                obj=finding,
                changes={"status": [FindingStatus.OPEN, FindingStatus.CLOSED]},
            )
    return action


def quality_audit_close(*, audit, actor):
    """Close an audit once every sample is confirmed (auditors and supervisors)."""
    role_require(actor, Role.AUDITOR, Role.SUPERVISOR)
    with transaction.atomic():
        audit = QualityAudit.objects.select_for_update().get(pk=audit.pk)
        if audit.status != QualityAuditStatus.OPEN:
            raise ApplicationError(_("The audit is already closed."), code="audit_closed")
        if audit.samples.filter(confirmed_at__isnull=True).exists():
            raise ApplicationError(_("Confirm every sample first."), code="samples_unconfirmed")
        audit.status, audit.closed_at = QualityAuditStatus.CLOSED, timezone.now()
        audit.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action="quality_audit.closed",
            obj=audit,
            changes={"status": [QualityAuditStatus.OPEN, QualityAuditStatus.CLOSED]},
        )
    return audit


def corrective_actions_escalate_overdue(*, today=None):
    """Raise the escalation level of every unverified action past its due date, once a day.

    Level = days overdue capped at 3: the owner is told at every level, the supervisors
    too from level 2 (also at level 3: there is no separate manager list for quality).
    An action is touched only when its level rises, so repeated runs the same day do
    nothing. Writes ``corrective_action.escalated`` and the notifications (one per
    recipient and channel, ``dedupe_key`` ``corrective-action:<id>:<level>``) in one
    transaction; delivery follows its commit. Returns the escalated actions' ids.
    """
    today = today or timezone.localdate()
    escalated = []
    supervisors = None
    with transaction.atomic():
        overdue = CorrectiveAction.objects.overdue(today).select_for_update(skip_locked=True)
        for action in overdue.select_related("owner").order_by("id"):
            level = min(3, (today - action.due_on).days)
            if level <= action.escalation_level:
                continue
            before = action.escalation_level
            action.escalation_level, action.escalated_at = level, timezone.now()
            action.save(update_fields=["escalation_level", "escalated_at"])
            audit_record(
                actor=None,
                action="corrective_action.escalated",
                obj=action,
                changes={"escalation_level": [before, level], "due_on": action.due_on.isoformat()},
            )
            recipients = [action.owner]
            if level >= 2:
                if supervisors is None:
                    supervisors = staff_to_notify(role=Role.SUPERVISOR)
                recipients += supervisors
            notify(
                kind=NotificationKind.CORRECTIVE_ACTION_ESCALATION,
                recipients=recipients,
                context={
                    "action": action.pk,
                    "due_on": action.due_on,
                    "level": level,
                    "description": action.description,
                },
                dedupe_key=f"corrective-action:{action.pk}:{level}",
            )
            escalated.append(action.pk)
    return escalated
