"""Writes of service outlets and partner scorecards: one function per business action.

Every write runs in one transaction, checks the actor's role (supervisors; the system
for the beat), and records its audit event. Dispatching a ticket to an outlet is a
ticket action and lives with the lifecycle (``tickets.services.outlets``).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ApplicationError, StaleVersion
from aftersales.roles import Role, acting_user, has_role, role_require
from audits.services import audit_record, plain
from technicians.models import Technician

from .choices import OutletKind, ScorecardStatus
from .models import Outlet, PartnerScorecard
from .scorecards import scorecard_figures
from .scoring import scorecard_components, scorecard_grade, scorecard_score

MANAGE_ROLES = (Role.SUPERVISOR,)
OUTLET_FIELDS = (
    "name",
    "kind",
    "company_name",
    "contract_number",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "opening_hours",
    "stock_location",
    "published",
    "active",
)


class ScorecardFinal(ApplicationError):
    """A final scorecard is a record: nothing about it changes any more."""

    code = "scorecard_final"


def _validate(outlet, *, exclude=()):
    try:
        outlet.full_clean(exclude=["areas", "dispatchers", *exclude])
    except ValidationError:
        raise
    if outlet.kind == OutletKind.PARTNER and not outlet.company_name.strip():
        raise ValidationError({"company_name": [_("A partner outlet needs its company's name.")]})


@transaction.atomic
def outlet_create(*, actor, code, name, areas=(), **fields):
    """Create an outlet (own or a partner's) with its areas; writes ``outlet.created``."""
    role_require(actor, *MANAGE_ROLES)
    unknown = set(fields) - set(OUTLET_FIELDS)
    if unknown:
        raise ValidationError({field: [_("Unknown field.")] for field in sorted(unknown)})
    outlet = Outlet(code=code.strip().upper(), name=name.strip(), **fields)
    _validate(outlet)
    outlet.save()
    outlet.areas.set(areas)
    audit_record(
        actor=actor,
        action="outlet.created",
        obj=outlet,
        changes={
            "code": outlet.code,
            "name": outlet.name,
            **{field: plain(getattr(outlet, field)) for field in OUTLET_FIELDS},
            "areas": sorted(a.pk for a in areas),
        },
    )
    return outlet


@transaction.atomic
def outlet_update(*, outlet, actor, **fields):
    """Change an outlet's details (not its code); writes ``outlet.updated`` with the
    before/after values of what changed."""
    role_require(actor, *MANAGE_ROLES)
    unknown = set(fields) - set(OUTLET_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in unknown})
    outlet = Outlet.objects.select_for_update().get(pk=outlet.pk)
    changes = {}
    for field, value in fields.items():
        before = getattr(outlet, field)
        if before != value:
            changes[field] = [plain(before), plain(value)]
            setattr(outlet, field, value)
    if changes:
        _validate(outlet, exclude=["code"])
        outlet.save(update_fields=[f for f in fields if f in changes])
        audit_record(actor=actor, action="outlet.updated", obj=outlet, changes=changes)
    return outlet


@transaction.atomic
def outlet_set_areas(*, outlet, actor, areas):
    """Set the areas the outlet serves; writes ``outlet.areas_set``."""
    role_require(actor, *MANAGE_ROLES)
    outlet = Outlet.objects.select_for_update().get(pk=outlet.pk)
    before = sorted(outlet.areas.values_list("pk", flat=True))
    after = sorted({a.pk for a in areas})
    if before != after:
        outlet.areas.set(after)
        audit_record(
            actor=actor, action="outlet.areas_set", obj=outlet, changes={"areas": [before, after]}
        )
    return outlet


@transaction.atomic
def outlet_add_dispatcher(*, outlet, actor, user):
    """Make ``user`` (of the role outlet_dispatcher) a dispatcher of the outlet."""
    role_require(actor, *MANAGE_ROLES)
    if not has_role(user, Role.OUTLET_DISPATCHER) or user.is_superuser:
        raise ValidationError(
            {"user": [_("Only a user of the role “outlet dispatcher” dispatches for an outlet.")]}
        )
    if not user.is_active:
        raise ValidationError({"user": [_("This user is inactive.")]})
    outlet = Outlet.objects.select_for_update().get(pk=outlet.pk)
    if not outlet.dispatchers.filter(pk=user.pk).exists():
        outlet.dispatchers.add(user)
        audit_record(
            actor=actor, action="outlet.dispatcher_added", obj=outlet, changes={"user": user.pk}
        )
    return outlet


@transaction.atomic
def outlet_remove_dispatcher(*, outlet, actor, user):
    role_require(actor, *MANAGE_ROLES)
    outlet = Outlet.objects.select_for_update().get(pk=outlet.pk)
    if outlet.dispatchers.filter(pk=user.pk).exists():
        outlet.dispatchers.remove(user)
        audit_record(
            actor=actor, action="outlet.dispatcher_removed", obj=outlet, changes={"user": user.pk}
        )
    return outlet


@transaction.atomic
def outlet_add_technician(*, outlet, actor, technician):
    """Make ``technician`` one of the outlet's (``Technician.outlet``); they restock at the
    outlet's stock location, which becomes their home outlet (``home_outlet``) when the
    outlet has one. Certificates are not touched: a partner's technician is certified
    and dispatched under the same rules as anyone."""
    role_require(actor, *MANAGE_ROLES)
    outlet = Outlet.objects.select_for_update().get(pk=outlet.pk)
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    changes = {}
    if technician.outlet_id != outlet.pk:
        changes["outlet"] = [technician.outlet_id, outlet.pk]
        technician.outlet = outlet
    if outlet.stock_location_id and technician.home_outlet_id != outlet.stock_location_id:
        changes["home_outlet"] = [technician.home_outlet_id, outlet.stock_location_id]
        technician.home_outlet_id = outlet.stock_location_id
    if changes:
        technician.save(update_fields=list(changes))
        audit_record(actor=actor, action="outlet.technician_added", obj=technician, changes=changes)
    return technician


@transaction.atomic
def outlet_remove_technician(*, outlet, actor, technician):
    """Take ``technician`` off the outlet (their home stock location stays as it was)."""
    role_require(actor, *MANAGE_ROLES)
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if technician.outlet_id != outlet.pk:
        raise ValidationError({"technician": [_("This technician is not one of the outlet's.")]})
    technician.outlet = None
    technician.save(update_fields=["outlet"])
    audit_record(
        actor=actor,
        action="outlet.technician_removed",
        obj=technician,
        changes={"outlet": [outlet.pk, None]},
    )
    return technician


# --- Partner scorecards (合作伙伴评估) ------------------------------------------------------


def _score_fields(card):
    components = scorecard_components(
        first_time_fix_pct=card.first_time_fix_pct,
        avg_satisfaction=card.avg_satisfaction,
        on_time_pct=card.on_time_pct,
        record_completeness_pct=card.record_completeness_pct,
        opened=card.opened,
        complaints=card.complaints,
        marks=[card.capability, card.technical, card.reputation],
    )
    card.score = scorecard_score(components)
    card.grade = scorecard_grade(card.score)


def _compute(card, now=None):
    figures = scorecard_figures(
        outlet_id=card.outlet_id,
        period_start=card.period_start,
        period_end=card.period_end,
        now=now,
    )
    for field, value in figures.items():
        setattr(card, field, value)
    card.computed_at = timezone.now()
    _score_fields(card)


def _lock_draft(card, expected_version=None):
    card = PartnerScorecard.objects.select_for_update().select_related("outlet").get(pk=card.pk)
    if card.is_final:
        raise ScorecardFinal(_("This scorecard is final and can no longer be changed."))
    if expected_version is not None and expected_version != card.version:
        raise StaleVersion(
            _("The scorecard was changed meanwhile; reload it and try again."),
            extra={"current_version": card.version},
        )
    return card


def _audit_fields(card):
    return {
        "period_start": card.period_start.isoformat(),
        "period_end": card.period_end.isoformat(),
        "opened": card.opened,
        "closed": card.closed,
        "complaints": card.complaints,
        "first_time_fix_pct": plain(card.first_time_fix_pct),
        "avg_satisfaction": plain(card.avg_satisfaction),
        "on_time_pct": plain(card.on_time_pct),
        "record_completeness_pct": plain(card.record_completeness_pct),
        "score": plain(card.score),
        "grade": card.grade,
    }


def _plain_decimal(value):
    return None if value is None else str(value)


@transaction.atomic
def scorecard_draft(*, outlet, actor, period_start, period_end, now=None):
    """Draft the outlet's scorecard for the period (local days, inclusive) with its KPIs
    computed from the tickets; writes ``scorecard.drafted``. One card per outlet and
    period: 400 on ``period_start`` for a second."""
    role_require(actor, *MANAGE_ROLES)
    if period_end < period_start:
        raise ValidationError({"period_end": [_("The period must end on or after its start.")]})
    if period_start > timezone.localdate():
        raise ValidationError({"period_start": [_("The period has not begun yet.")]})
    # Serialise drafts of the same outlet (the beat and a supervisor at once).
    Outlet.objects.select_for_update().filter(pk=outlet.pk).first()
    if PartnerScorecard.objects.filter(
        outlet=outlet, period_start=period_start, period_end=period_end
    ).exists():
        raise ValidationError(
            {"period_start": [_("This outlet already has a scorecard for this period.")]}
        )
    card = PartnerScorecard(outlet=outlet, period_start=period_start, period_end=period_end)
    _compute(card, now=now)
    card.save()
    audit_record(
        actor=actor,
        action="scorecard.drafted",
        obj=card,
        changes={"outlet": outlet.pk, **_audit_fields(card)},
    )
    return card


@transaction.atomic
def scorecard_refresh(*, scorecard, actor, expected_version=None, now=None):
    """Count a draft's KPIs again from the tickets (late confirmations, follow-ups)."""
    role_require(actor, *MANAGE_ROLES)
    card = _lock_draft(scorecard, expected_version)
    before = _audit_fields(card)
    _compute(card, now=now)
    card.version += 1
    card.save()
    after = _audit_fields(card)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit_record(actor=actor, action="scorecard.refreshed", obj=card, changes=changes)
    return card


def _mark(value, field):
    if value is None:
        return None
    if not 1 <= int(value) <= 5:
        raise ValidationError({field: [_("Give a mark from 1 to 5.")]})
    return int(value)


@transaction.atomic
def scorecard_assess(
    *, scorecard, actor, capability, technical, reputation, assessment, expected_version=None
):
    """Record the evaluator's assessment of a draft: service capability, technical level
    and reputation (1–5 each) and the written opinion; the score and grade follow.
    Writes ``scorecard.assessed``; the actor becomes the evaluator."""
    role_require(actor, *MANAGE_ROLES)
    card = _lock_draft(scorecard, expected_version)
    marks = {
        "capability": _mark(capability, "capability"),
        "technical": _mark(technical, "technical"),
        "reputation": _mark(reputation, "reputation"),
    }
    changes = {}
    for field, value in {**marks, "assessment": assessment.strip()}.items():
        if getattr(card, field) != value:
            changes[field] = [getattr(card, field), value]
            setattr(card, field, value)
    before = (_plain_decimal(card.score), card.grade)
    _score_fields(card)
    if before != (_plain_decimal(card.score), card.grade):
        changes["score"] = [before[0], _plain_decimal(card.score)]
        changes["grade"] = [before[1], card.grade]
    card.evaluator = acting_user(actor)
    card.version += 1
    card.save()
    audit_record(actor=actor, action="scorecard.assessed", obj=card, changes=changes)
    return card


@transaction.atomic
def scorecard_finalise(*, scorecard, actor, expected_version=None):
    """draft → final: the card becomes an immutable record. It needs the evaluator's
    three marks and written assessment; writes ``scorecard.finalised``."""
    role_require(actor, *MANAGE_ROLES)
    card = _lock_draft(scorecard, expected_version)
    missing = [
        field for field in ("capability", "technical", "reputation") if getattr(card, field) is None
    ]
    errors = {field: [_("The evaluator's mark is missing.")] for field in missing}
    if not card.assessment.strip():
        errors["assessment"] = [_("The evaluator's written assessment is missing.")]
    if errors:
        raise ValidationError(errors)
    card.status = ScorecardStatus.FINAL
    card.finalised_at = timezone.now()
    card.version += 1
    card.save()
    audit_record(
        actor=actor,
        action="scorecard.finalised",
        obj=card,
        changes={"status": [ScorecardStatus.DRAFT, ScorecardStatus.FINAL], **_audit_fields(card)},
    )
    return card


def last_month(today):
    """(first, last) day of the calendar month before ``today``'s."""
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1), last


def scorecards_draft_last_month(*, today=None):
    """Beat (the 1st of each month): draft last month's scorecard for every active
    outlet that has none yet. Returns how many were drafted. One transaction each."""
    today = today or timezone.localdate()
    first, last = last_month(today)
    drafted = 0
    for outlet in Outlet.objects.active().exclude(
        scorecards__period_start=first, scorecards__period_end=last
    ):
        try:
            scorecard_draft(outlet=outlet, actor=None, period_start=first, period_end=last)
        except ValidationError:
            continue  # drafted meanwhile
        drafted += 1
    return drafted
