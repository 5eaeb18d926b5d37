"""Every write of service targets: drafting, submitting, approving or returning, revising,
and the period-end evaluation that files each missed target as a quality finding with a
corrective action (``audits.quality.services``)."""

import datetime
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ActionForbidden, ApplicationError
from aftersales.platform.models import NotificationKind
from aftersales.platform.services import notify
from aftersales.roles import Role, acting_user, role_require
from audits.choices import Severity
from audits.quality.services import (
    corrective_action_create,
    finding_open,
    quality_audit_create,
)
from audits.services import audit_record
from technicians.outlets.models import Outlet
from tickets.models import Area

from .choices import Comparator, Outcome, PeriodKind, Scope, TargetSetStatus
from .metrics import METRICS
from .models import TargetBreakdown, TargetLine, TargetResult, TargetSet
from .selectors import target_progress

logger = logging.getLogger(__name__)

DRAFTERS = (Role.SUPERVISOR,)
APPROVERS = (Role.MANAGER,)


def period_days(kind, day):
    """Pure: the first and last day (inclusive) of the month, quarter or year of ``day``."""
    if kind == PeriodKind.MONTH:
        first = day.replace(day=1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    elif kind == PeriodKind.QUARTER:
        first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        month = first.month + 3
        after = first.replace(year=first.year + (month > 12), month=(month - 1) % 12 + 1)
        last = after - datetime.timedelta(days=1)
    elif kind == PeriodKind.YEAR:
        first, last = day.replace(month=1, day=1), day.replace(month=12, day=31)
    else:
        raise ValidationError({"period_kind": [_("Choose a month, a quarter or a year.")]})
    return first, last


def _locked(target_set):
    return TargetSet.objects.select_for_update().get(pk=target_set.pk)


def _bump(locked, **fields):
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save(update_fields=[*fields, "version"])


def _decimal(value, field):
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({field: [_("Enter a number of zero or more.")]})
    return number.quantize(Decimal("0.01"))


def clean_lines(lines):
    """The lines as the services store them, checked: known metrics, each once, values
    within the metric's range, each area or outlet once per line. ``lines`` are dicts of
    ``metric``, ``value``, optional ``comparator`` (default: the metric's direction) and
    ``breakdowns`` (dicts of ``area`` or ``outlet`` — objects or ids — ``value``, ``owner``).
    Raises ``ValidationError`` naming the line."""
    cleaned, seen = [], set()
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        spec = METRICS.get(line.get("metric"))
        if spec is None:
            raise ValidationError({where: [_("Choose a metric from the list.")]})
        if spec.code in seen:
            raise ValidationError({where: [_("Each metric appears once in a target set.")]})
        seen.add(spec.code)
        comparator = line.get("comparator") or spec.direction
        if comparator not in Comparator.values:
            raise ValidationError({where: [_("Choose “at least” or “at most”.")]})
        value = _decimal(line.get("value"), where)
        if value > spec.maximum:
            raise ValidationError(
                {where: [_("A target of this metric is at most %(max)s.") % {"max": spec.maximum}]}
            )
        breakdowns, places = [], set()
        for part in line.get("breakdowns") or ():
            area, outlet = part.get("area"), part.get("outlet")
            if (area is None) == (outlet is None):
                raise ValidationError({where: [_("A break-down names an area or an outlet.")]})
            area_id = getattr(area, "pk", area)
            outlet_id = getattr(outlet, "pk", outlet)
            place = ("area", area_id) if area is not None else ("outlet", outlet_id)
            if place in places:
                raise ValidationError(
                    {where: [_("Each area or outlet appears once in a target's break-down.")]}
                )
            places.add(place)
            part_value = _decimal(part.get("value"), where)
            if part_value > spec.maximum:
                raise ValidationError(
                    {
                        where: [
                            _("A target of this metric is at most %(max)s.") % {"max": spec.maximum}
                        ]
                    }
                )
            owner = part.get("owner")
            breakdowns.append(
                {
                    "area_id": area_id,
                    "outlet_id": outlet_id,
                    "value": part_value,
                    "owner_id": getattr(owner, "pk", owner),
                }
            )
        cleaned.append(
            {
                "metric": spec.code,
                "comparator": comparator,
                "value": value,
                "breakdowns": breakdowns,
            }
        )
    area_ids = {b["area_id"] for line in cleaned for b in line["breakdowns"] if b["area_id"]}
    outlet_ids = {b["outlet_id"] for line in cleaned for b in line["breakdowns"] if b["outlet_id"]}
    if len(area_ids) != Area.objects.filter(pk__in=area_ids).count():
        raise ValidationError({"lines": [_("A break-down names an unknown area.")]})
    if len(outlet_ids) != Outlet.objects.filter(pk__in=outlet_ids).count():
        raise ValidationError({"lines": [_("A break-down names an unknown outlet.")]})
    owner_ids = {b["owner_id"] for line in cleaned for b in line["breakdowns"] if b["owner_id"]}
    if len(owner_ids) != get_user_model().objects.filter(pk__in=owner_ids, is_active=True).count():
        raise ValidationError({"lines": [_("A break-down names an unknown owner.")]})
    return cleaned


def _write_lines(target_set, cleaned):
    TargetLine.objects.filter(target_set=target_set).delete()
    for values in cleaned:
        line = TargetLine.objects.create(
            target_set=target_set,
            metric=values["metric"],
            comparator=values["comparator"],
            value=values["value"],
        )
        TargetBreakdown.objects.bulk_create(
            TargetBreakdown(line=line, **part) for part in values["breakdowns"]
        )


def _lines_changes(cleaned):
    return [
        {
            "metric": line["metric"],
            "comparator": line["comparator"],
            "value": str(line["value"]),
            "breakdowns": [
                {
                    "area": part["area_id"],
                    "outlet": part["outlet_id"],
                    "value": str(part["value"]),
                    "owner": part["owner_id"],
                }
                for part in line["breakdowns"]
            ],
        }
        for line in cleaned
    ]


def target_set_create(*, actor, period_kind, period_start, lines=(), note=""):
    """Draft the targets of the period of ``period_kind`` that contains ``period_start``
    (supervisors). The draft is the period's next revision. Writes the set, its lines and
    break-downs and a ``target_set.created`` event."""
    role_require(actor, *DRAFTERS)
    first, last = period_days(period_kind, period_start)
    cleaned = clean_lines(lines)
    with transaction.atomic():
        previous = TargetSet.objects.filter(period_kind=period_kind, period_start=first)
        revision = (previous.aggregate(top=Max("revision"))["top"] or 0) + 1
        target_set = TargetSet.objects.create(
            period_kind=period_kind,
            period_start=first,
            period_end=last,
            revision=revision,
            note=note,
            created_by=acting_user(actor),
        )
        _write_lines(target_set, cleaned)
        audit_record(
            actor=actor,
            action="target_set.created",
            obj=target_set,
            changes={
                "period": [first.isoformat(), last.isoformat()],
                "revision": revision,
                "lines": _lines_changes(cleaned),
            },
        )
    return target_set


def target_set_lines_save(*, target_set, actor, lines, note=None):
    """Replace the lines (and break-downs) of a draft or returned set (supervisors).
    Approved and submitted sets are read-only: 409 ``target_set_read_only``."""
    role_require(actor, *DRAFTERS)
    cleaned = clean_lines(lines)
    with transaction.atomic():
        locked = _locked(target_set)
        if not locked.editable:
            raise ApplicationError(
                _("Only a draft or returned target set can be changed."),
                code="target_set_read_only",
            )
        _write_lines(locked, cleaned)
        fields = {} if note is None else {"note": note}
        _bump(locked, **fields)
        audit_record(
            actor=actor,
            action="target_set.lines_saved",
            obj=locked,
            changes={"lines": _lines_changes(cleaned)},
        )
    return locked


def _managers():
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.MANAGER)
        .order_by("pk")
        .distinct()
    )


def target_set_submit(*, target_set, actor):
    """Submit a draft or returned set for a manager's approval (supervisors; at least one
    line, else 409 ``target_set_empty``). Writes the status and an event; tells the
    managers (``target_approval``)."""
    role_require(actor, *DRAFTERS)
    with transaction.atomic():
        locked = _locked(target_set)
        if not locked.editable:
            raise ApplicationError(
                _("Only a draft or returned target set can be submitted."),
                code="invalid_transition",
            )
        lines = locked.lines.count()
        if not lines:
            raise ApplicationError(
                _("Add at least one target before submitting."), code="target_set_empty"
            )
        before = locked.status
        _bump(locked, status=TargetSetStatus.SUBMITTED, submitted_at=timezone.now())
        audit_record(
            actor=actor,
            action="target_set.submitted",
            obj=locked,
            changes={"status": [before, locked.status]},
        )
        author = acting_user(actor)
        notify(
            kind=NotificationKind.TARGET_APPROVAL,
            recipients=_managers(),
            context={
                "period": locked.period_label,
                "revision": locked.revision,
                "lines": lines,
                "author": (author.get_full_name() or author.username) if author else "",
            },
            dedupe_key=f"target-approval:{locked.pk}:{locked.version}",
        )
    return locked


def target_set_approve(*, target_set, actor):
    """Approve a submitted set (managers only). The approved set of the same period, if
    any, becomes superseded. The set is read-only from now on."""
    role_require(actor, *APPROVERS, message=_("Only a manager approves service targets."))
    with transaction.atomic():
        locked = _locked(target_set)
        if locked.status != TargetSetStatus.SUBMITTED:
            raise ApplicationError(
                _("Only a submitted target set can be approved."), code="invalid_transition"
            )
        older = list(
            TargetSet.objects.select_for_update()
            .filter(period_kind=locked.period_kind, period_start=locked.period_start)
            .approved()
        )
        for old in older:
            _bump(old, status=TargetSetStatus.SUPERSEDED)
            audit_record(
                actor=actor,
                action="target_set.superseded",
                obj=old,
                changes={"status": [TargetSetStatus.APPROVED, old.status], "by": locked.pk},
            )
        _bump(
            locked,
            status=TargetSetStatus.APPROVED,
            decided_by=acting_user(actor),
            decided_at=timezone.now(),
            return_reason="",
        )
        audit_record(
            actor=actor,
            action="target_set.approved",
            obj=locked,
            changes={"status": [TargetSetStatus.SUBMITTED, locked.status]},
        )
    return locked


def target_set_return(*, target_set, actor, reason):
    """Return a submitted set to its drafters with a reason (managers only)."""
    role_require(actor, *APPROVERS, message=_("Only a manager returns service targets."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the targets go back.")]})
    with transaction.atomic():
        locked = _locked(target_set)
        if locked.status != TargetSetStatus.SUBMITTED:
            raise ApplicationError(
                _("Only a submitted target set can be returned."), code="invalid_transition"
            )
        _bump(
            locked,
            status=TargetSetStatus.RETURNED,
            return_reason=reason,
            decided_by=acting_user(actor),
            decided_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="target_set.returned",
            obj=locked,
            changes={"status": [TargetSetStatus.SUBMITTED, locked.status], "reason": reason},
        )
    return locked


def target_set_revise(*, target_set, actor):
    """Start a revision of an approved set (supervisors): a new draft of the same period
    with a copy of its lines; the approved set stays in force until the revision is
    approved. One open revision at a time (409 ``revision_open``)."""
    role_require(actor, *DRAFTERS)
    with transaction.atomic():
        locked = _locked(target_set)
        if locked.status != TargetSetStatus.APPROVED:
            raise ApplicationError(
                _("Only an approved target set is revised."), code="invalid_transition"
            )
        if locked.evaluated_at is not None:
            raise ApplicationError(
                _("The period has been evaluated; its targets stay as they were."),
                code="target_set_evaluated",
            )
        open_states = (TargetSetStatus.DRAFT, TargetSetStatus.SUBMITTED, TargetSetStatus.RETURNED)
        if TargetSet.objects.filter(
            period_kind=locked.period_kind, period_start=locked.period_start, status__in=open_states
        ).exists():
            raise ApplicationError(
                _("A revision of this period is already open."), code="revision_open"
            )
        lines = [
            {
                "metric": line.metric,
                "comparator": line.comparator,
                "value": line.value,
                "breakdowns": [
                    {
                        "area": part.area_id,
                        "outlet": part.outlet_id,
                        "value": part.value,
                        "owner": part.owner_id,
                    }
                    for part in line.breakdowns.all()
                ],
            }
            for line in locked.lines.prefetch_related("breakdowns")
        ]
        revision = target_set_create(
            actor=actor,
            period_kind=locked.period_kind,
            period_start=locked.period_start,
            lines=lines,
            note=locked.note,
        )
        revision.revises = locked
        revision.save(update_fields=["revises"])
    return revision


def _owner(target_set, row, dispatchers):
    """Who owns the corrective action of a miss: the break-down's owner, else the outlet's
    first dispatcher, else ``TARGETS_DEFAULT_OWNER``, else the manager who approved."""
    if row.get("owner_id"):
        return get_user_model().objects.get(pk=row["owner_id"])
    if row["scope"] == Scope.OUTLET and dispatchers.get(row["outlet"].pk):
        return dispatchers[row["outlet"].pk]
    username = settings.TARGETS_DEFAULT_OWNER
    if username:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is not None:
            return user
    return target_set.decided_by


def _where(row):
    if row["scope"] == Scope.AREA:
        return _("area %(name)s") % {"name": row["area"].name}
    if row["scope"] == Scope.OUTLET:
        return _("outlet %(name)s") % {"name": row["outlet"].name}
    return _("overall")


def target_set_evaluate(*, target_set, actor, today=None):
    """Evaluate an approved set whose period has ended, once (supervisors; the daily beat
    task as the system). Race-safe: the set's row is locked and ``evaluated_at`` checked,
    so a second call — concurrent or later — returns the set unchanged and files nothing.

    Freezes one ``TargetResult`` per target (overall, each area and outlet of the progress
    page) with the actual value and sample of the KPI report; each miss opens a finding in
    one quality audit "Target evaluation <period>" (no sample) with a corrective action
    owned as ``_owner`` says, due in ``TARGETS_ACTION_DUE_DAYS``. The system (``actor=None``)
    files them in the name of the set's drafter.
    """
    role_require(actor, Role.SUPERVISOR)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked(target_set)
        if locked.evaluated_at is not None:
            return locked
        if locked.status != TargetSetStatus.APPROVED:
            raise ApplicationError(
                _("Only an approved target set is evaluated."), code="invalid_transition"
            )
        if locked.period_end >= today:
            raise ApplicationError(_("The period has not ended yet."), code="period_not_ended")
        progress = target_progress(target_set=locked, today=today)
        # The quality records name who filed them (not null): the daily job files them in
        # the name of the supervisor who drafted the set; the trail still says "system".
        filer = actor or locked.created_by
        if filer is None:
            raise ActionForbidden(_("A supervisor evaluates this set: it has no drafter."))
        audit = quality_audit_create(
            actor=filer,
            title=_("Target evaluation %(period)s") % {"period": locked.period_label},
            period_start=locked.period_start,
            period_end=locked.period_end,
            draw=False,
        )
        outlets = [r["outlet"] for line in progress["lines"] for r in line["rows"] if r["outlet"]]
        dispatchers = {}
        for outlet in Outlet.objects.filter(pk__in={o.pk for o in outlets}).prefetch_related(
            "dispatchers"
        ):
            people = sorted(outlet.dispatchers.all(), key=lambda user: user.pk)
            if people:
                dispatchers[outlet.pk] = people[0]
        due_on = today + datetime.timedelta(days=settings.TARGETS_ACTION_DUE_DAYS)
        met = missed = 0
        for line in progress["lines"]:
            spec = line["metric"]
            for row in line["rows"]:
                finding = None
                final = row["outcome"]
                if final == Outcome.MISSED:
                    missed += 1
                    description = _(
                        "Target missed (%(where)s): %(metric)s %(comparator)s %(target)s%(unit)s, "
                        "actual %(actual)s%(unit)s over %(sample)s tickets."
                    ) % {
                        "where": _where(row),
                        "metric": spec.label,
                        "comparator": Comparator(line["line"].comparator).label,
                        "target": row["target"],
                        "unit": spec.unit,
                        "actual": row["actual"],
                        "sample": row["sample"],
                    }
                    finding = finding_open(
                        audit=audit,
                        actor=filer,
                        severity=Severity.MAJOR,
                        description=description,
                    )
                    corrective_action_create(
                        finding=finding,
                        actor=filer,
                        owner=_owner(locked, row, dispatchers),
                        description=_("Analyse the causes and bring %(metric)s back on target.")
                        % {"metric": spec.label},
                        due_on=due_on,
                    )
                elif final == Outcome.MET:
                    met += 1
                TargetResult.objects.create(
                    target_set=locked,
                    line=line["line"],
                    scope=row["scope"],
                    area=row["area"],
                    outlet=row["outlet"],
                    target=row["target"],
                    actual=None if row["actual"] is None else Decimal(str(row["actual"])),
                    sample=row["sample"],
                    outcome=final,
                    finding=finding,
                )
        _bump(locked, evaluated_at=timezone.now(), evaluation_audit=audit)
        audit_record(
            actor=actor,
            action="target_set.evaluated",
            obj=locked,
            changes={"audit": audit.pk, "met": met, "missed": missed},
        )
    return locked


def target_sets_evaluate_due(*, today=None):
    """The daily job: evaluate every approved set whose period ended and that is not yet
    evaluated, one transaction each. Returns how many it evaluated."""
    today = today or timezone.localdate()
    due = TargetSet.objects.approved().filter(period_end__lt=today, evaluated_at__isnull=True)
    done = 0
    for pk in due.values_list("pk", flat=True).order_by("period_end", "pk"):
        try:
            target_set_evaluate(target_set=TargetSet(pk=pk), actor=None, today=today)
        except ActionForbidden:
            # The drafter lost the supervisor role: a supervisor presses the button.
            logger.warning("target set %s: its drafter may no longer file findings", pk)
            continue
        done += 1
    return done
