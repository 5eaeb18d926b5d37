"""The ORM paths used on databases other than PostgreSQL (SQLite under ``make run``): the
same rows the single statements of ``linking`` and ``notices`` write, through the ORM — a
read, then the inserts, in the caller's transaction (an IMMEDIATE one on SQLite, which
holds the write lock from its start, so no other writer comes in between). And the rule
as a pure function."""

from aftersales.roles import acting_user
from tickets.models import Ticket, TicketEvent

from ..choices import LinkMethod
from ..models import Incident, IncidentNoticeDelivery, IncidentTicket
from .common import _ticket_event_rows


def _rule_tickets(model_ids, area_ids, start, end):
    """The tickets ``_RULE_WHERE`` selects, through the ORM (databases other than PostgreSQL)."""
    tickets = Ticket.objects.filter(product__model_id__in=list(model_ids))
    if area_ids:
        tickets = tickets.filter(area_id__in=list(area_ids))
    if start is not None:
        tickets = tickets.filter(created_at__gte=start)
    if end is not None:
        tickets = tickets.filter(created_at__lt=end)
    return tickets


def _not_linked(tickets, incident):
    """``tickets`` without those linked to ``incident`` or unlinked from it before."""
    linked = IncidentTicket.objects.filter(incident=incident).values("ticket_id")
    return tickets.exclude(pk__in=linked)


def rule_matches(incident, *, model_id, area_id, created_at):
    """Whether a ticket (its product's model, its area, its creation time) matches the
    rule of ``incident``: what ``_LINK_ARRIVAL`` asks on PostgreSQL, as a pure function."""
    return (
        model_id in incident.rule_model_ids
        and (not incident.rule_area_ids or area_id in incident.rule_area_ids)
        and (incident.rule_created_from is None or created_at >= incident.rule_created_from)
        and (incident.rule_created_until is None or created_at < incident.rule_created_until)
    )


def _link_by_rule_orm(incident, actor, now):
    """``_LINK_BY_RULE`` on other databases: the same links and ticket timeline entries."""
    tickets = _rule_tickets(
        incident.rule_model_ids,
        incident.rule_area_ids,
        incident.rule_created_from,
        incident.rule_created_until,
    )
    ticket_ids = list(_not_linked(tickets, incident).order_by("pk").values_list("pk", flat=True))
    IncidentTicket.objects.bulk_create(
        [
            IncidentTicket(
                incident=incident,
                ticket_id=ticket_id,
                method=LinkMethod.RULE,
                linked_at=now,
                linked_by=acting_user(actor),
            )
            for ticket_id in ticket_ids
        ],
        batch_size=500,
    )
    TicketEvent.objects.bulk_create(
        _ticket_event_rows(incident, ticket_ids, actor, LinkMethod.RULE, now), batch_size=500
    )
    return len(ticket_ids)


def _link_arrival_orm(ticket_id, now):
    """``_LINK_ARRIVAL`` on other databases: the open incidents (few) are matched in Python
    (``rule_matches``) inside the transaction."""
    ticket = (
        Ticket.objects.filter(pk=ticket_id)
        .values("product__model_id", "area_id", "created_at")
        .first()
    )
    if ticket is None:
        return []
    linked = IncidentTicket.objects.filter(ticket_id=ticket_id).values("incident_id")
    incidents = [
        incident
        for incident in Incident.objects.open().exclude(pk__in=linked).order_by("pk")
        if rule_matches(
            incident,
            model_id=ticket["product__model_id"],
            area_id=ticket["area_id"],
            created_at=ticket["created_at"],
        )
    ]
    IncidentTicket.objects.bulk_create(
        IncidentTicket(
            incident=incident, ticket_id=ticket_id, method=LinkMethod.ARRIVAL, linked_at=now
        )
        for incident in incidents
    )
    TicketEvent.objects.bulk_create(
        row
        for incident in incidents
        for row in _ticket_event_rows(incident, [ticket_id], None, LinkMethod.ARRIVAL, now)
    )
    return [incident.pk for incident in incidents]


def _notice_deliveries_orm(notice, incident, now):
    """``_NOTICE_DELIVERIES`` on other databases: the customers not told yet, recorded."""
    told = IncidentNoticeDelivery.objects.filter(notice=notice).values("customer_id")
    customer_ids = list(
        IncidentTicket.objects.filter(
            incident=incident,
            unlinked_at__isnull=True,
            ticket__customer__erased_at__isnull=True,
            ticket__customer__consent_service=True,
        )
        .exclude(ticket__customer_id__in=told)
        .order_by()
        .values_list("ticket__customer_id", flat=True)
        .distinct()
    )
    IncidentNoticeDelivery.objects.bulk_create(
        IncidentNoticeDelivery(notice=notice, customer_id=pk, created_at=now) for pk in customer_ids
    )
    return customer_ids
