"""Reads of service outlets: who dispatches for which, the public list, the pages' lists."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q

from aftersales.roles import Role, roles_of
from technicians.models import Technician
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket

from .models import Outlet, PartnerScorecard


def outlet_dispatches(*, user, outlet_id):
    """Whether ``user`` is a dispatcher of the outlet ``outlet_id`` (False without one)."""
    if outlet_id is None or user is None:
        return False
    return Outlet.dispatchers.through.objects.filter(outlet_id=outlet_id, user_id=user.pk).exists()


def outlet_ids_dispatched_by(user):
    """The ids of the outlets ``user`` dispatches for."""
    return set(
        Outlet.dispatchers.through.objects.filter(user_id=user.pk).values_list(
            "outlet_id", flat=True
        )
    )


def outlet_list(*, user=None):
    """Outlets for the staff list: with their counts of technicians, areas and open tickets
    (one query). An outlet dispatcher without a desk role sees only their own outlets."""
    queryset = Outlet.objects.all()
    roles = roles_of(user) if user is not None else frozenset()
    if (
        user is not None
        and not user.is_superuser
        and not roles & {Role.AGENT, Role.SUPERVISOR, Role.AUDITOR}
    ):
        queryset = queryset.filter(dispatchers=user)
    return queryset.annotate(
        technician_count=Count("technicians", distinct=True),
        area_count=Count("areas", distinct=True),
    ).order_by("code")


def outlet_open_ticket_counts(outlet_ids):
    """Outlet id → number of its open tickets (one grouped query)."""
    rows = (
        Ticket.objects.filter(outlet_id__in=outlet_ids, status__in=OPEN_STATUSES)
        .values("outlet_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["outlet_id"]: row["n"] for row in rows}


def outlet_detail(*, pk):
    """One outlet with its areas, dispatchers, stock location and technicians."""
    return (
        Outlet.objects.select_related("stock_location")
        .prefetch_related(
            "areas",
            "dispatchers",
            Prefetch(
                "technicians",
                queryset=Technician.objects.order_by("employee_no").prefetch_related(
                    "certifications__type"
                ),
            ),
        )
        .get(pk=pk)
    )


def outlet_open_tickets(*, outlet, limit=50):
    return (
        Ticket.objects.filter(outlet=outlet, status__in=OPEN_STATUSES)
        .select_related("technician", "area")
        .order_by("created_at")[:limit]
    )


def public_outlets(*, area_id=None):
    """The published, active outlets customers choose from, optionally of one area."""
    queryset = Outlet.objects.published().prefetch_related("areas").order_by("name")
    if area_id:
        queryset = queryset.filter(areas=area_id).distinct()
    return queryset


def outlets_serving(*, area_id):
    """Active outlets serving ``area_id``: where a supervisor may send its tickets."""
    return Outlet.objects.active().filter(areas=area_id).order_by("code")


def scorecard_list(*, outlet=None):
    queryset = PartnerScorecard.objects.select_related("outlet", "evaluator").order_by(
        "-period_start", "outlet__code"
    )
    if outlet is not None:
        queryset = queryset.filter(outlet=outlet)
    return queryset


def outlet_ticket_scope(outlet_id):
    """The tickets that count for an outlet: those sent to it, and those sent straight to
    one of its technicians without an outlet (the centre dispatching directly)."""
    return Q(outlet_id=outlet_id) | Q(outlet__isnull=True, technician__outlet_id=outlet_id)


def dispatcher_candidates():
    """Active users of the role outlet_dispatcher (the outlet form's choices)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.OUTLET_DISPATCHER)
        .order_by("username")
    )
