"""Reads shared by the API, the pages and the reports."""

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftersales.roles import Role, has_role

from .choices import SlaState
from .models import Customer, Product, Ticket, TicketEvent


def ticket_list(*, user):
    """Tickets the user may see, with what the list serializer reads joined in."""
    return Ticket.objects.visible_to(user).with_related()


def ticket_events(*, ticket):
    return (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def customer_list(*, user, phone=None):
    return Customer.objects.visible_to(user, phone=phone).select_related("area")


def product_list(*, user):
    customers = Customer.objects.visible_to(user).values("pk")
    return Product.objects.filter(customer__in=customers).select_related("model", "customer")


def can_see_phone(user, *, customer=None, ticket=None):
    """Desk roles see full phone numbers; a technician sees them on jobs assigned to them.

    Auditors and integrators get masked numbers (collect and show only what the role needs).
    """
    if has_role(user, Role.AGENT, Role.SUPERVISOR):
        return True
    if ticket is not None and has_role(user, Role.TECHNICIAN):
        return ticket.technician_id is not None and ticket.technician.user_id == user.pk
    return False


def sla_state_q(state, *, now=None):
    """The database form of ``Ticket.sla_state`` (tickets.sla), for filtering lists.

    Mirrors the pure functions: a clock stops at its stop event; a paused ticket is
    judged as of its pause instant; breached beats at risk beats on track beats met.
    """
    now = now or timezone.now()
    at = Coalesce(F("sla_paused_at"), Value(now))
    response_stop = Coalesce(F("responded_at"), F("cancelled_at"))
    dispatch_stop = Coalesce(F("dispatched_at"), F("completed_at"), F("cancelled_at"))
    breached = Q(response_due_at__lt=Coalesce(response_stop, at)) | Q(
        dispatch_due_at__lt=Coalesce(dispatch_stop, at)
    )
    response_running = Q(responded_at__isnull=True, cancelled_at__isnull=True)
    dispatch_running = Q(
        dispatched_at__isnull=True, completed_at__isnull=True, cancelled_at__isnull=True
    )
    at_risk = (response_running & Q(response_warn_at__lte=at)) | (
        dispatch_running & Q(dispatch_warn_at__lte=at)
    )
    met = ~response_running & ~dispatch_running
    if state == SlaState.BREACHED:
        return breached
    if state == SlaState.AT_RISK:
        return ~breached & at_risk
    if state == SlaState.MET:
        return ~breached & met
    return ~breached & ~at_risk & ~met
