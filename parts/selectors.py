"""Reads of the parts app that the API, pages and tasks share."""

from decimal import Decimal

from django.db.models import F, Prefetch, Q

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


VAN_SEARCH_LIMIT = 8


def van_stock_for_job(*, ticket, query="", part_ids=None, limit=VAN_SEARCH_LIMIT):
    """The levels of the job's technician's van (one query, parts joined): those of
    ``part_ids``, else the approved active parts in stock matching ``query`` (part
    number or name, case-insensitive), at most ``limit``, by part number."""
    technician_id = ticket.technician_id
    if technician_id is None:
        return StockLevel.objects.none()
    levels = StockLevel.objects.filter(
        location__technician_id=technician_id, location__kind=LocationKind.VAN
    ).select_related("part")
    if part_ids is not None:
        return levels.filter(part_id__in=part_ids)
    levels = levels.filter(on_hand__gt=0, part__active=True, part__approved=True)
    query = (query or "").strip()
    if query:
        levels = levels.filter(Q(part__sku__icontains=query) | Q(part__name__icontains=query))
    return levels.order_by("part__sku")[:limit]


def unit_service_history(*, ticket, limit):
    """The earlier jobs on ``ticket``'s unit (the same product, so the same serial), by
    any technician, newest first, at most ``limit``, with their part lines: two queries.
    Read-only facts for the technician now assigned; no customer details."""
    if ticket.product_id is None:
        return []
    return list(
        Ticket.objects.filter(product_id=ticket.product_id)
        .exclude(pk=ticket.pk)
        .select_related("technician")
        .only(
            "id",
            "number",
            "status",
            "created_at",
            "completed_at",
            "fault_code",
            "fault_class",
            "description",
            "diagnosis",
            "work_done",
            "technician__id",
            "technician__full_name",
        )
        .prefetch_related(
            Prefetch("parts", queryset=TicketPart.objects.select_related("part").order_by("id"))
        )
        .order_by("-created_at", "-id")[:limit]
    )
