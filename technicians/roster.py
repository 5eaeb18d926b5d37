"""Reads behind the supervisors' technician pages: the roster and one technician's papers.

Each function reads a fixed number of queries whatever the number of technicians,
certificates or jobs: one grouped query per kind of fact, keyed by technician id.
Certificate states are derived from the dates (``certification_status``) for the day
asked about, so they are right even before the daily sweep has run.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone

from aftersales.dates import local_day_bounds
from tickets.choices import TicketStatus
from tickets.models import Ticket

from .choices import CertificationStatus
from .eligibility import training_year
from .models import Absence, Certification, Technician, certification_status
from .selectors import bookings_on, training_compliance

# Absences shown on a technician's page: those not yet over, and the last ones past.
RECENT_ABSENCES = 10
TRAINING_RECORDS_SHOWN = 20


@dataclass
class RosterRow:
    technician: Technician
    certificates: dict = field(default_factory=dict)  # status → count
    training: dict = field(default_factory=dict)
    absence: Absence | None = None  # current, else the next upcoming
    absent_today: bool = False
    booked_today: int = 0

    @property
    def load_pct(self):
        return round(100 * self.booked_today / self.technician.max_jobs_per_day)


def technician_roster(*, technicians, day=None):
    """One ``RosterRow`` per technician of ``technicians`` (a queryset), in its order.

    Six queries whatever the number of rows: technicians (with areas prefetched),
    certificates, training hours, absences not yet over, and today's bookings.
    """
    day = day or timezone.localdate()
    rows = [
        RosterRow(technician=t)
        for t in technicians.select_related("home_outlet").prefetch_related("areas")
    ]
    ids = [row.technician.pk for row in rows]
    if not ids:
        return rows
    by_id = {row.technician.pk: row for row in rows}
    certificates = Certification.objects.filter(technician_id__in=ids).values_list(
        "technician_id", "issued_on", "expires_on", "revoked_at"
    )
    for technician_id, issued_on, expires_on, revoked_at in certificates:
        status = certification_status(
            issued_on=issued_on, expires_on=expires_on, revoked=revoked_at is not None, day=day
        )
        counts = by_id[technician_id].certificates
        counts[status] = counts.get(status, 0) + 1
    training = training_compliance(technician_ids=ids, day=day)
    for pk, row in by_id.items():
        row.training = training[pk]
    absences = (
        Absence.objects.filter(technician_id__in=ids, ends_on__gte=day)
        .order_by("technician_id", "starts_on", "id")
        .only("technician_id", "kind", "starts_on", "ends_on")
    )
    for absence in absences:
        row = by_id[absence.technician_id]
        if row.absence is None:
            row.absence = absence
            row.absent_today = absence.starts_on <= day
    for pk, booked in bookings_on(day=day, technician_ids=ids).items():
        by_id[pk].booked_today = booked
    return rows


def certificate_state(counts):
    """Pure: the one state a roster row is shown in, worst first."""
    valid = counts.get(CertificationStatus.VALID, 0) + counts.get(CertificationStatus.EXPIRING, 0)
    if not valid:
        return CertificationStatus.EXPIRED
    if counts.get(CertificationStatus.EXPIRING):
        return CertificationStatus.EXPIRING
    return CertificationStatus.VALID


def roster_filter(queryset, *, area=None, outlet=None, skill=None, day=None):
    """Technicians covering ``area``, working from ``outlet``, holding a valid ``skill``
    (a certification type) on ``day``."""
    if area is not None:
        queryset = queryset.filter(areas=area)
    if outlet is not None:
        queryset = queryset.filter(home_outlet=outlet)
    if skill is not None:
        valid = Certification.objects.valid_on(day or timezone.localdate()).filter(
            technician=OuterRef("pk"), type=skill
        )
        queryset = queryset.filter(Exists(valid))
    return queryset


# --- One technician ---------------------------------------------------------------------------


def technician_certificates(*, technician, day=None):
    """The technician's certificates, newest expiry first, each with ``state`` for ``day``."""
    day = day or timezone.localdate()
    certificates = list(
        Certification.objects.filter(technician=technician)
        .select_related("type", "revoked_by")
        .order_by("revoked_at", "-expires_on", "id")
    )
    for certificate in certificates:
        certificate.state = certificate.status_on(day)
        certificate.state_label = CertificationStatus(certificate.state).label
    return certificates


def technician_training(*, technician, day=None):
    """The last training records and the hours of the training year ending on ``day``."""
    day = day or timezone.localdate()
    start, end = training_year(day)
    records = list(
        technician.training_records.order_by("-completed_on", "-id")[:TRAINING_RECORDS_SHOWN]
    )
    hours = training_compliance(technician_ids=[technician.pk], day=day)[technician.pk]
    return {"records": records, "start": start, "end": end, **hours}


def technician_absences(*, technician, day=None):
    """Absences not yet over (soonest first), then the last few past ones (newest first)."""
    day = day or timezone.localdate()
    current = list(technician.absences.filter(ends_on__gte=day).order_by("starts_on", "id"))
    past = list(
        technician.absences.filter(ends_on__lt=day).order_by("-starts_on", "-id")[:RECENT_ABSENCES]
    )
    return current, past


def jobs_hit_by_absences(*, technician, day=None):
    """Booked jobs (dispatched, not yet started) whose appointment falls on a day the
    technician is recorded absent, soonest first; each carries ``absence_ends_on``.

    Two queries whatever the number of absences and jobs: the absences not yet over, then
    the jobs booked between the first absence's start and the last one's end.
    """
    day = day or timezone.localdate()
    spans = list(
        Absence.objects.filter(technician=technician, ends_on__gte=day).values_list(
            "starts_on", "ends_on"
        )
    )
    if not spans:
        return []
    start, end = local_day_bounds(max(day, min(s for s, _ in spans)), max(e for _, e in spans))
    tickets = (
        Ticket.objects.filter(
            technician=technician,
            status=TicketStatus.DISPATCHED,
            appointment_start__gte=start,
            appointment_start__lt=end,
        )
        .select_related("customer")
        .order_by("appointment_start", "id")
    )
    hit = []
    for ticket in tickets:
        local_day = timezone.localtime(ticket.appointment_start).date()
        ends = [e for s, e in spans if s <= local_day <= e]
        if ends:
            ticket.absence_ends_on = max(ends)
            ticket.absence_spans = spans
            hit.append(ticket)
    return hit


def next_working_day(*, technician, after, absences=()):
    """Pure: the first day after ``after`` the technician works and is not absent."""
    day = after + datetime.timedelta(days=1)
    for _ in range(366):
        if technician.works_on(day) and not any(s <= day <= e for s, e in absences):
            return day
        day += datetime.timedelta(days=1)
    return day


def technician_bookings_today(*, technician, day=None):
    day = day or timezone.localdate()
    return bookings_on(day=day, technician_ids=[technician.pk]).get(technician.pk, 0)
