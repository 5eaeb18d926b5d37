"""Writes of the costs app: cost rates, expense claims and their approval chain, budgets.

Every function runs in one transaction, checks the actor's role with ``role_require``,
raises coded ``ApplicationError``s (or a ``ValidationError`` for bad input) before
writing anything, and records its audit event beside the change. Messages go through
the notification outbox (``aftersales.platform.services.notify``), delivered after commit.
"""

import datetime
import hashlib
import io
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from aftersales.exceptions import ActionForbidden, ApplicationError, StaleVersion
from aftersales.platform.services import notify
from aftersales.roles import Role, acting_user, has_role, role_require
from aftersales.sequences import sequence_next
from aftersales.unique import unique_or_invalid
from aftersales.uploads import TICKET_ATTACHMENT, clean_upload
from audits.services import audit_record

from .choices import ClaimStatus, CostKind, ExpenseKind, StepDecision
from .models import Budget, CostRate, ExpenseApproval, ExpenseClaim, ExpenseClaimSequence

RATE_WRITERS = (Role.FINANCE, Role.MANAGER)
BUDGET_WRITERS = (Role.FINANCE, Role.MANAGER)
CLAIM_NUMBER_PREFIX = "BX"


class ClaimNotPending(ApplicationError):
    code = "invalid_transition"


class NotYourStep(ActionForbidden):
    """The actor's role is not the one the claim's current step waits for (403)."""


# --- The approval chain -------------------------------------------------------------------


def approval_steps(amount, chain=None):
    """The role codes that must approve a claim of ``amount``, in order, from ``chain``
    (default: the ``EXPENSE_APPROVAL_CHAIN`` setting). A step with ``above`` applies only
    to amounts strictly greater than it (the general manager's major spending)."""
    chain = settings.EXPENSE_APPROVAL_CHAIN if chain is None else chain
    steps = []
    for step in chain:
        above = step.get("above")
        if above is not None and Decimal(amount) <= Decimal(str(above)):
            continue
        steps.append(step["role"])
    return steps


def _claim_number_next(year):
    """The next claim number of ``year`` (BX-2026-000001), gap-free
    (``aftersales.sequences``: a rolled-back filing gives its number back)."""
    value = sequence_next(ExpenseClaimSequence, year=year)
    return f"{CLAIM_NUMBER_PREFIX}-{year}-{value:06d}"


def _money(value, field):
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: [_("Enter an amount.")]}) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: [_("Enter an amount with at most two decimals.")]})
    return amount


def _fit(raw, *, photo):
    """A phone camera's receipt photo scaled down to ``TICKET_PHOTO_MAX_SIDE`` pixels on
    its longer side (as ticket photos are), in its own format; a PDF or a small photo
    unchanged. ``raw`` already passed ``clean_upload`` (re-encoded, no EXIF)."""
    if not photo:
        return raw
    with Image.open(io.BytesIO(raw)) as image:
        side = settings.TICKET_PHOTO_MAX_SIDE
        if max(image.size) <= side:
            return raw
        fmt = image.format
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format=fmt, **({"quality": 85, "optimize": True} if fmt == "JPEG" else {}))
        return out.getvalue()


def _approvers(role):
    return list(
        get_user_model().objects.filter(is_active=True, groups__name=role).order_by("pk").distinct()
    )


def _claim_context(claim, **extra):
    return {
        "number": claim.number,
        "amount": str(claim.amount),
        "kind": ExpenseKind(claim.kind).label,
        "spent_on": claim.spent_on.isoformat(),
        "technician": claim.technician.full_name,
        **extra,
    }


@transaction.atomic
def expense_claim_file(*, actor, kind, amount, spent_on, receipt, ticket=None, note=""):
    """File an expense claim (报销) for the technician ``actor`` with its receipt photo.

    Preconditions: ``actor`` is a technician (403 ``forbidden``); ``kind`` an
    ``ExpenseKind``; ``amount`` positive, two decimals at most and at most
    ``EXPENSE_CLAIM_MAX_AMOUNT``; ``spent_on`` not in the future nor older than
    ``EXPENSE_CLAIM_MAX_AGE_DAYS``; ``ticket``, when given, a job assigned to them;
    ``receipt`` passes the ticket attachment upload rule (JPEG, PNG, WebP or PDF by its
    content, images re-encoded without EXIF) — else a ``ValidationError`` on the field.
    Writes the claim with its gapless number and the approval steps frozen from
    ``EXPENSE_APPROVAL_CHAIN`` for its amount, and an ``expense_claim.filed`` audit event;
    queues an ``expense_claim_step`` message to the first step's approvers.
    """
    role_require(actor, Role.TECHNICIAN, message=_("Only technicians file expense claims."))
    technician = getattr(actor, "technician", None) if actor is not None else None
    if technician is None:
        raise ActionForbidden(_("Only technicians file expense claims."))
    errors = {}
    if kind not in ExpenseKind.values:
        errors["kind"] = [_("Choose the kind of expense.")]
    try:
        amount = _money(amount, "amount")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        amount = None
    if amount is not None:
        if amount <= 0:
            errors["amount"] = [_("The amount must be more than zero.")]
        elif amount > settings.EXPENSE_CLAIM_MAX_AMOUNT:
            errors["amount"] = [
                _("A claim is at most %(max)s.") % {"max": settings.EXPENSE_CLAIM_MAX_AMOUNT}
            ]
    today = timezone.localdate()
    if not isinstance(spent_on, datetime.date):
        errors["spent_on"] = [_("Enter the date of the expense.")]
    elif spent_on > today:
        errors["spent_on"] = [_("The date of the expense cannot be in the future.")]
    elif (today - spent_on).days > settings.EXPENSE_CLAIM_MAX_AGE_DAYS:
        errors["spent_on"] = [
            _("Expenses older than %(days)s days can no longer be claimed.")
            % {"days": settings.EXPENSE_CLAIM_MAX_AGE_DAYS}
        ]
    if ticket is not None and ticket.technician_id != technician.pk:
        errors["ticket"] = [_("Choose one of your own jobs.")]
    note = (note or "").strip()
    if len(note) > 500:
        errors["note"] = [_("At most %(n)s characters.") % {"n": 500}]
    if not receipt:
        errors["receipt"] = [_("Add a photo of the receipt.")]
    if errors:
        raise ValidationError(errors)
    cleaned = clean_upload(receipt, kind=TICKET_ATTACHMENT, field="receipt")
    cleaned.seek(0)
    raw = _fit(cleaned.read(), photo=cleaned.file_type.pillow_format is not None)
    steps = approval_steps(amount)
    claim = ExpenseClaim(
        number=_claim_number_next(today.year),
        technician=technician,
        claimant=actor,
        kind=kind,
        amount=amount,
        spent_on=spent_on,
        ticket=ticket,
        note=note,
        receipt_content_type=cleaned.content_type,
        steps=steps,
        waiting_role=steps[0] if steps else "",
        status=ClaimStatus.PENDING if steps else ClaimStatus.APPROVED,
    )
    if not steps:
        claim.decided_at = timezone.now()
    claim.receipt.save(cleaned.name, ContentFile(raw), save=False)
    stored = claim.receipt.name
    try:
        claim.save(force_insert=True)
        audit_record(
            actor=actor,
            action="expense_claim.filed",
            obj=claim,
            ticket=ticket,
            changes={
                "number": claim.number,
                "kind": kind,
                "amount": str(amount),
                "spent_on": spent_on.isoformat(),
                "steps": steps,
                "receipt_sha256": hashlib.sha256(raw).hexdigest(),
            },
        )
        if steps:
            notify(
                kind="expense_claim_step",
                recipients=_approvers(steps[0]),
                context=_claim_context(claim),
                dedupe_key=f"expense-claim-step:{claim.pk}:0",
            )
    except BaseException:
        claim.receipt.storage.delete(stored)
        raise
    return claim


def _decide(*, claim, actor, decision, comment, version):
    """Lock the claim and check the step: pending, the expected version, the actor's role
    is the waiting step's, the actor is not the claimant nor an earlier step's approver."""
    # Only the claim's row is locked (of=self): the technician it joins stays free.
    locked = (
        ExpenseClaim.objects.select_for_update(of=("self",))
        .select_related("technician")
        .get(pk=claim.pk)
    )
    if locked.status != ClaimStatus.PENDING:
        raise ClaimNotPending(_("This claim has already been decided."))
    if version is not None and int(version) != locked.version:
        raise StaleVersion(
            _("Someone decided on this claim meanwhile: reload it."),
            extra={"version": locked.version},
        )
    role = locked.waiting_role
    if actor is not None and actor.pk == locked.claimant_id:
        raise ActionForbidden(_("Nobody approves their own claim."))
    if not has_role(actor, role) and actor is not None:
        raise NotYourStep(_("This step waits for the role %(role)s.") % {"role": Role(role).label})
    if actor is not None and locked.approvals.filter(actor=actor).exists():
        raise ActionForbidden(_("One person decides one step of a claim, not two."))
    comment = (comment or "").strip()
    if decision == StepDecision.REJECTED and not comment:
        raise ValidationError({"comment": [_("Say why the claim is rejected.")]})
    if len(comment) > 500:
        raise ValidationError({"comment": [_("At most %(n)s characters.") % {"n": 500}]})
    now = timezone.now()
    step = locked.current_step
    ExpenseApproval.objects.create(
        claim=locked,
        step=step,
        role=role,
        decision=decision,
        actor=acting_user(actor),
        comment=comment,
        decided_at=now,
    )
    before = locked.status
    locked.version += 1
    if decision == StepDecision.REJECTED:
        locked.status, locked.waiting_role, locked.decided_at = ClaimStatus.REJECTED, "", now
    elif step + 1 >= len(locked.steps):
        locked.status, locked.waiting_role, locked.decided_at = ClaimStatus.APPROVED, "", now
        locked.current_step = step + 1
    else:
        locked.current_step = step + 1
        locked.waiting_role = locked.steps[step + 1]
    locked.save(update_fields=["status", "waiting_role", "decided_at", "current_step", "version"])
    audit_record(
        actor=actor,
        action=f"expense_claim.{decision}",
        obj=locked,
        ticket=locked.ticket,
        changes={
            "step": step,
            "role": role,
            "comment": comment,
            "status": [before, locked.status],
        },
    )
    context = _claim_context(
        locked, role=Role(role).label, comment=comment, status=ClaimStatus(locked.status).label
    )
    notify(
        kind="expense_claim_decision",
        recipients=[locked.claimant],
        context={**context, "decision": StepDecision(decision).label},
        dedupe_key=f"expense-claim-decision:{locked.pk}:{step}",
    )
    if locked.status == ClaimStatus.PENDING:
        notify(
            kind="expense_claim_step",
            recipients=[u for u in _approvers(locked.waiting_role) if u.pk != locked.claimant_id],
            context=_claim_context(locked),
            dedupe_key=f"expense-claim-step:{locked.pk}:{locked.current_step}",
        )
    return locked


@transaction.atomic
def expense_claim_approve(*, claim, actor, comment="", version=None):
    """Approve the step ``claim`` waits for, as ``actor`` with that step's role.

    Preconditions: the claim is pending (409 ``invalid_transition``); ``version``, when
    given, is the claim's (409 ``stale_version``); ``actor`` has the waiting step's role
    (403 ``forbidden``), is not the claimant and decided no earlier step of it (403).
    The claim's row lock makes concurrent decisions wait and the second one find the
    step already taken, so a step is never skipped nor decided twice.
    Writes an ``ExpenseApproval``, moves the claim to the next step (or approves it after
    the last), an ``expense_claim.approved`` audit event; notifies the claimant, and the
    next step's approvers.
    """
    return _decide(
        claim=claim, actor=actor, decision=StepDecision.APPROVED, comment=comment, version=version
    )


@transaction.atomic
def expense_claim_reject(*, claim, actor, comment, version=None):
    """Reject ``claim`` at the step it waits for, with the reason in ``comment``
    (required). The same preconditions, lock and writes as ``expense_claim_approve``; the
    claim ends rejected, and the claimant is told why."""
    return _decide(
        claim=claim, actor=actor, decision=StepDecision.REJECTED, comment=comment, version=version
    )


# --- Rates and budgets --------------------------------------------------------------------


@transaction.atomic
def cost_rate_create(*, actor, effective_from, labour_hourly_rate, travel_km_rate, note=""):
    """Publish the internal cost rates in force from ``effective_from`` (finance or the
    general manager). Rates are never edited: a new version takes effect instead, so past
    tickets keep their cost. A day already taken is a ``ValidationError``.
    Writes the ``CostRate`` and a ``cost_rate.created`` audit event."""
    role_require(actor, *RATE_WRITERS)
    labour = _money(labour_hourly_rate, "labour_hourly_rate")
    travel = _money(travel_km_rate, "travel_km_rate")
    errors = {}
    if labour < 0:
        errors["labour_hourly_rate"] = [_("A rate cannot be negative.")]
    if travel < 0:
        errors["travel_km_rate"] = [_("A rate cannot be negative.")]
    day_taken = _("Rates already take effect on this day.")
    if CostRate.objects.filter(effective_from=effective_from).exists():
        errors["effective_from"] = [day_taken]
    if errors:
        raise ValidationError(errors)
    with unique_or_invalid("effective_from", day_taken):
        rate = CostRate.objects.create(
            effective_from=effective_from,
            labour_hourly_rate=labour,
            travel_km_rate=travel,
            note=(note or "").strip()[:200],
            created_by=acting_user(actor),
        )
    audit_record(
        actor=actor,
        action="cost_rate.created",
        obj=rate,
        changes={
            "effective_from": effective_from.isoformat(),
            "labour_hourly_rate": str(labour),
            "travel_km_rate": str(travel),
        },
    )
    return rate


@transaction.atomic
def budget_set(*, actor, month, area, kind, amount, note=""):
    """Set the budget of ``month`` (any day of it), ``area`` (None: outside any area) and
    ``kind`` (a ``CostKind``) to ``amount`` (finance or the general manager), creating it
    or changing the one there. Writes the ``Budget`` and a ``budget.set`` audit event with
    the amount before and after."""
    role_require(actor, *BUDGET_WRITERS)
    if kind not in CostKind.values:
        raise ValidationError({"kind": [_("Choose the cost kind.")]})
    amount = _money(amount, "amount")
    if amount < 0:
        raise ValidationError({"amount": [_("A budget cannot be negative.")]})
    month = month.replace(day=1)
    note = (note or "").strip()[:200]
    budget = Budget.objects.select_for_update().filter(month=month, area=area, kind=kind).first()
    before = None
    if budget is None:
        try:
            with transaction.atomic():
                budget = Budget.objects.create(
                    month=month,
                    area=area,
                    kind=kind,
                    amount=amount,
                    note=note,
                    updated_by=acting_user(actor),
                )
        except IntegrityError:  # created by someone else this instant: change theirs
            budget = Budget.objects.select_for_update().get(month=month, area=area, kind=kind)
            before = str(budget.amount)
    else:
        before = str(budget.amount)
    if before is not None:
        budget.amount = amount
        budget.note = note or budget.note
        budget.updated_by = acting_user(actor)
        budget.updated_at = timezone.now()
        budget.save(update_fields=["amount", "note", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="budget.set",
        obj=budget,
        changes={
            "month": month.isoformat(),
            "area": area.pk if area else None,
            "kind": kind,
            "amount": [before, str(amount)],
        },
    )
    return budget
