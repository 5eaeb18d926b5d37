"""Reads of the technicians app."""

from aftersales.roles import Role, has_role

from .models import Technician
from .services import bookings_on, eligibility_reasons


def technician_list(*, user):
    """Desk and audit roles see every technician; a technician sees only themself."""
    queryset = Technician.objects.select_related("user").prefetch_related("areas")
    if has_role(user, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR):
        return queryset
    return queryset.filter(user=user)


def dispatch_candidates(*, ticket, day):
    """Active technicians considered for ``ticket`` on ``day``: eligible first, in rank order.

    Rank: fewest jobs already booked that day, then employee number (deterministic).
    Each entry: ``technician``, ``eligible``, ``rank`` (None if not eligible) and
    ``reasons`` — why they rank where they do, or why they may not go. Three queries
    whatever the number of technicians.
    """
    area_id = ticket.area_id
    technicians = list(
        Technician.objects.active().only("full_name", "employee_no", "max_jobs_per_day", "active")
    )
    # Only "covers the ticket's area?" matters, so one look at the link table, not every
    # technician's areas.
    covering = set(
        Technician.areas.through.objects.filter(area_id=area_id).values_list(
            "technician_id", flat=True
        )
    )
    booked = bookings_on(
        day=day, technician_ids=[t.pk for t in technicians], exclude_ticket_id=ticket.pk
    )
    scored = []
    for technician in technicians:
        jobs = booked.get(technician.pk, 0)
        against = eligibility_reasons(
            technician=technician,
            area_ids={area_id} if technician.pk in covering else set(),
            ticket_area_id=area_id,
            booked=jobs,
        )
        # Eligible by load then employee number; the others by employee number.
        key = (1, 0, technician.employee_no) if against else (0, jobs, technician.employee_no)
        scored.append((key, technician, against, jobs))
    scored.sort(key=lambda row: row[0])
    entries, rank = [], 0
    for _, technician, against, jobs in scored:
        rank += not against
        entries.append(
            {
                "technician": technician,
                "eligible": not against,
                "rank": None if against else rank,
                "reasons": against or [f"jobs_booked:{jobs}/{technician.max_jobs_per_day}"],
            }
        )
    return entries
