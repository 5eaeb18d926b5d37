"""Reads of the dispatch board (/dispatch/): technicians as rows, their bookings and
absences in a window, the triaged tickets nobody is sent to yet.

Every read is bounded whatever the size of the ticket table: at most ``MAX_ROWS``
technicians, their bookings by the (technician, appointment_start) index over the
window only, and the first ``UNASSIGNED_LIMIT`` unassigned tickets by dispatch deadline.
The ranking of candidates is ``selectors.dispatch_candidates``, not repeated here.
"""

import datetime

from django.db.models import Exists, OuterRef

from aftersales.dates import local_day_bounds
from tickets.choices import TicketStatus
from tickets.models import Ticket

from .models import Absence, Certification, Technician

MAX_ROWS = 200
UNASSIGNED_LIMIT = 50
# The service refuses windows longer than this, so a booking that overlaps the window
# starts at most this long before it.
LONGEST_WINDOW = datetime.timedelta(hours=12)


def board_technicians(*, area_id=None, outlet_id=None, category_id=None, day=None):
    """Active technicians for the rows, by employee number: ``(rows, total)``.

    ``area_id``: they cover the area; ``outlet_id``: it is their home outlet;
    ``category_id`` (the skill): they hold a certificate valid on ``day`` for it.
    At most ``MAX_ROWS`` rows; ``total`` is how many match. Two queries.
    """
    queryset = Technician.objects.active()
    if area_id:
        queryset = queryset.filter(
            Exists(
                Technician.areas.through.objects.filter(
                    technician_id=OuterRef("pk"), area_id=area_id
                )
            )
        )
    if outlet_id:
        queryset = queryset.filter(home_outlet_id=outlet_id)
    if category_id:
        queryset = queryset.filter(
            Exists(
                Certification.objects.valid_on(day)
                .for_category(category_id)
                .filter(technician_id=OuterRef("pk"))
            )
        )
    rows = list(
        queryset.order_by("employee_no").only(
            "id", "full_name", "employee_no", "max_jobs_per_day", "working_days", "active"
        )[:MAX_ROWS]
    )
    total = len(rows) if len(rows) < MAX_ROWS else queryset.count()
    return rows, total


def board_bookings(*, technician_ids, first, last):
    """The booked jobs of ``technician_ids`` whose window overlaps the local days
    ``first`` … ``last``, cancelled ones left out. One query on the index."""
    start, end = local_day_bounds(first, last)
    return list(
        Ticket.objects.filter(
            technician_id__in=technician_ids,
            appointment_start__gte=start - LONGEST_WINDOW,
            appointment_start__lt=end,
            appointment_end__gt=start,
        )
        .exclude(status=TicketStatus.CANCELLED)
        .order_by("appointment_start", "id")
        .only(
            "id",
            "number",
            "status",
            "version",
            "category",
            "technician_id",
            "appointment_start",
            "appointment_end",
        )
    )


def board_absences(*, technician_ids, first, last):
    """Absences of ``technician_ids`` that touch the days ``first`` … ``last``. One query."""
    return list(
        Absence.objects.filter(
            technician_id__in=technician_ids, starts_on__lte=last, ends_on__gte=first
        ).only("id", "technician_id", "kind", "starts_on", "ends_on")
    )


def board_unassigned(*, area_id=None, limit=UNASSIGNED_LIMIT):
    """Triaged tickets waiting for a technician, the nearest dispatch deadline first
    (ties by number). One query, ``limit`` rows at most."""
    queryset = Ticket.objects.filter(status=TicketStatus.TRIAGED, technician__isnull=True)
    if area_id:
        queryset = queryset.filter(area_id=area_id)
    return list(
        queryset.select_related("area")
        .order_by("dispatch_due_at", "id")
        .only(
            "id",
            "number",
            "status",
            "version",
            "priority",
            "category",
            "area__name",
            "response_due_at",
            "response_warn_at",
            "responded_at",
            "dispatch_due_at",
            "dispatch_warn_at",
            "dispatched_at",
            "completed_at",
            "cancelled_at",
            "sla_paused_at",
        )[:limit]
    )
