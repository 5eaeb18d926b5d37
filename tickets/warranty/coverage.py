"""What a ticket's service costs the customer: the coverage behind the warranty decision.

``ticket_coverage(ticket)`` is the one answer the quote, the work order's charge lines,
settlement and costs all use. It says whether labour, the call-out and each part are
free, and why (``reasons``: plain sentences for the triage page and the quote).

The coverage is the derived decision (``tickets.warranty.decision``: the unit's terms per
scope, the days under repair, its contracts, the fault's part group, the ticket's
category) on the day the ticket was filed, unless ``on`` names another day. The decision
stored at triage has the last word on the whole job: ``goodwill`` (a supervisor's
override) and ``in_warranty`` make labour, call-out and parts free; ``out_of_warranty``
keeps what the derived decision still makes free (a part group's own warranty, a
contract's cover).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from tickets.choices import WarrantyDecision

from .selectors import ticket_decision, ticket_record


@dataclass(frozen=True)
class Coverage:
    """Which items of a job are free. ``free_part_groups`` names part warranty groups
    (e.g. ``compressor``) free even when ``parts`` is False; ``contract_id`` is the service
    contract that made something free, if any."""

    decision: str
    labour: bool
    callout: bool
    parts: bool
    free_part_groups: frozenset = field(default_factory=frozenset)
    reasons: tuple = ()
    contract_id: int | None = None

    def covers_part(self, part):
        """Whether ``part`` is free on this job: covered parts that the warranty includes
        (``Part.warranty_covered``), or a part whose group has its own cover."""
        group = getattr(part, "warranty_group", "")
        if group and group in self.free_part_groups:
            return True
        return self.parts and part.warranty_covered

    @property
    def anything_charged(self):
        return not (self.labour and self.callout and self.parts)


def ticket_coverage(ticket, *, on=None):
    """The coverage of ``ticket`` on day ``on`` (default: the day it was filed). Three
    queries (terms, earlier repairs, contracts), plus the unit and the triage record when
    they are not loaded yet."""
    derived = ticket_decision(ticket, on=on)
    stored = ticket.warranty_decision
    if stored == WarrantyDecision.GOODWILL:
        record = ticket_record(ticket)
        reason = record.goodwill_reason if record else ""
        reasons = (
            _("Goodwill granted by a supervisor: %(reason)s") % {"reason": reason}
            if reason
            else _("Goodwill granted by a supervisor."),
            *derived.reasons,
        )
        return Coverage(
            decision=stored,
            labour=True,
            callout=True,
            parts=True,
            free_part_groups=derived.free_part_groups,
            reasons=reasons,
            contract_id=derived.contract_id,
        )
    free = stored == WarrantyDecision.IN_WARRANTY
    return Coverage(
        decision=stored or derived.decision,
        labour=free or derived.labour,
        callout=free or derived.callout,
        parts=free or derived.parts,
        free_part_groups=derived.free_part_groups,
        reasons=derived.reasons,
        contract_id=derived.contract_id,
    )
