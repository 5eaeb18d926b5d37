"""Pricing a job line by line under the charging standards and the job's coverage.

A pure function of its inputs (the ticket, its ``Coverage``, a prefetched ``PriceList``,
the distance and the parts): what a quote proposes and what the work order carries.
Free or charged is never decided here: ``Coverage`` says it (``tickets.warranty``).
"""

from dataclasses import dataclass
from decimal import Decimal

from .choices import ChargeKind
from .pricing import ZERO, callout_zone, labour_fee, part_price

CENT = Decimal("0.01")


@dataclass
class PricedLine:
    kind: str
    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    free: bool
    free_reason: str = ""
    part: object = None

    @property
    def charged(self):
        return not self.free and self.amount > 0

    def fields(self):
        return {
            "kind": self.kind,
            "part": self.part,
            "description": self.description[:200],
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "amount": self.amount,
            "free": self.free,
            "free_reason": self.free_reason[:500],
        }


def coverage_reason(coverage):
    """The coverage's reasons as one sentence list (may be empty: pages then show the
    warranty decision's label)."""
    return "; ".join(str(r) for r in coverage.reasons)


def money(value):
    return Decimal(value).quantize(CENT)


def product_category_id(ticket):
    if ticket.product_id is None:
        return None
    return ticket.product.model.category_id


def labour_line(*, ticket, coverage, price_list):
    fee = labour_fee(
        price_list,
        service_type=ticket.category,
        product_category_id=product_category_id(ticket),
    )
    free = bool(coverage.labour)
    return PricedLine(
        kind=ChargeKind.LABOUR,
        description=ticket.category,
        quantity=1,
        unit_price=money(fee),
        amount=ZERO if free else money(fee),
        free=free,
        free_reason=coverage_reason(coverage) if free else "",
    )


def callout_line(*, coverage, price_list, km):
    zone = callout_zone(price_list, km)
    fee = zone.fee if zone is not None else ZERO
    free = bool(coverage.callout)
    # "<zone> <km> km" (pages title it "Call-out, zone B (12.0 km)"), "" without a zone.
    description = zone.code if zone is not None else ""
    if zone is not None and km is not None:
        description = f"{zone.code} {km} km"
    return PricedLine(
        kind=ChargeKind.CALLOUT,
        description=description,
        quantity=1,
        unit_price=money(fee),
        amount=ZERO if free else money(fee),
        free=free,
        free_reason=coverage_reason(coverage) if free else "",
    )


def part_line(*, coverage, price_list, part, quantity, charged=False, unit_price=None):
    """A part's line: free when the coverage covers it, unless the technician charges it
    (``charged``: e.g. damage by the user; a charge is never waived)."""
    free = coverage.covers_part(part) and not charged
    price = money(part_price(price_list, part) if unit_price is None else unit_price)
    return PricedLine(
        kind=ChargeKind.PART,
        description=f"{part.sku} {part.name}",
        quantity=quantity,
        unit_price=price,
        amount=ZERO if free else money(price * quantity),
        free=free,
        free_reason=coverage_reason(coverage) if free else "",
        part=part,
    )


def job_lines(*, ticket, coverage, price_list, km, parts=()):
    """Labour, call-out and each part of ``parts`` ((part, quantity, charged) triples)."""
    lines = [
        labour_line(ticket=ticket, coverage=coverage, price_list=price_list),
        callout_line(coverage=coverage, price_list=price_list, km=km),
    ]
    for part, quantity, charged in parts:
        lines.append(
            part_line(
                coverage=coverage,
                price_list=price_list,
                part=part,
                quantity=quantity,
                charged=charged,
            )
        )
    return lines


def total_of(lines):
    return money(sum((line.amount for line in lines), start=ZERO))


def needs_quote(lines):
    """Charged work (labour or parts, not the call-out) must be quoted and approved."""
    return any(line.charged for line in lines if line.kind != ChargeKind.CALLOUT)
