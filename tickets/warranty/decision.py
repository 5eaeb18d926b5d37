"""The warranty decision as a pure function over plain values (no database, no clock).

``decide(...)`` answers, for one job on one day: the decision (in or out of warranty),
what is free (labour, call-out, parts, the part groups whose own warranty runs), the
service contract that made something free, each scope's end date, and the reasons in
words. ``tickets.warranty.selectors.warranty_facts`` gathers the values from the database;
``coverage.ticket_coverage`` and triage call this.

The rules (README "Warranty and service contracts"):

- the **unit** warranty runs ``months`` from the purchase date (the model's ``unit``
  term, else ``ProductModel.warranty_months``); while it runs, labour, the call-out and
  the warranty-covered parts are free;
- a **labour** term, when the model has one, replaces the unit's end for labour and the
  call-out (the visit is labour); without one they follow the unit;
- a **part-group** term (compressor, motor…) keeps that group's parts free until it ends,
  even after the unit and labour warranty ended;
- each term whose ``extends_by_repair_days`` is set (and the global switch is on) ends
  later by ``repair_days``: the days the unit spent under repair before;
- maintenance and installation are not defects: the warranty does not make them free,
  only a contract of that kind does;
- an **active contract** of the job's kind (extended warranty for repairs, complaints and
  returns; maintenance; installation) that still has visits left adds its cover (parts,
  labour, call-out) for the job;
- the decision is ``in_warranty`` when the whole job is free (labour, call-out and the
  fault's parts: the parts cover, or the fault's part group's own warranty), else
  ``out_of_warranty`` with the free items still listed. Goodwill is never derived: it is a
  supervisor's override.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from tickets.choices import TicketCategory, WarrantyDecision
from tickets.models.core import add_months

from .choices import ContractKind, WarrantyScope

# Which ticket categories each contract kind serves.
CONTRACT_CATEGORIES = {
    ContractKind.EXTENDED_WARRANTY: {
        TicketCategory.REPAIR,
        TicketCategory.COMPLAINT,
        TicketCategory.RETURN_EXCHANGE,
        TicketCategory.CONSULTATION,
    },
    ContractKind.MAINTENANCE: {TicketCategory.MAINTENANCE},
    ContractKind.INSTALLATION: {TicketCategory.INSTALLATION},
}
# Categories the product warranty itself never makes free.
NOT_DEFECTS = {TicketCategory.MAINTENANCE, TicketCategory.INSTALLATION}


@dataclass(frozen=True)
class TermValue:
    scope: str
    months: int
    part_group: str = ""
    part_group_name: str = ""
    extends: bool = True


@dataclass(frozen=True)
class ContractValue:
    id: int
    number: str
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date
    parts: bool
    labour: bool
    callout: bool
    visits_included: int | None = None
    visits_used: int = 0
    active: bool = True


@dataclass(frozen=True)
class ScopeEnd:
    """One scope's warranty: until when, and whether it runs on the day asked."""

    scope: str
    until: datetime.date
    covered: bool
    part_group: str = ""
    name: str = ""
    extension_days: int = 0

    @property
    def label(self):
        """What a page shows: the part group's name, else the scope's label."""
        return self.name or WarrantyScope(self.scope).label


@dataclass(frozen=True)
class Decision:
    decision: str
    labour: bool
    callout: bool
    parts: bool
    free_part_groups: frozenset = field(default_factory=frozenset)
    reasons: tuple = ()
    contract_id: int | None = None
    scopes: tuple = ()
    # False without a registered unit: the desk decides from the purchase proof.
    determined: bool = True


def repair_days(intervals, *, before):
    """Days under repair: the union of ``(intake_day, done_day)`` intervals (``done_day``
    ``None``: still open, counted up to ``before``), clipped to days before ``before``.
    A repair finished on its intake day counts 0 days; overlapping tickets count once."""
    spans = sorted(
        (start, min(end or before, before)) for start, end in intervals if start < before
    )
    total, current_start, current_end = 0, None, None
    for start, end in spans:
        if end < start:
            continue
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).days
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += (current_end - current_start).days
    return total


def scope_ends(*, purchase_date, default_months, terms, repair_days=0, extension_enabled=True):
    """The end of each scope's warranty, the unit first, then labour (when the model has
    a labour term), then the part groups: ``(scope, group, name, until, extension_days)``."""
    by_key = {(t.scope, t.part_group): t for t in terms}
    unit = by_key.get((WarrantyScope.UNIT, "")) or TermValue(
        scope=WarrantyScope.UNIT, months=default_months, extends=True
    )
    out = []

    def end_of(term):
        extra = repair_days if (extension_enabled and term.extends) else 0
        return add_months(purchase_date, term.months) + datetime.timedelta(days=extra), extra

    until, extra = end_of(unit)
    out.append((WarrantyScope.UNIT, "", "", until, extra))
    labour = by_key.get((WarrantyScope.LABOUR, ""))
    if labour is not None:
        until, extra = end_of(labour)
        out.append((WarrantyScope.LABOUR, "", "", until, extra))
    for term in sorted(
        (t for t in terms if t.scope == WarrantyScope.PART_GROUP), key=lambda t: t.part_group
    ):
        until, extra = end_of(term)
        out.append((WarrantyScope.PART_GROUP, term.part_group, term.part_group_name, until, extra))
    return out


def decide(
    *,
    day,
    purchase_date=None,
    default_months=12,
    terms=(),
    repair_days=0,
    extension_enabled=True,
    contracts=(),
    part_group="",
    category=TicketCategory.REPAIR,
):
    """The warranty decision for a job on ``day`` (see the module's rules).

    ``purchase_date`` ``None``: no registered unit (no warranty to check, contracts are
    per unit so none applies either; ``determined`` is False: the desk decides in or out
    from the purchase proof, ``out_of_warranty`` by default). ``part_group``: the fault's
    part group when known (its code); without it the decision uses the unit scope."""
    reasons = []
    if purchase_date is None:
        reasons.append(
            _("No registered unit: decide from the customer's purchase proof (charged by default).")
        )
        return Decision(
            decision=WarrantyDecision.OUT_OF_WARRANTY,
            labour=False,
            callout=False,
            parts=False,
            reasons=tuple(reasons),
            determined=False,
        )
    ends = scope_ends(
        purchase_date=purchase_date,
        default_months=default_months,
        terms=terms,
        repair_days=repair_days,
        extension_enabled=extension_enabled,
    )
    scopes = tuple(
        ScopeEnd(
            scope=scope,
            part_group=group,
            name=name,
            until=until,
            covered=purchase_date <= day <= until,
            extension_days=extra,
        )
        for scope, group, name, until, extra in ends
    )
    unit = scopes[0]
    labour_scope = next((s for s in scopes if s.scope == WarrantyScope.LABOUR), None)
    defect = category not in NOT_DEFECTS

    parts = defect and unit.covered
    labour_end = labour_scope or unit
    labour = defect and labour_end.covered
    free_groups = frozenset(
        s.part_group for s in scopes if s.scope == WarrantyScope.PART_GROUP and s.covered
    )
    if not defect:
        free_groups = frozenset()
        reasons.append(
            _("%(category)s is not a defect: the warranty does not make it free.")
            % {"category": TicketCategory(category).label}
        )

    def extension(scope):
        if not scope.extension_days:
            return ""
        return " " + _("(extended by %(days)s days under repair)") % {"days": scope.extension_days}

    if defect:
        if unit.covered:
            reasons.append(
                _("Unit covered until %(date)s by the whole-unit warranty%(ext)s.")
                % {"date": unit.until.isoformat(), "ext": extension(unit)}
            )
        else:
            reasons.append(
                _("The whole-unit warranty ended on %(date)s%(ext)s.")
                % {"date": unit.until.isoformat(), "ext": extension(unit)}
            )
        if labour_scope is not None:
            if labour_scope.covered:
                reasons.append(
                    _("Labour covered until %(date)s by the labour warranty%(ext)s.")
                    % {"date": labour_scope.until.isoformat(), "ext": extension(labour_scope)}
                )
            else:
                reasons.append(
                    _("The labour warranty ended on %(date)s%(ext)s.")
                    % {"date": labour_scope.until.isoformat(), "ext": extension(labour_scope)}
                )
        for scope in scopes:
            if scope.scope != WarrantyScope.PART_GROUP:
                continue
            if part_group and scope.part_group != part_group:
                continue
            name = scope.name or scope.part_group
            if scope.covered:
                reasons.append(
                    _("%(group)s covered until %(date)s by the main-parts warranty%(ext)s.")
                    % {"group": name, "date": scope.until.isoformat(), "ext": extension(scope)}
                )
            else:
                reasons.append(
                    _("The %(group)s warranty ended on %(date)s%(ext)s.")
                    % {"group": name, "date": scope.until.isoformat(), "ext": extension(scope)}
                )

    callout = labour
    contract_id = None
    for contract in sorted(contracts, key=lambda c: (c.ends_on, c.id)):
        if category not in CONTRACT_CATEGORIES.get(contract.kind, ()):
            continue
        if not contract.active or not (contract.starts_on <= day <= contract.ends_on):
            continue
        if (
            contract.visits_included is not None
            and contract.visits_used >= contract.visits_included
        ):
            reasons.append(
                _("Contract %(number)s: all %(n)s included visits are used.")
                % {"number": contract.number, "n": contract.visits_included}
            )
            continue
        adds = (
            (contract.labour and not labour)
            or (contract.callout and not callout)
            or (contract.parts and not parts)
        )
        if not adds:
            continue
        labour = labour or contract.labour
        callout = callout or contract.callout
        parts = parts or contract.parts
        contract_id = contract.id
        covered = [
            str(label)
            for flag, label in (
                (contract.parts, _("parts")),
                (contract.labour, _("labour")),
                (contract.callout, _("call-out")),
            )
            if flag
        ]
        if contract.visits_included is None:
            visits = _("unlimited visits")
        else:
            visits = _("visit %(n)s of %(total)s") % {
                "n": contract.visits_used + 1,
                "total": contract.visits_included,
            }
        reasons.append(
            _("Contract %(number)s covers %(what)s until %(date)s (%(visits)s).")
            % {
                "number": contract.number,
                "what": ", ".join(covered),
                "date": contract.ends_on.isoformat(),
                "visits": visits,
            }
        )
        break

    fault_parts_free = parts or (bool(part_group) and part_group in free_groups)
    free = labour and callout and fault_parts_free
    decision = WarrantyDecision.IN_WARRANTY if free else WarrantyDecision.OUT_OF_WARRANTY
    if not free:
        charged = [
            str(label)
            for flag, label in (
                (fault_parts_free, _("parts")),
                (labour, _("labour")),
                (callout, _("call-out")),
            )
            if not flag
        ]
        reasons.append(_("Charged: %(what)s.") % {"what": ", ".join(charged)})
    return Decision(
        decision=decision,
        labour=labour,
        callout=callout,
        parts=parts,
        free_part_groups=free_groups,
        reasons=tuple(reasons),
        contract_id=contract_id,
        scopes=scopes,
    )
