"""Reading the charging standards: which list is in force, and the price of each item.

Shared by quotes (``tickets.charges.services``), settlement (``tickets.settlement``) and
costs (``tickets.costs``), so every part of the product prices a job the same way.
The functions after ``price_list_on`` take a ``PriceList`` whose related rows were
prefetched (``prefetch_related("labour_rates", "callout_zones")``) and query nothing.
"""

from decimal import Decimal

from .models import PriceList

ZERO = Decimal("0.00")


def price_list_on(day):
    """The published price list in force on ``day`` (None before the first one)."""
    return (
        PriceList.objects.published()
        .filter(effective_from__lte=day)
        .order_by("-effective_from", "-id")
        .prefetch_related("labour_rates", "callout_zones", "part_prices")
        .first()
    )


def labour_fee(price_list, *, service_type, product_category_id):
    """The labour price for a service type and product category: the category's own
    rate, else the list's rate for any category, else zero (the list prices nothing)."""
    if price_list is None:
        return ZERO
    fallback = ZERO
    for rate in price_list.labour_rates.all():
        if rate.service_type != service_type:
            continue
        if rate.product_category_id == product_category_id:
            return rate.amount
        if rate.product_category_id is None:
            fallback = rate.amount
    return fallback


def callout_zone(price_list, km):
    """The zone a distance falls in: the first whose limit is at or above it, else the
    open-ended zone (None when the list has no zones or the distance is unknown)."""
    if price_list is None or km is None:
        return None
    zones = list(price_list.callout_zones.all())
    bounded = sorted((z for z in zones if z.up_to_km is not None), key=lambda z: z.up_to_km)
    for zone in bounded:
        if km <= zone.up_to_km:
            return zone
    return next((z for z in zones if z.up_to_km is None), None)


def callout_fee(price_list, km):
    zone = callout_zone(price_list, km)
    return zone.fee if zone is not None else ZERO


def part_price(price_list, part):
    """The part's price in this list, else its catalogue price."""
    if price_list is not None:
        for row in price_list.part_prices.all():
            if row.part_id == part.pk:
                return row.price
    return part.unit_price


def job_service_fee(price_list, *, service_type, product_category_id, km):
    """What an outlet earns for doing one job under the standards: the labour fee of its
    service type and product category plus the call-out fee of its distance zone.
    Settlement pays partner outlets this per signed work order; costs count it as the
    outsourced fee of a partner's job. One definition, used by both."""
    return labour_fee(
        price_list, service_type=service_type, product_category_id=product_category_id
    ) + callout_fee(price_list, km)
