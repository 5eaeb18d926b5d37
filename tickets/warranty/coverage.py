"""What a ticket's service costs the customer: the coverage behind the warranty decision.

``ticket_coverage(ticket)`` is the one answer the quote, the work order's charge lines,
settlement and costs all use. It says whether labour, the call-out and each part are
free, and why (``reasons``: plain sentences for the triage page and the quote).

This first version follows ``ticket.warranty_decision`` alone; the warranty terms per
scope and the service contracts refine it (issue 17, item 1) behind the same interface.
"""

from dataclasses import dataclass, field

from tickets.choices import WarrantyDecision


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
    """The coverage of ``ticket`` on day ``on`` (default: today)."""
    free = ticket.warranty_decision in (WarrantyDecision.IN_WARRANTY, WarrantyDecision.GOODWILL)
    return Coverage(decision=ticket.warranty_decision, labour=free, callout=free, parts=free)
