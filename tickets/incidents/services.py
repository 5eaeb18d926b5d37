"""Every write of the service incidents: declare, move through the stages, set the rule and
link tickets by it (set-based), link and unlink by hand, draft and send the notice to the
affected customers (once per customer), record the review, warn of overdue stages.

Supervisors write; the system (``actor=None``: the beat sweep, the intake hook) passes.
Each function runs in one transaction and writes its audit event and its incident
timeline entry in it; notifications go out after commit through the outbox (``notify``).

The set-based links and the notice's recipients are single PostgreSQL statements (measured
in ``bench/``); on other databases (SQLite under ``make run``) the same rows are written
through the ORM: a read, then the inserts, in the same transaction — an IMMEDIATE one on
SQLite, which holds the write lock from its start, so no other writer comes in between.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import InvalidTransition, StaleVersion
from aftersales.platform.models import NotificationKind
from aftersales.platform.selectors import staff_to_notify
from aftersales.platform.services import notify
from aftersales.roles import Role, acting_user, role_require
from aftersales.sequences import sequence_next
from audits.services import audit_record, audit_records
from tickets.choices import EventKind
from tickets.models import Customer, Ticket, TicketEvent

from .choices import (
    CLOCK_LABELS,
    NEXT_STAGE,
    IncidentEventKind,
    IncidentGrade,
    IncidentStage,
    LinkMethod,
)
from .exceptions import IncidentClosed, NoRule, NoticeAlreadySent
from .models import (
    Incident,
    IncidentEvent,
    IncidentNotice,
    IncidentNoticeDelivery,
    IncidentNumberSequence,
    IncidentReview,
    IncidentTicket,
)
from .targets import incident_due_times

WRITE_ROLES = (Role.SUPERVISOR,)
STAGE_FIELD = {
    IncidentStage.RESPONDED: "responded_at",
    IncidentStage.HANDLED: "handled_at",
    IncidentStage.CLOSED: "closed_at",
}


def _postgresql():
    return connection.vendor == "postgresql"


def _require_supervisor(actor):
    role_require(actor, *WRITE_ROLES, message=_("Only a supervisor may manage incidents."))


def _event(incident, kind, actor, **payload):
    return IncidentEvent.objects.create(
        incident=incident, kind=kind, actor=acting_user(actor), payload=payload
    )


def _locked(incident, expected_version=None):
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if expected_version is not None and incident.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this incident; reload it."),
            extra={"version": incident.version},
        )
    return incident


def _require_open(incident):
    if not incident.is_open:
        raise IncidentClosed(_("This incident is closed."))


def incident_number_next(*, year):
    """The next gap-free number of ``year`` (INC-2026-001); inside the caller's transaction."""
    value = sequence_next(IncidentNumberSequence, year=year)
    return f"{settings.INCIDENT_NUMBER_PREFIX}-{year}-{value:03d}"


# --- Declaration and stages ------------------------------------------------------------


@transaction.atomic
def incident_declare(*, actor, title, grade, description=""):
    """Declare an incident: a gap-free number, the grade's due times from
    ``INCIDENT_TARGETS`` (response, initial handling, closed loop), stage ``declared``.
    Supervisors only. Writes the incident, its ``declared`` entry and the audit."""
    _require_supervisor(actor)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Give the incident a title.")]})
    if grade not in IncidentGrade.values:
        raise ValidationError({"grade": [_("Choose a grade.")]})
    now = timezone.now()
    due = incident_due_times(grade, now)
    incident = Incident.objects.create(
        number=incident_number_next(year=timezone.localtime(now).year),
        title=title[:200],
        description=(description or "").strip(),
        grade=grade,
        declared_at=now,
        declared_by=acting_user(actor),
        response_due_at=due["response"],
        handling_due_at=due["handling"],
        closure_due_at=due["closure"],
    )
    _event(incident, IncidentEventKind.DECLARED, actor, grade=grade)
    audit_record(
        actor=actor,
        action="incident.declared",
        obj=incident,
        changes={"number": incident.number, "grade": grade, "title": incident.title},
    )
    return incident


@transaction.atomic
def incident_stage_advance(*, incident, actor, to_stage, note="", expected_version=None):
    """Move the incident to its next stage (declared → responded → handled → closed) and
    stop that stage's clock. A skip or a step back raises ``invalid_transition``.
    Writes the stage's time, a ``stage`` entry (on time or late) and the audit."""
    _require_supervisor(actor)
    incident = _locked(incident, expected_version)
    step = NEXT_STAGE.get(incident.stage)
    if step is None or step[0] != to_stage:
        raise InvalidTransition(
            _("The incident cannot go from %(from)s to %(to)s.")
            % {"from": IncidentStage(incident.stage).label, "to": IncidentStage(to_stage).label}
        )
    now = timezone.now()
    before = incident.stage
    due = getattr(incident, f"{step[1]}_due_at")
    incident.stage = to_stage
    setattr(incident, STAGE_FIELD[to_stage], now)
    incident.version = F("version") + 1
    incident.save(update_fields=["stage", STAGE_FIELD[to_stage], "version"])
    incident.refresh_from_db(fields=["version"])
    _event(
        incident,
        IncidentEventKind.STAGE,
        actor,
        stage=to_stage,
        late=now > due,
        note=(note or "").strip()[:2000],
    )
    audit_record(
        actor=actor,
        action="incident.stage_changed",
        obj=incident,
        changes={"stage": [before, to_stage]},
    )
    return incident


def incident_respond(*, incident, actor, note="", expected_version=None):
    """declared → responded (stops the response clock)."""
    return incident_stage_advance(
        incident=incident,
        actor=actor,
        to_stage=IncidentStage.RESPONDED,
        note=note,
        expected_version=expected_version,
    )


def incident_handle(*, incident, actor, note="", expected_version=None):
    """responded → initially handled (stops the 12 h clock)."""
    return incident_stage_advance(
        incident=incident,
        actor=actor,
        to_stage=IncidentStage.HANDLED,
        note=note,
        expected_version=expected_version,
    )


def incident_close(*, incident, actor, note="", expected_version=None):
    """initially handled → closed (the closed loop: stops the 24 h clock)."""
    return incident_stage_advance(
        incident=incident,
        actor=actor,
        to_stage=IncidentStage.CLOSED,
        note=note,
        expected_version=expected_version,
    )


@transaction.atomic
def incident_review_record(*, incident, actor, cause, actions_taken, lessons="", follow_up=""):
    """Record (or revise) the post-incident review: cause, what was done, lessons,
    follow-up actions, reviewed by and at. Writes the review, a ``reviewed`` entry and
    the audit."""
    _require_supervisor(actor)
    incident = _locked(incident)
    errors = {}
    if not (cause or "").strip():
        errors["cause"] = [_("Say what caused the incident.")]
    if not (actions_taken or "").strip():
        errors["actions_taken"] = [_("Say what was done.")]
    if errors:
        raise ValidationError(errors)
    values = {
        "cause": cause.strip(),
        "actions_taken": actions_taken.strip(),
        "lessons": (lessons or "").strip(),
        "follow_up": (follow_up or "").strip(),
        "reviewed_by": acting_user(actor),
        "reviewed_at": timezone.now(),
    }
    review, created = IncidentReview.objects.update_or_create(incident=incident, defaults=values)
    _event(incident, IncidentEventKind.REVIEWED, actor, revised=not created)
    audit_record(
        actor=actor,
        action="incident.reviewed",
        obj=incident,
        changes={k: v for k, v in values.items() if k not in ("reviewed_by", "reviewed_at")},
    )
    return review


# --- Linking tickets -------------------------------------------------------------------


def _ticket_event_rows(incident, ticket_ids, actor, method, now=None):
    now = now or timezone.now()
    return [
        TicketEvent(
            ticket_id=ticket_id,
            kind=EventKind.INCIDENT,
            action="linked",
            actor=acting_user(actor),
            created_at=now,
            payload={"incident": incident.pk, "number": incident.number, "method": method},
        )
        for ticket_id in ticket_ids
    ]


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


def incident_link_arrival_on_commit(ticket):
    """For the intake: link ``ticket`` to the matching open incidents after its commit."""
    ticket_id = ticket.pk
    transaction.on_commit(lambda: incident_link_arrival(ticket_id=ticket_id), robust=True)


# --- The bulk notice -------------------------------------------------------------------


@transaction.atomic
def incident_notice_draft(*, incident, actor, subject, body):
    """Write a notice to the affected customers (sent by ``incident_notice_send``)."""
    _require_supervisor(actor)
    errors = {}
    if not (subject or "").strip():
        errors["subject"] = [_("Write a subject.")]
    if not (body or "").strip():
        errors["body"] = [_("Write the message.")]
    if errors:
        raise ValidationError(errors)
    incident = _locked(incident)
    notice = IncidentNotice.objects.create(
        incident=incident,
        subject=subject.strip()[:200],
        body=body.strip(),
        created_by=acting_user(actor),
    )
    _event(incident, IncidentEventKind.NOTICE_DRAFTED, actor, notice=notice.pk)
    audit_record(
        actor=actor,
        action="incident.notice_drafted",
        obj=notice,
        changes={"incident": incident.pk, "subject": notice.subject},
    )
    return notice


_NOTICE_DELIVERIES = """
INSERT INTO incidents_incidentnoticedelivery (notice_id, customer_id, created_at)
SELECT DISTINCT %(notice)s::int, t.customer_id, %(now)s::timestamptz
FROM incidents_incidentticket l
JOIN tickets_ticket t ON t.id = l.ticket_id
JOIN tickets_customer c ON c.id = t.customer_id
WHERE l.incident_id = %(incident)s AND l.unlinked_at IS NULL
  AND c.erased_at IS NULL AND c.consent_service
ON CONFLICT (notice_id, customer_id) DO NOTHING
RETURNING customer_id
"""


def notice_context(incident, notice):
    """What the ``incident_notice`` templates render (also the page's preview)."""
    return {
        "incident": incident.number,
        "title": incident.title,
        "subject": notice.subject,
        "body": notice.body,
    }


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


@transaction.atomic
def incident_notice_send(*, notice, actor):
    """Send ``notice`` to the customers of the linked tickets, ONCE per customer even when
    a customer has several tickets, the button is clicked twice or two supervisors send
    at once: the notice row is locked, a second send finds it sent (``notice_already_sent``);
    the customers are chosen and recorded in one ``INSERT … SELECT DISTINCT … ON
    CONFLICT DO NOTHING`` (per notice × customer), and the outbox rows carry the dedupe
    key ``incident:<id>:notice:<id>`` per customer. Erased customers and those without
    consent to service contact are skipped. Constant queries; delivery after commit."""
    _require_supervisor(actor)
    notice = IncidentNotice.objects.select_for_update().select_related("incident").get(pk=notice.pk)
    if notice.sent_at is not None:
        raise NoticeAlreadySent(_("This notice was already sent."))
    incident = notice.incident
    now = timezone.now()
    if _postgresql():
        with connection.cursor() as cursor:
            cursor.execute(
                _NOTICE_DELIVERIES, {"notice": notice.pk, "incident": incident.pk, "now": now}
            )
            customer_ids = [row[0] for row in cursor.fetchall()]
    else:
        customer_ids = _notice_deliveries_orm(notice, incident, now)
    customers = list(Customer.objects.filter(pk__in=customer_ids).order_by("pk"))
    if customers:
        notify(
            kind=NotificationKind.INCIDENT_NOTICE,
            recipients=customers,
            context=notice_context(incident, notice),
            dedupe_key=f"incident:{incident.pk}:notice:{notice.pk}",
        )
    notice.sent_at, notice.sent_by, notice.recipients = now, acting_user(actor), len(customers)
    notice.save(update_fields=["sent_at", "sent_by", "recipients"])
    _event(incident, IncidentEventKind.NOTICE_SENT, actor, notice=notice.pk, count=len(customers))
    audit_record(
        actor=actor,
        action="incident.notice_sent",
        obj=notice,
        changes={"incident": incident.pk, "customers": len(customers)},
    )
    return notice


# --- The overdue warnings (beat) -------------------------------------------------------

_CLOCKS = (
    ("response", IncidentStage.DECLARED),
    ("handling", IncidentStage.RESPONDED),
    ("closure", IncidentStage.HANDLED),
)
_BEFORE = {
    "response": (IncidentStage.DECLARED,),
    "handling": (IncidentStage.DECLARED, IncidentStage.RESPONDED),
    "closure": (IncidentStage.DECLARED, IncidentStage.RESPONDED, IncidentStage.HANDLED),
}


def incidents_overdue_warn(*, now=None):
    """For each open incident and each clock whose due time passed before its stage was
    reached, warn the supervisors ONCE: a conditional update appends the clock to
    ``warned`` (two sweeps at once: one wins), then an ``overdue`` entry, the audit and
    the notice to supervisors, in the same transaction. Returns the warnings written."""
    now = now or timezone.now()
    written = 0
    for key, _stage in _CLOCKS:
        due_field = f"{key}_due_at"
        candidates = Incident.objects.filter(
            stage__in=_BEFORE[key], **{f"{due_field}__lt": now}
        ).exclude(warned__contains=[key])
        for incident in candidates.only("pk"):
            written += _warn_once(incident.pk, key, now)
    return written


@transaction.atomic
def _warn_once(pk, key, now):
    updated = Incident.objects.filter(pk=pk, stage__in=_BEFORE[key]).exclude(warned__contains=[key])
    incident = updated.select_for_update().first()
    if incident is None:
        return 0
    incident.warned = [*incident.warned, key]
    incident.save(update_fields=["warned"])
    due = getattr(incident, f"{key}_due_at")
    _event(incident, IncidentEventKind.OVERDUE, None, clock=key, due_at=due.isoformat())
    audit_record(actor=None, action="incident.overdue", obj=incident, changes={"clock": key})
    notify(
        kind=NotificationKind.INCIDENT_OVERDUE,  # staff channels: the inbox and e-mail
        recipients=list(staff_to_notify(role=Role.SUPERVISOR)),
        context={
            "incident": incident.number,
            "title": incident.title,
            "overdue": CLOCK_LABELS[key],
            "due_at": due,
        },
        dedupe_key=f"incident-overdue:{incident.pk}:{key}",
    )
    return 1
