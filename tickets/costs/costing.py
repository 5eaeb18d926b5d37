"""The cost of one ticket from plain values: the rule every figure of the app follows.

    labour      = working hours on site (check-in ``on_site_at`` to ``completed_at``)
                  × the labour cost per hour in force on the completion day; 0 for a
                  partner outlet's job (its outsourced fee pays its technician);
    parts       = Σ quantity × the part's unit cost (``Part.unit_cost``), every part
                  issued to the job whether charged to the customer or not;
    travel      = one-way distance ``travel_km`` × the travel cost per km in force (0 for
                  a partner's job: the call-out fee in its outsourced fee pays the trip)
                  + the approved expense claims filed against the job;
    outsourcing = a partner outlet's job (the ticket's outlet, else its technician's):
                  ``tickets.charges.pricing.job_service_fee``
                  (labour fee of the service type and product category + call-out fee of
                  the distance zone, price list in force on the completion day); else 0.

Each component is rounded to cents (half up) before the total is added up, so a report's
total is exactly the sum of its tickets' costs. ``tickets.costs.selectors`` computes the
very same figures in SQL for many tickets; the tests hold the two equal.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TicketCost:
    labour: Decimal = ZERO
    parts: Decimal = ZERO
    travel: Decimal = ZERO
    outsourcing: Decimal = ZERO

    @property
    def total(self):
        return self.labour + self.parts + self.travel + self.outsourcing

    def as_dict(self):
        return {
            "labour": self.labour,
            "parts": self.parts,
            "travel": self.travel,
            "outsourcing": self.outsourcing,
            "total": self.total,
        }


def working_seconds(on_site_at, completed_at):
    """Exact seconds on site as a Decimal (0 without both instants or when reversed)."""
    if on_site_at is None or completed_at is None or completed_at <= on_site_at:
        return Decimal(0)
    delta = completed_at - on_site_at
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 10**6


def ticket_cost(
    *,
    on_site_at: datetime.datetime | None,
    completed_at: datetime.datetime | None,
    partner: bool,
    labour_hourly_rate: Decimal = ZERO,
    travel_km: Decimal | None = None,
    travel_km_rate: Decimal = ZERO,
    parts=(),
    claims=(),
    outsourced_fee: Decimal = ZERO,
) -> TicketCost:
    """The ``TicketCost`` of one ticket. ``parts``: ``(quantity, unit_cost)`` pairs;
    ``claims``: the amounts of the job's approved expense claims."""
    parts_cost = money(sum((Decimal(q) * Decimal(c) for q, c in parts), ZERO))
    claimed = money(sum((Decimal(a) for a in claims), ZERO))
    if partner:
        return TicketCost(parts=parts_cost, travel=claimed, outsourcing=money(outsourced_fee))
    seconds = working_seconds(on_site_at, completed_at)
    labour = money(seconds * Decimal(labour_hourly_rate) / 3600)
    distance = money(Decimal(travel_km or 0) * Decimal(travel_km_rate))
    return TicketCost(labour=labour, parts=parts_cost, travel=distance + claimed)
