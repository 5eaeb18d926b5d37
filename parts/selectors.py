"""Reads of the parts app that the API, pages and tasks share."""

from decimal import Decimal

from django.db.models import F, Prefetch

from tickets.models import Ticket

from .choices import LocationKind, ReservationStatus
from .models import (
    Part,
    ReorderAlert,
    StockLevel,
    StockLocation,
    StockMovement,
    StockReservation,
    TicketPart,
)


def part_list():
    return Part.objects.select_related("category").prefetch_related("compatible_models")


def location_list(*, user):
    return StockLocation.objects.visible_to(user).select_related("technician", "area")


def stock_level_list(*, user):
    """Levels with their part and location joined: one query per page, whatever its size."""
    return (
        StockLevel.objects.visible_to(user)
        .select_related("part", "location")
        .only(
            "id",
            "on_hand",
            "reserved",
            "below_reorder",
            "updated_at",
            "part__id",
            "part__sku",
            "part__name",
            "part__reorder_point",
            "part__reorder_quantity",
            "location__id",
            "location__code",
            "location__kind",
        )
    )


def movement_list(*, user):
    return StockMovement.objects.visible_to(user).select_related(
        "part", "from_location", "to_location"
    )


def open_reorder_alerts():
    """Alerts not cleared yet, with what a digest line shows."""
    return (
        ReorderAlert.objects.filter(cleared_at__isnull=True)
        .select_related("part", "location")
        .order_by("location__code", "part__sku")
    )


def suggested_transfer_source(*, part, exclude_location):
    """The warehouse holding the most available units of ``part`` (a transfer suggestion)."""
    level = (
        StockLevel.objects.filter(part=part, location__kind=LocationKind.WAREHOUSE)
        .exclude(location=exclude_location)
        .select_related("location")
        .annotate(avail=F("on_hand") - F("reserved"))
        .order_by("-avail", "location_id")
        .first()
    )
    return level if level is not None and level.available > 0 else None


def ticket_parts_summary(*, ticket):
    """The parts-and-charges summary of a job: what the customer confirms (free lines) and
    gets a receipt for (charged lines), plus what is still reserved."""
    lines = list(
        TicketPart.objects.filter(ticket=ticket).select_related("part", "location").order_by("id")
    )
    reserved = list(
        StockReservation.objects.filter(ticket=ticket, status=ReservationStatus.OPEN)
        .select_related("part", "location")
        .order_by("id")
    )
    charged_total = sum((line.amount for line in lines), Decimal("0.00"))
    return {
        "ticket": ticket.pk,
        "lines": lines,
        "reserved": reserved,
        "charged_total": charged_total,
        "free_lines": sum(1 for line in lines if not line.charged),
        "charged_lines": sum(1 for line in lines if line.charged),
    }


def product_service_history(*, product, user):
    """Every ticket of one unit (by product), oldest first, with the parts fitted and the
    defective parts removed (serials side by side) — one query for the tickets, one for
    their part lines."""
    return (
        Ticket.objects.visible_to(user)
        .filter(product=product)
        .select_related("technician")
        .prefetch_related(
            Prefetch(
                "parts",
                queryset=TicketPart.objects.select_related("part").order_by("id"),
            )
        )
        .order_by("created_at", "id")
    )
