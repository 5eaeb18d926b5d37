"""Linking tickets to an incident: by hand (and unlinking), by the incident's rule (set,
previewed, applied set-based) and on arrival (a new ticket matching an open incident's
rule). The set-based links are single PostgreSQL statements; ``portable`` writes the
same rows on other databases."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import acting_user
from audits.services import audit_record, audit_records
from tickets.choices import EventKind
from tickets.models import TicketEvent

from ..choices import IncidentEventKind, LinkMethod
from ..exceptions import NoRule
from ..models import IncidentEvent, IncidentTicket
from .common import (
    _event,
    _locked,
    _postgresql,
    _require_open,
    _require_supervisor,
    _ticket_event_rows,
)
from .portable import _link_arrival_orm, _link_by_rule_orm, _not_linked, _rule_tickets

# --- Linking tickets -------------------------------------------------------------------


@transaction.atomic
def incident_ticket_link(*, incident, actor, ticket):
    """Link ``ticket`` by hand (once; a ticket unlinked before is linked again). Writes
    the link, a ticket timeline entry ``incident``, an incident entry and the audit."""
    _require_supervisor(actor)
    incident = _locked(incident)
    _require_open(incident)
    link = IncidentTicket.objects.filter(incident=incident, ticket=ticket).first()
    if link is not None and link.unlinked_at is None:
        raise ValidationError({"ticket": [_("This ticket is already linked.")]})
    now = timezone.now()
    if link is None:
        link = IncidentTicket.objects.create(
            incident=incident,
            ticket=ticket,
            method=LinkMethod.MANUAL,
            linked_at=now,
            linked_by=acting_user(actor),
        )
    else:
        link.method, link.linked_at, link.linked_by = LinkMethod.MANUAL, now, acting_user(actor)
        link.unlinked_at, link.unlinked_by, link.unlink_reason = None, None, ""
        link.save()
    TicketEvent.objects.bulk_create(_ticket_event_rows(incident, [ticket.pk], actor, "manual"))
    _event(incident, IncidentEventKind.LINKED, actor, ticket=ticket.pk, number=ticket.number)
    audit_record(
        actor=actor,
        action="incident.ticket_linked",
        obj=incident,
        ticket=ticket,
        changes={"ticket": ticket.pk, "method": LinkMethod.MANUAL},
    )
    return link


@transaction.atomic
def incident_ticket_unlink(*, incident, actor, ticket, reason):
    """Unlink ``ticket`` with a reason (the row stays, so the rule does not link it
    again). Writes the ticket timeline entry, an incident entry and the audit."""
    _require_supervisor(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the ticket is unlinked.")]})
    incident = _locked(incident)
    link = IncidentTicket.objects.filter(
        incident=incident, ticket=ticket, unlinked_at__isnull=True
    ).first()
    if link is None:
        raise ValidationError({"ticket": [_("This ticket is not linked to the incident.")]})
    link.unlinked_at, link.unlinked_by, link.unlink_reason = (
        timezone.now(),
        acting_user(actor),
        reason[:2000],
    )
    link.save(update_fields=["unlinked_at", "unlinked_by", "unlink_reason"])
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.INCIDENT,
        action="unlinked",
        actor=acting_user(actor),
        payload={"incident": incident.pk, "number": incident.number, "reason": link.unlink_reason},
    )
    _event(
        incident,
        IncidentEventKind.UNLINKED,
        actor,
        ticket=ticket.pk,
        number=ticket.number,
        reason=link.unlink_reason,
    )
    audit_record(
        actor=actor,
        action="incident.ticket_unlinked",
        obj=incident,
        ticket=ticket,
        changes={"ticket": ticket.pk, "reason": link.unlink_reason},
    )
    return link


def _clean_rule(product_models, areas, created_from, created_until):
    if not product_models:
        raise ValidationError({"product_models": [_("Choose at least one product model.")]})
    if created_from and created_until and created_until <= created_from:
        raise ValidationError({"created_until": [_("The window ends after it starts.")]})
    model_ids = sorted({m.pk for m in product_models})
    area_ids = sorted({a.pk for a in areas or ()})
    return model_ids, area_ids


@transaction.atomic
def incident_rule_set(
    *, incident, actor, product_models, areas=(), created_from=None, created_until=None
):
    """Set the incident's rule: tickets of these product models, in these areas (none:
    every area), created in ``[created_from, created_until)`` (open ends allowed). Links
    nothing by itself (``incident_link_by_rule`` does). Writes the rule, an entry, audit."""
    _require_supervisor(actor)
    incident = _locked(incident)
    _require_open(incident)
    model_ids, area_ids = _clean_rule(product_models, areas, created_from, created_until)
    incident.rule_model_ids, incident.rule_area_ids = model_ids, area_ids
    incident.rule_created_from, incident.rule_created_until = created_from, created_until
    incident.version = F("version") + 1
    incident.save(
        update_fields=[
            "rule_model_ids",
            "rule_area_ids",
            "rule_created_from",
            "rule_created_until",
            "version",
        ]
    )
    incident.refresh_from_db(fields=["version"])
    rule = {
        "product_models": model_ids,
        "areas": area_ids,
        "created_from": created_from.isoformat() if created_from else None,
        "created_until": created_until.isoformat() if created_until else None,
    }
    _event(incident, IncidentEventKind.RULE_SET, actor, **rule)
    audit_record(actor=actor, action="incident.rule_set", obj=incident, changes=rule)
    return incident


# bandit B608: the statements below are constant text; every value is a bound parameter.
_RULE_WHERE = """
    p.model_id = ANY(%(models)s::int[])
    AND (cardinality(%(areas)s::int[]) = 0 OR t.area_id = ANY(%(areas)s::int[]))
    AND (%(start)s::timestamptz IS NULL OR t.created_at >= %(start)s::timestamptz)
    AND (%(end)s::timestamptz IS NULL OR t.created_at < %(end)s::timestamptz)
"""

_LINK_BY_RULE = """
WITH linked AS (
    INSERT INTO incidents_incidentticket
        (incident_id, ticket_id, method, linked_at, linked_by_id, unlink_reason)
    SELECT %(incident)s, t.id, 'rule', %(now)s, %(actor)s, ''
    FROM tickets_ticket t JOIN tickets_product p ON p.id = t.product_id
    WHERE {where}
    ON CONFLICT (incident_id, ticket_id) DO NOTHING
    RETURNING ticket_id
), events AS (
    INSERT INTO tickets_ticketevent
        (ticket_id, kind, action, from_status, to_status, actor_id, payload, created_at)
    SELECT ticket_id, 'incident', 'linked', '', '', %(actor)s,
        jsonb_build_object('incident', %(incident)s::int, 'number', %(number)s::text,
                           'method', 'rule'),
        %(now)s
    FROM linked
    RETURNING 1
)
SELECT count(*) FROM events
""".replace("{where}", _RULE_WHERE)  # nosec B608

_PREVIEW = """
SELECT count(*) FROM tickets_ticket t JOIN tickets_product p ON p.id = t.product_id
WHERE {where}
    AND NOT EXISTS (SELECT 1 FROM incidents_incidentticket l
                    WHERE l.incident_id = %(incident)s AND l.ticket_id = t.id)
""".replace("{where}", _RULE_WHERE)  # nosec B608


def _rule_params(incident, model_ids, area_ids, start, end):
    return {
        "incident": incident.pk,
        "number": incident.number,
        "models": list(model_ids),
        "areas": list(area_ids),
        "start": start,
        "end": end,
    }


def incident_rule_preview(
    *, incident, product_models, areas=(), created_from=None, created_until=None
):
    """How many tickets the rule would link now (those not linked or unlinked before).
    A read: one count statement, nothing written."""
    model_ids, area_ids = _clean_rule(product_models, areas, created_from, created_until)
    if not _postgresql():
        tickets = _rule_tickets(model_ids, area_ids, created_from, created_until)
        return _not_linked(tickets, incident).count()
    with connection.cursor() as cursor:
        cursor.execute(
            _PREVIEW, _rule_params(incident, model_ids, area_ids, created_from, created_until)
        )
        return cursor.fetchone()[0]


@transaction.atomic
def incident_link_by_rule(*, incident, actor, expected_count=None):
    """Link every ticket matching the incident's rule, in ONE statement: an
    ``INSERT … SELECT … ON CONFLICT DO NOTHING`` of the links whose ``RETURNING`` feeds the
    ``INSERT`` of the tickets' timeline entries (kind ``incident``). Idempotent: a ticket
    is linked once, an unlinked one is not linked again. Writes one ``rule_linked`` entry
    with the count and one audit event. Returns the number linked."""
    _require_supervisor(actor)
    incident = _locked(incident)
    _require_open(incident)
    if not incident.has_rule:
        raise NoRule(_("Set the incident's rule first."))
    params = _rule_params(
        incident,
        incident.rule_model_ids,
        incident.rule_area_ids,
        incident.rule_created_from,
        incident.rule_created_until,
    )
    params.update(now=timezone.now(), actor=getattr(acting_user(actor), "pk", None))
    if _postgresql():
        with connection.cursor() as cursor:
            cursor.execute(_LINK_BY_RULE, params)
            count = cursor.fetchone()[0]
    else:
        count = _link_by_rule_orm(incident, actor, params["now"])
    _event(incident, IncidentEventKind.RULE_LINKED, actor, count=count)
    audit_record(
        actor=actor,
        action="incident.linked_by_rule",
        obj=incident,
        changes={"count": count, "expected": expected_count},
    )
    return count


_LINK_ARRIVAL = """
WITH linked AS (
    INSERT INTO incidents_incidentticket
        (incident_id, ticket_id, method, linked_at, linked_by_id, unlink_reason)
    SELECT i.id, t.id, 'arrival', %(now)s, NULL, ''
    FROM incidents_incident i
    CROSS JOIN tickets_ticket t JOIN tickets_product p ON p.id = t.product_id
    WHERE t.id = %(ticket)s AND i.stage <> 'closed'
      AND cardinality(i.rule_model_ids) > 0
      AND p.model_id = ANY(i.rule_model_ids)
      AND (cardinality(i.rule_area_ids) = 0 OR t.area_id = ANY(i.rule_area_ids))
      AND (i.rule_created_from IS NULL OR t.created_at >= i.rule_created_from)
      AND (i.rule_created_until IS NULL OR t.created_at < i.rule_created_until)
    ON CONFLICT (incident_id, ticket_id) DO NOTHING
    RETURNING incident_id, ticket_id
), events AS (
    INSERT INTO tickets_ticketevent
        (ticket_id, kind, action, from_status, to_status, actor_id, payload, created_at)
    SELECT l.ticket_id, 'incident', 'linked', '', '', NULL,
        jsonb_build_object('incident', i.id, 'number', i.number, 'method', 'arrival'),
        %(now)s
    FROM linked l JOIN incidents_incident i ON i.id = l.incident_id
    RETURNING 1
)
SELECT incident_id FROM linked
"""


@transaction.atomic
def incident_link_arrival(*, ticket_id):
    """Link a newly recorded ticket to every open incident whose rule it matches (the
    intake calls this after its commit). One statement links and writes the timeline
    entries; each incident that gained the ticket gets an entry and an audit event.
    Returns the ids of those incidents."""
    now = timezone.now()
    if _postgresql():
        with connection.cursor() as cursor:
            cursor.execute(_LINK_ARRIVAL, {"ticket": ticket_id, "now": now})
            incident_ids = [row[0] for row in cursor.fetchall()]
    else:
        incident_ids = _link_arrival_orm(ticket_id, now)
    if incident_ids:
        IncidentEvent.objects.bulk_create(
            IncidentEvent(
                incident_id=pk,
                kind=IncidentEventKind.LINKED,
                payload={"ticket": ticket_id, "method": LinkMethod.ARRIVAL},
            )
            for pk in incident_ids
        )
        audit_records(
            actor=None,
            records=[
                {
                    "action": "incident.ticket_linked",
                    "object_type": "incidents.incident",
                    "object_id": pk,
                    "ticket_id": ticket_id,
                    "changes": {"ticket": ticket_id, "method": LinkMethod.ARRIVAL},
                }
                for pk in incident_ids
            ],
        )
    return incident_ids


def incident_link_arrival_on_commit(ticket):
    """For the intake: link ``ticket`` to the matching open incidents after its commit."""
    ticket_id = ticket.pk
    transaction.on_commit(lambda: incident_link_arrival(ticket_id=ticket_id), robust=True)
