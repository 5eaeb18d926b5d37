"""Every write of the warranty: part groups, terms, service contracts (create, renew,
cancel, expire, expiry reminders) and the decision recorded at triage.

Supervisors write; the system (``actor=None``: the beat sweep, commands) passes. Each
function runs in one transaction and writes its audit event in it.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.exceptions import InvalidTransition, StaleVersion
from aftersales.platform.models import NotificationKind
from aftersales.platform.services import notify
from aftersales.roles import Role, acting_user, role_require
from aftersales.sequences import sequence_next
from aftersales.unique import unique_or_invalid
from audits.services import audit_record
from parts.models import Part
from tickets.choices import WarrantyDecision

from .choices import ContractKind, ContractStatus, WarrantyScope
from .models import (
    ContractNumberSequence,
    ServiceContract,
    TicketWarranty,
    WarrantyPartGroup,
    WarrantyTerm,
)
from .selectors import ticket_decision, ticket_record

WRITE_ROLES = (Role.SUPERVISOR,)
TERM_FIELDS = ("months", "extends_by_repair_days")


def _require_writer(actor):
    role_require(actor, *WRITE_ROLES, message=_("Only a supervisor may change warranties."))


def _check_version(obj, expected_version):
    if expected_version is not None and obj.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this record; reload it."), extra={"version": obj.version}
        )


# --- Part groups and terms -----------------------------------------------------------------


@transaction.atomic
def part_group_create(*, actor, code, name):
    """Add a main-part group (``compressor``, ``motor``…)."""
    _require_writer(actor)
    code = (code or "").strip().lower()
    if WarrantyPartGroup.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("This code is taken.")]})
    group = WarrantyPartGroup(code=code, name=(name or "").strip())
    group.full_clean()
    with unique_or_invalid("code", _("This code is taken.")):
        group.save()
    audit_record(
        actor=actor,
        action="warranty.part_group_created",
        obj=group,
        changes={"code": code, "name": group.name},
    )
    return group


@transaction.atomic
def part_group_update(*, group, actor, name):
    """Rename a part group (its code is fixed: parts name it)."""
    _require_writer(actor)
    group = WarrantyPartGroup.objects.select_for_update().get(pk=group.pk)
    before = group.name
    group.name = (name or "").strip()
    group.full_clean()
    group.save(update_fields=["name"])
    audit_record(
        actor=actor,
        action="warranty.part_group_changed",
        obj=group,
        changes={"name": [before, group.name]},
    )
    return group


@transaction.atomic
def part_warranty_group_set(*, part, actor, group_code):
    """Put ``part`` in a warranty part group (``""``: none)."""
    _require_writer(actor)
    group_code = (group_code or "").strip()
    if group_code and not WarrantyPartGroup.objects.filter(code=group_code).exists():
        raise ValidationError({"warranty_group": [_("No such part group.")]})
    part = Part.objects.select_for_update().get(pk=part.pk)
    before = part.warranty_group
    if before != group_code:
        part.warranty_group = group_code
        part.save(update_fields=["warranty_group"])
        audit_record(
            actor=actor,
            action="warranty.part_group_assigned",
            obj=part,
            changes={"warranty_group": [before, group_code]},
        )
    return part


@transaction.atomic
def part_group_parts_set(*, group, actor, add=(), remove=()):
    """Put the parts ``add`` in ``group`` and take ``remove`` out of it (each audited)."""
    _require_writer(actor)
    for part in add:
        part_warranty_group_set(part=part, actor=actor, group_code=group.code)
    for part in remove:
        if part.warranty_group == group.code:
            part_warranty_group_set(part=part, actor=actor, group_code="")
    return group


TERM_TAKEN = gettext_noop("This model already has a term for this scope.")


def _clean_term(term):
    if term.scope == WarrantyScope.PART_GROUP and term.part_group_id is None:
        raise ValidationError({"part_group": [_("A main-part term names its part group.")]})
    if term.scope != WarrantyScope.PART_GROUP and term.part_group_id is not None:
        raise ValidationError({"part_group": [_("Only a main-part term names a part group.")]})
    clash = WarrantyTerm.objects.filter(
        product_model_id=term.product_model_id, scope=term.scope, part_group_id=term.part_group_id
    ).exclude(pk=term.pk)
    if clash.exists():
        raise ValidationError({"scope": [_(TERM_TAKEN)]})
    term.full_clean(validate_constraints=False)


@transaction.atomic
def warranty_term_create(
    *, actor, product_model, scope, months, part_group=None, extends_by_repair_days=True
):
    """Add a warranty term for ``product_model`` and ``scope`` (one per scope and group)."""
    _require_writer(actor)
    term = WarrantyTerm(
        product_model=product_model,
        scope=scope,
        part_group=part_group,
        months=months,
        extends_by_repair_days=extends_by_repair_days,
    )
    _clean_term(term)
    with unique_or_invalid("scope", _(TERM_TAKEN)):
        term.save()
    audit_record(
        actor=actor,
        action="warranty.term_created",
        obj=term,
        changes={
            "product_model": product_model.pk,
            "scope": scope,
            "part_group": part_group.code if part_group else "",
            "months": months,
            "extends_by_repair_days": extends_by_repair_days,
        },
    )
    return term


@transaction.atomic
def warranty_term_update(*, term, actor, expected_version=None, **fields):
    """Change a term's length or its repair-days extension (compare-and-swap on version)."""
    _require_writer(actor)
    unknown = set(fields) - set(TERM_FIELDS)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed.")] for f in unknown})
    term = WarrantyTerm.objects.select_for_update().get(pk=term.pk)
    _check_version(term, expected_version)
    changes = {}
    for name, value in fields.items():
        if getattr(term, name) != value:
            changes[name] = [getattr(term, name), value]
            setattr(term, name, value)
    if changes:
        _clean_term(term)
        term.version += 1
        term.save()
        audit_record(actor=actor, action="warranty.term_changed", obj=term, changes=changes)
    return term


@transaction.atomic
def warranty_term_delete(*, term, actor):
    """Remove a term: the scope falls back to the unit's (or the model's default)."""
    _require_writer(actor)
    audit_record(
        actor=actor,
        action="warranty.term_deleted",
        obj=term,
        changes={
            "scope": term.scope,
            "months": term.months,
            "product_model": term.product_model_id,
        },
    )
    term.delete()


# --- Service contracts -------------------------------------------------------------------


def contract_number_next(*, year):
    """The next contract number of ``year`` (``SC-2026-000123``), gap-free
    (``aftersales.sequences``: a rollback gives the number back)."""
    value = sequence_next(ContractNumberSequence, field="last", year=year)
    return f"{settings.CONTRACT_NUMBER_PREFIX}-{year}-{value:06d}"


def _clean_contract(*, customer, products, kind, starts_on, ends_on, fee, visits_included):
    errors = {}
    if kind not in ContractKind.values:
        errors["kind"] = [_("Choose a contract kind.")]
    if not products:
        errors["products"] = [_("Name at least one of the customer's units.")]
    elif any(p.customer_id != customer.pk for p in products):
        errors["products"] = [_("Every unit must be the customer's own.")]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("The contract cannot end before it starts.")]
    if fee is not None and fee < 0:
        errors["fee"] = [_("The fee cannot be negative.")]
    if fee is not None and fee.as_tuple().exponent < -2:
        errors["fee"] = [_("At most two decimal places.")]
    if visits_included is not None and visits_included < 0:
        errors["visits_included"] = [_("Visits cannot be negative.")]
    if errors:
        raise ValidationError(errors)


def _contract_audit(contract):
    return {
        "number": contract.number,
        "customer": contract.customer_id,
        "kind": contract.kind,
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(),
        "fee": str(contract.fee),
        "covers": {
            "parts": contract.covers_parts,
            "labour": contract.covers_labour,
            "callout": contract.covers_callout,
        },
        "visits_included": contract.visits_included,
    }


@transaction.atomic
def contract_create(
    *,
    actor,
    customer,
    products,
    kind,
    starts_on,
    ends_on,
    fee,
    visits_included=None,
    covers_parts=True,
    covers_labour=True,
    covers_callout=True,
    note="",
    renewed_from=None,
):
    """Sign a service contract for ``customer``'s ``products``; numbered ``SC-<year>-…`` by
    the year it is signed."""
    _require_writer(actor)
    products = list(products)
    _clean_contract(
        customer=customer,
        products=products,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        fee=fee,
        visits_included=visits_included,
    )
    contract = ServiceContract.objects.create(
        number=contract_number_next(year=timezone.localdate().year),
        customer=customer,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        fee=fee,
        visits_included=visits_included,
        covers_parts=covers_parts,
        covers_labour=covers_labour,
        covers_callout=covers_callout,
        note=(note or "").strip(),
        renewed_from=renewed_from,
        created_by=acting_user(actor),
    )
    contract.products.set(products)
    audit_record(
        actor=actor,
        action="warranty.contract_created",
        obj=contract,
        changes={
            **_contract_audit(contract),
            "products": [p.pk for p in products],
            "renewed_from": renewed_from.pk if renewed_from else None,
        },
    )
    return contract


@transaction.atomic
def contract_renew(
    *, contract, actor, ends_on=None, fee=None, visits_included=..., expected_version=None
):
    """Renew ``contract``: a successor for the same units and cover, starting the day after
    it ends and (by default) as long, at the same fee and visits. A contract is renewed at
    most once; a cancelled one is not renewed."""
    _require_writer(actor)
    contract = ServiceContract.objects.select_for_update().get(pk=contract.pk)
    _check_version(contract, expected_version)
    if contract.status == ContractStatus.CANCELLED:
        raise InvalidTransition(_("A cancelled contract cannot be renewed."))
    if ServiceContract.objects.filter(renewed_from=contract).exists():
        raise InvalidTransition(_("This contract is already renewed."))
    starts_on = contract.ends_on + datetime.timedelta(days=1)
    if ends_on is None:
        ends_on = starts_on + (contract.ends_on - contract.starts_on)
    successor = contract_create(
        actor=actor,
        customer=contract.customer,
        products=contract.products.all(),
        kind=contract.kind,
        starts_on=starts_on,
        ends_on=ends_on,
        fee=contract.fee if fee is None else fee,
        visits_included=contract.visits_included if visits_included is ... else visits_included,
        covers_parts=contract.covers_parts,
        covers_labour=contract.covers_labour,
        covers_callout=contract.covers_callout,
        note=contract.note,
        renewed_from=contract,
    )
    contract.version += 1
    contract.save(update_fields=["version"])
    audit_record(
        actor=actor,
        action="warranty.contract_renewed",
        obj=contract,
        changes={"renewal": successor.number},
    )
    return successor


@transaction.atomic
def contract_cancel(*, contract, actor, reason, expected_version=None):
    """Cancel an active contract, with a reason; it covers nothing from now on."""
    _require_writer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the contract is cancelled.")]})
    contract = ServiceContract.objects.select_for_update().get(pk=contract.pk)
    _check_version(contract, expected_version)
    if contract.status != ContractStatus.ACTIVE:
        raise InvalidTransition(_("Only an active contract can be cancelled."))
    contract.status = ContractStatus.CANCELLED
    contract.cancel_reason = reason
    contract.cancelled_at = timezone.now()
    contract.version += 1
    contract.save(update_fields=["status", "cancel_reason", "cancelled_at", "version"])
    audit_record(
        actor=actor,
        action="warranty.contract_cancelled",
        obj=contract,
        changes={"status": [ContractStatus.ACTIVE, ContractStatus.CANCELLED], "reason": reason},
    )
    return contract


def contracts_expire(*, today=None, batch_size=500):
    """Mark the active contracts that ended before ``today`` expired, in batches of
    ``batch_size`` (one transaction each, rows locked with SKIP LOCKED). Returns the count."""
    today = today or timezone.localdate()
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                ServiceContract.objects.select_for_update(skip_locked=True)
                .filter(status=ContractStatus.ACTIVE, ends_on__lt=today)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return total
            for contract in batch:
                contract.status = ContractStatus.EXPIRED
                contract.version += 1
            ServiceContract.objects.bulk_update(batch, ["status", "version"])
            for contract in batch:
                audit_record(
                    actor=None,
                    action="warranty.contract_expired",
                    obj=contract,
                    changes={"status": [ContractStatus.ACTIVE, ContractStatus.EXPIRED]},
                )
            total += len(batch)


def contract_reminders_send(*, today=None, batch_size=200):
    """Remind customers of contracts ending within ``CONTRACT_REMINDER_DAYS`` (not renewed,
    not reminded yet) through the notification outbox. Each contract is reminded once:
    ``reminder_sent_on`` is set in the transaction that queues the message (and the
    message's ``dedupe_key`` backs it). Batches of ``batch_size``, SKIP LOCKED, so two
    sweeps never remind one contract twice. Returns the number of contracts reminded."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.CONTRACT_REMINDER_DAYS)
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                ServiceContract.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status=ContractStatus.ACTIVE,
                    reminder_sent_on__isnull=True,
                    ends_on__gte=today,
                    ends_on__lte=horizon,
                    renewal__isnull=True,
                )
                .select_related("customer")
                .order_by("ends_on", "pk")[:batch_size]
            )
            if not batch:
                return total
            for contract in batch:
                notify(
                    kind=NotificationKind.CONTRACT_EXPIRY,
                    recipients=[contract.customer],
                    context={
                        "customer_name": contract.customer.name,
                        "number": contract.number,
                        "kind": ContractKind(contract.kind).label,
                        "ends_on": contract.ends_on,
                        "days": (contract.ends_on - today).days,
                    },
                    dedupe_key=f"contract-expiry:{contract.pk}",
                )
                contract.reminder_sent_on = today
                audit_record(
                    actor=None,
                    action="warranty.contract_reminded",
                    obj=contract,
                    changes={"ends_on": contract.ends_on.isoformat()},
                )
            ServiceContract.objects.bulk_update(batch, ["reminder_sent_on"])
            total += len(batch)


def contracts_sweep(*, today=None):
    """The daily beat job: expire what ended, then remind what ends soon."""
    return {
        "expired": contracts_expire(today=today),
        "reminded": contract_reminders_send(today=today),
    }


# --- The decision at triage --------------------------------------------------------------


def warranty_triage_decide(
    *, ticket, actor, warranty_decision=None, part_group="", goodwill_reason="", category=None
):
    """The decision ``ticket_triage`` stores, and its record (``TicketWarranty``).

    Runs inside the triage's transaction. The derived decision is used when
    ``warranty_decision`` is empty or equal to it. ``goodwill`` overrides it and needs a
    supervisor (403 ``forbidden``) and a reason (400); its audit event is
    ``warranty.goodwill_granted``. Any other decision that differs from the derived one is
    refused (400) with the derived decision's reasons — except without a registered unit,
    where the desk decides in or out from the customer's purchase proof.
    Returns ``(decision, derived, goodwill_reason)``; writes nothing (see
    ``warranty_triage_record``).
    """
    assert transaction.get_connection().in_atomic_block
    part_group = (part_group or "").strip()
    if part_group and not WarrantyPartGroup.objects.filter(code=part_group).exists():
        raise ValidationError({"part_group": [_("No such part group.")]})
    derived = ticket_decision(ticket, part_group=part_group, category=category)
    goodwill_reason = (goodwill_reason or "").strip()
    decision = warranty_decision or derived.decision
    if decision == WarrantyDecision.GOODWILL and derived.decision != WarrantyDecision.GOODWILL:
        role_require(actor, Role.SUPERVISOR, message=_("Only a supervisor may grant goodwill."))
        if not goodwill_reason:
            raise ValidationError(
                {"goodwill_reason": [_("Say why goodwill is granted against the warranty.")]}
            )
    elif decision != derived.decision and derived.determined:
        raise ValidationError(
            {
                "warranty_decision": [
                    _(
                        "The warranty decision is derived: %(decision)s (%(reasons)s). "
                        "A supervisor may grant goodwill instead."
                    )
                    % {
                        "decision": WarrantyDecision(derived.decision).label,
                        "reasons": " ".join(derived.reasons),
                    }
                ]
            }
        )
    else:
        goodwill_reason = ""
    return decision, derived, goodwill_reason


def warranty_triage_record(*, ticket, actor, decision, derived, part_group, goodwill_reason):
    """Store what triage decided (``TicketWarranty``) and audit a goodwill grant.

    Called by ``ticket_triage`` after its compare-and-swap: the ticket row is then locked
    by this transaction, so two triages at once never both insert the record (the loser
    is a 409 stale version, not a unique violation)."""
    goodwill = decision == WarrantyDecision.GOODWILL
    record = ticket_record(ticket) or TicketWarranty(ticket=ticket)
    record.part_group = part_group
    record.derived_decision = derived.decision
    record.reasons = list(derived.reasons)
    record.contract_id = derived.contract_id
    record.goodwill_by = acting_user(actor) if goodwill else None
    record.goodwill_reason = goodwill_reason
    record.decided_at = timezone.now()
    record.save()
    ticket.warranty_record = record
    if goodwill:
        audit_record(
            actor=actor,
            action="warranty.goodwill_granted",
            obj=record,
            ticket=ticket,
            changes={
                "derived_decision": derived.decision,
                "decision": decision,
                "reason": goodwill_reason,
            },
        )
    return record
