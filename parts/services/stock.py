"""The one writer of stock: every change of a ``StockLevel`` goes through ``_post``.

Each operation, in one transaction:
1. makes sure the affected ``StockLevel`` rows exist (INSERT … ON CONFLICT DO NOTHING),
   then locks them with ``SELECT … FOR UPDATE`` ordered by (part, location) — every
   writer takes its locks in that one order, so two operations on overlapping rows wait
   for each other instead of deadlocking;
2. checks the counts (never below zero, never more reserved than on hand) and raises
   ``InsufficientStock`` (409 ``insufficient_stock``) otherwise — the database check
   constraints are the backstop;
3. appends the ``StockMovement`` rows and writes the new counts;
4. raises or clears reorder alerts when available stock crosses the reorder point;
5. writes one audit event (linked to the ticket when the movement concerns one).
Movements are never edited or deleted.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import InsufficientStock
from aftersales.platform.models import WebhookEvent
from aftersales.platform.services import webhook_emit
from aftersales.roles import Role, acting_user, role_require
from aftersales.unique import unique_or_invalid
from audits.services import audit_record

from ..choices import (
    MOVEMENT_SIDES,
    LocationKind,
    MovementKind,
)
from ..models import (
    Part,
    ReorderAlert,
    StockLevel,
    StockLocation,
    StockMovement,
)

STOCK_ROLES = (Role.SUPERVISOR,)


@dataclass
class _Move:
    """A movement to post: ``quantity`` of ``part`` out of ``source`` and/or into ``target``."""

    kind: str
    part: Part
    quantity: int
    source: StockLocation | None = None
    target: StockLocation | None = None
    ticket: object = None
    reason: str = ""


def stock_authorize(actor):
    """Only supervisors (and the system) change stock outside a job."""
    role_require(actor, *STOCK_ROLES, message=_("Your role may not change stock."))


def _lock_levels(keys):
    """Create missing levels, then lock all of ``keys`` in (part, location) order."""
    keys = sorted(set(keys))
    StockLevel.objects.bulk_create(
        [StockLevel(part_id=p, location_id=loc) for p, loc in keys], ignore_conflicts=True
    )
    condition = Q()
    for part_id, location_id in keys:
        condition |= Q(part_id=part_id, location_id=location_id)
    levels = (
        StockLevel.objects.select_for_update(of=("self",))
        .filter(condition)
        .select_related("part")
        .order_by("part_id", "location_id")
    )
    return {(level.part_id, level.location_id): level for level in levels}


def _insufficient(level, wanted, location):
    return InsufficientStock(
        _("Only %(available)s of %(sku)s available at %(location)s; %(wanted)s needed.")
        % {
            "available": level.available,
            "sku": level.part.sku,
            "location": location.code,
            "wanted": wanted,
        },
        extra={
            "part": level.part_id,
            "location": location.pk,
            "available": level.available,
            "requested": wanted,
        },
    )


def _post(*, moves=(), reserve=(), actor, action, audit_obj=None, ticket=None, extra=None):
    """Post ``moves`` and reservation changes ``reserve`` ((part, location, delta), a
    positive delta reserves, a negative one releases) under one set of row locks.

    Returns the created movements. Must run inside a transaction.
    """
    keys = [(m.part.pk, m.source.pk) for m in moves if m.source]
    keys += [(m.part.pk, m.target.pk) for m in moves if m.target]
    keys += [(part.pk, location.pk) for part, location, _delta in reserve]
    levels = _lock_levels(keys)
    before = {key: (level.on_hand, level.reserved) for key, level in levels.items()}
    # Releases first: a completion releases what it reserved and issues it in one go.
    for part, location, delta in sorted(reserve, key=lambda r: r[2]):
        level = levels[(part.pk, location.pk)]
        if delta > 0 and level.available < delta:
            raise _insufficient(level, delta, location)
        level.reserved = max(0, level.reserved + delta)
    for move in moves:
        if move.source:
            level = levels[(move.part.pk, move.source.pk)]
            if level.available < move.quantity:
                raise _insufficient(level, move.quantity, move.source)
            level.on_hand -= move.quantity
        if move.target:
            levels[(move.part.pk, move.target.pk)].on_hand += move.quantity
    now = timezone.now()
    user = acting_user(actor)
    movements = StockMovement.objects.bulk_create(
        StockMovement(
            kind=m.kind,
            part=m.part,
            quantity=m.quantity,
            from_location=m.source,
            to_location=m.target,
            ticket=m.ticket,
            user=user,
            reason=m.reason,
            created_at=now,
        )
        for m in moves
    )
    changed = {}
    for key, level in levels.items():
        if before[key] == (level.on_hand, level.reserved):
            continue
        below = _below_reorder(level)
        StockLevel.objects.filter(pk=level.pk).update(
            on_hand=level.on_hand, reserved=level.reserved, below_reorder=below, updated_at=now
        )
        if below != level.below_reorder:
            _reorder_alert_flip(level=level, below=below, now=now, actor=actor, ticket=ticket)
        level.below_reorder = below
        changed[f"{key[0]}@{key[1]}"] = {
            "on_hand": [before[key][0], level.on_hand],
            "reserved": [before[key][1], level.reserved],
        }
    if moves or changed:
        audit_record(
            actor=actor,
            action=action,
            obj=audit_obj or movements[0],
            ticket=ticket,
            changes={
                "movements": [m.pk for m in movements],
                "levels": changed,
                **(extra or {}),
            },
        )
    return movements


def _below_reorder(level):
    point = level.part.reorder_point
    return point > 0 and level.available <= point


def _reorder_alert_flip(*, level, below, now, actor, ticket):
    """Raise the alert on the way down (once), clear it on the way back up."""
    if below:
        alert = ReorderAlert.objects.create(
            part_id=level.part_id,
            location_id=level.location_id,
            available=level.available,
            raised_at=now,
        )
        audit_record(
            actor=actor,
            action="stock.below_reorder",
            obj=alert,
            ticket=ticket,
            changes={"available": level.available, "reorder_point": level.part.reorder_point},
        )
        # Imported here: tickets.services imports this module (dispatch reserves parts).
        webhook_emit(
            event=WebhookEvent.STOCK_BELOW_REORDER,
            payloads=[
                {
                    "part": level.part_id,
                    "sku": level.part.sku,
                    "location": level.location_id,
                    "available": level.available,
                    "reorder_point": level.part.reorder_point,
                    "reorder_quantity": level.part.reorder_quantity,
                }
            ],
        )
    else:
        ReorderAlert.objects.filter(
            part_id=level.part_id, location_id=level.location_id, cleared_at__isnull=True
        ).update(cleared_at=now)


# --- Catalogue and locations -------------------------------------------------------------


def _part_number(value, *, exclude_pk=None):
    """The part number as stored: trimmed, and no other part's ignoring case (the
    ``part_sku_ci_unique`` constraint holds it; this gives the clear field error first)."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({"sku": [_("Enter the part number.")]})
    same = Part.objects.alias(sku_lower=Lower("sku")).filter(sku_lower=value.lower())
    if same.exclude(pk=exclude_pk).exists():
        raise ValidationError({"sku": [_("A part with this number already exists.")]})
    return value


def _part_save(part):
    """Save, a concurrent create of the same number (in any case) reported as taken."""
    try:
        with transaction.atomic():
            part.save()
    except IntegrityError as exc:
        raise ValidationError({"sku": [_("A part with this number already exists.")]}) from exc


@transaction.atomic
def part_create(*, actor, compatible_models=(), **fields):
    """Add a part to the catalogue (supervisors). Writes ``part.created``."""
    stock_authorize(actor)
    fields["sku"] = _part_number(fields.get("sku"))
    part = Part(**fields)
    part.full_clean()
    _part_save(part)
    if compatible_models:
        part.compatible_models.set(compatible_models)
    audit_record(
        actor=actor,
        action="part.created",
        obj=part,
        changes={"sku": part.sku, "approved": part.approved, "unit_price": str(part.unit_price)},
    )
    return part


@transaction.atomic
def part_update(*, part, actor, compatible_models=None, **fields):
    """Change catalogue fields (and, given, the compatible models); a new reorder point
    re-evaluates every level of the part (raising or clearing alerts as the new line
    says). Writes ``part.updated``."""
    stock_authorize(actor)
    before = {field: getattr(part, field) for field in fields}
    if "sku" in fields:
        fields["sku"] = _part_number(fields["sku"], exclude_pk=part.pk)
    for field, value in fields.items():
        setattr(part, field, value)
    # A pattern configured later binds numbers entered, not the one an old part keeps.
    part.full_clean(exclude=None if before.get("sku", part.sku) != part.sku else ["sku"])
    _part_save(part)
    changes = {
        f: [str(before[f]), str(getattr(part, f))] for f in fields if before[f] != getattr(part, f)
    }
    if compatible_models is not None:
        old = sorted(part.compatible_models.values_list("code", flat=True))
        new = sorted(m.code for m in compatible_models)
        if old != new:
            part.compatible_models.set(compatible_models)
            changes["compatible_models"] = [old, new]
    if "reorder_point" in changes:
        now = timezone.now()
        levels = StockLevel.objects.select_for_update().filter(part=part).order_by("location_id")
        for level in levels.select_related("part"):
            below = _below_reorder(level)
            if below != level.below_reorder:
                StockLevel.objects.filter(pk=level.pk).update(below_reorder=below)
                _reorder_alert_flip(level=level, below=below, now=now, actor=actor, ticket=None)
    audit_record(actor=actor, action="part.updated", obj=part, changes=changes)
    return part


@transaction.atomic
def location_create(*, actor, code, name, kind, technician=None, area=None):
    """Add a stock location. A van belongs to exactly one technician."""
    stock_authorize(actor)
    if kind == LocationKind.VAN and technician is None:
        raise ValidationError({"technician": [_("A van belongs to a technician.")]})
    if kind != LocationKind.VAN and technician is not None:
        raise ValidationError({"technician": [_("Only a van belongs to a technician.")]})
    if technician is not None and StockLocation.objects.filter(technician=technician).exists():
        raise ValidationError({"technician": [_("This technician already has a van.")]})
    if StockLocation.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("This code is taken.")]})
    with unique_or_invalid("code", _("This code is taken.")):
        location = StockLocation.objects.create(
            code=code, name=name, kind=kind, technician=technician, area=area
        )
    audit_record(
        actor=actor,
        action="stock_location.created",
        obj=location,
        changes={"code": code, "kind": kind, "technician": getattr(technician, "pk", None)},
    )
    return location


LOCATION_UPDATABLE = ("name", "area", "active")


@transaction.atomic
def location_update(*, location, actor, **fields):
    """Rename a location, move it to another area, or (de)activate it. Its code, kind and
    technician are fixed (a van is its technician's). Writes ``stock_location.updated``
    with before/after values when something changed."""
    stock_authorize(actor)
    fixed = set(fields) - set(LOCATION_UPDATABLE)
    if fixed:
        message = _("The code, kind and technician of a location are fixed.")
        raise ValidationError({field: [message] for field in fixed})
    location = StockLocation.objects.select_for_update().get(pk=location.pk)
    changes = {}
    for field, value in fields.items():
        before = getattr(location, field)
        if before != value:
            changes[field] = [getattr(before, "pk", before), getattr(value, "pk", value)]
            setattr(location, field, value)
    if changes:
        location.full_clean()
        location.save(update_fields=list(changes))
        audit_record(actor=actor, action="stock_location.updated", obj=location, changes=changes)
    return location


@transaction.atomic
def location_create_van(*, technician, actor):
    """The technician's van location (``VAN-<employee no>``); returns the existing one if any.

    Called by ``technicians.services.technician_create``, so every technician has one.
    """
    existing = StockLocation.objects.filter(technician=technician).first()
    if existing is not None:
        return existing
    location = StockLocation.objects.create(
        code=f"VAN-{technician.employee_no}"[:32],
        name=_("Van of %(name)s") % {"name": technician.full_name},
        kind=LocationKind.VAN,
        technician=technician,
    )
    audit_record(
        actor=actor,
        action="stock_location.created",
        obj=location,
        changes={"code": location.code, "kind": LocationKind.VAN, "technician": technician.pk},
    )
    return location


# --- Direct movements (supervisors) ------------------------------------------------------


def _positive(quantity):
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError({"quantity": [_("The quantity must be a positive whole number.")]})


@transaction.atomic
def stock_movement_post(
    *, actor, kind, part, quantity, from_location=None, to_location=None, reason=""
):
    """Post one manual movement (receipt, transfer, adjustment, scrap, recovery).

    The kind decides which locations it takes (``choices.MOVEMENT_SIDES``); an adjustment
    takes exactly one (``to`` adds, ``from`` removes) and a reason. Issues and returns
    belong to tickets. 409 ``insufficient_stock`` when the source has too little available.
    """
    stock_authorize(actor)
    _positive(quantity)
    if kind not in MOVEMENT_SIDES or kind in (MovementKind.ISSUE, MovementKind.RETURN):
        raise ValidationError({"kind": [_("Issues and returns go through the ticket.")]})
    sides = MOVEMENT_SIDES[kind]
    errors = {}
    if sides is None:
        if (from_location is None) == (to_location is None):
            errors["to_location"] = [_("An adjustment takes exactly one of from/to location.")]
        if not reason.strip():
            errors["reason"] = [_("An adjustment needs a reason.")]
    else:
        for name, value, needed in (
            ("from_location", from_location, sides[0]),
            ("to_location", to_location, sides[1]),
        ):
            if needed and value is None:
                errors[name] = [_("This movement needs this location.")]
            if not needed and value is not None:
                errors[name] = [_("This movement does not take this location.")]
    if from_location is not None and from_location == to_location:
        errors["to_location"] = [_("The locations must differ.")]
    if errors:
        raise ValidationError(errors)
    [movement] = _post(
        moves=[_Move(kind, part, quantity, from_location, to_location, reason=reason)],
        actor=actor,
        action=f"stock.{kind}",
    )
    return movement


def stock_receive(*, part, location, quantity, actor, reason=""):
    """Goods in at ``location`` (purchase delivery)."""
    return stock_movement_post(
        actor=actor,
        kind=MovementKind.RECEIPT,
        part=part,
        quantity=quantity,
        to_location=location,
        reason=reason,
    )


def stock_transfer(*, part, from_location, to_location, quantity, actor, reason=""):
    """Move units between locations (e.g. warehouse → van); both rows locked in order."""
    return stock_movement_post(
        actor=actor,
        kind=MovementKind.TRANSFER,
        part=part,
        quantity=quantity,
        from_location=from_location,
        to_location=to_location,
        reason=reason,
    )
