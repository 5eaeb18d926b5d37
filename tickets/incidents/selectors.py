"""Reads of the service incidents shared by the API and the pages."""

import datetime

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from tickets.models import Area, Customer, ProductModel

from .choices import IncidentStage
from .models import Incident, IncidentEvent, IncidentTicket

CLOCKS = (
    ("response", IncidentStage.RESPONDED, "responded_at"),
    ("handling", IncidentStage.HANDLED, "handled_at"),
    ("closure", IncidentStage.CLOSED, "closed_at"),
)


def incidents_list():
    """Every incident, open ones first (the most urgent due time first), with the count
    of linked tickets: one query for any number of rows."""
    return (
        Incident.objects.select_related("declared_by")
        .annotate(
            closed_rank=Case(
                When(stage=IncidentStage.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            linked_count=Count("links", filter=Q(links__unlinked_at__isnull=True)),
        )
        .order_by("closed_rank", "-declared_at", "-id")
    )


def incident_links(incident):
    """The tickets linked now (not unlinked), newest first, with what the rows show."""
    return (
        IncidentTicket.objects.filter(incident=incident, unlinked_at__isnull=True)
        .select_related("ticket", "ticket__customer", "linked_by")
        .order_by("-linked_at", "-id")
    )


def incident_timeline(incident):
    return IncidentEvent.objects.filter(incident=incident).select_related("actor")


def ticket_incidents(ticket):
    """The incidents a ticket is linked to (the ticket page's banner)."""
    return list(
        Incident.objects.filter(links__ticket=ticket, links__unlinked_at__isnull=True).order_by(
            "-declared_at"
        )
    )


def current_clock(incident, now=None):
    """The clock the incident runs against now (the next stage's), or None once closed."""
    for row in incident_due_summary(incident, now):
        if row["reached_at"] is None:
            return row
    return None


def incident_due_summary(incident, now=None):
    """Each stage with its due time, when it was reached and its state: ``met``, ``late``
    (reached after its due time), ``running`` or ``breached`` (not reached, past due)."""
    now = now or timezone.now()
    rows = []
    for key, stage, reached_field in CLOCKS:
        due = getattr(incident, f"{key}_due_at")
        reached = getattr(incident, reached_field)
        if reached is not None:
            state = "met" if reached <= due else "late"
        else:
            state = "breached" if now > due else "running"
        rows.append(
            {
                "clock": key,
                "stage": stage,
                "stage_label": IncidentStage(stage).label,
                "due_at": due,
                "reached_at": reached,
                "state": state,
                "left": (due - now) if reached is None else datetime.timedelta(0),
            }
        )
    return rows


def rule_names(incident):
    """The rule's product models and areas as objects (two small queries)."""
    models = list(ProductModel.objects.filter(pk__in=incident.rule_model_ids).order_by("code"))
    areas = list(Area.objects.filter(pk__in=incident.rule_area_ids).order_by("code"))
    return models, areas


def notice_audience_count(incident):
    """How many customers a notice would tell now (distinct, not erased, with consent)."""
    return (
        Customer.objects.filter(
            tickets__in=IncidentTicket.objects.filter(
                incident=incident, unlinked_at__isnull=True
            ).values("ticket"),
            erased_at__isnull=True,
            consent_service=True,
        )
        .distinct()
        .count()
    )
