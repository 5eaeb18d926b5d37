"""Service incidents (issue 18): linking tickets to an incident by its rule — one product
model + one area + a 30-day window — in one set-based statement (links and the tickets'
timeline entries). Set-up idempotent: one bench incident whose rule names the busiest
(model, area) pair of the last 30 days; before each repetition (untimed) its links and
their timeline entries are removed, so every run links the same tickets afresh."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from aftersales.roles import Role
from bench.context import fetch
from bench.harness import Operation, operation
from tickets.incidents import services
from tickets.incidents.models import Incident
from tickets.models import Area, ProductModel

TITLE = "Bench incident: linking by rule"
WIDE_TITLE = "Bench incident: one model in every area, a year"


def _incident(title=TITLE, days=30, every_area=False):
    user, _ = get_user_model().objects.get_or_create(username="bench_incident_supervisor")
    user.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
    incident = Incident.objects.filter(title=title).first()
    if incident is None:
        since = timezone.now() - datetime.timedelta(days=days)
        if every_area:  # the busiest model, with a null area standing for every area
            rows = fetch(
                "SELECT p.model_id, NULL FROM tickets_ticket t"
                " JOIN tickets_product p ON p.id = t.product_id"
                " WHERE t.created_at >= %s GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
                [since],
            )
        else:
            rows = fetch(
                "SELECT p.model_id, t.area_id FROM tickets_ticket t"
                " JOIN tickets_product p ON p.id = t.product_id"
                " WHERE t.created_at >= %s AND t.area_id IS NOT NULL"
                " GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1",
                [since],
            )
        with transaction.atomic():
            incident = services.incident_declare(actor=user, title=title, grade="major")
            if rows:
                (model_id, area_id) = rows[0]
                services.incident_rule_set(
                    incident=incident,
                    actor=user,
                    product_models=[ProductModel.objects.get(pk=model_id)],
                    areas=[Area.objects.get(pk=area_id)] if area_id else [],
                    created_from=since,
                    created_until=timezone.now() + datetime.timedelta(days=1),
                )
    return Incident.objects.get(pk=incident.pk), user


def _unlink_all(incident_id):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM tickets_ticketevent e USING incidents_incidentticket l"
            " WHERE l.incident_id = %s AND e.ticket_id = l.ticket_id AND e.kind = 'incident'",
            [incident_id],
        )
        cursor.execute("DELETE FROM incidents_incidentticket WHERE incident_id = %s", [incident_id])


@operation
def incident_link_by_rule(ctx):
    incident, user = _incident()
    return Operation(
        name="link tickets to an incident by rule (1 model, 1 area, 30 days)",
        iterations=10,
        note="INSERT … SELECT … ON CONFLICT + the timeline entries, one statement",
        prepare=lambda i: _unlink_all(incident.pk),
        run=lambda i: services.incident_link_by_rule(incident=incident, actor=user),
    )


@operation
def incident_link_by_rule_wide(ctx):
    incident, user = _incident(WIDE_TITLE, days=365, every_area=True)
    return Operation(
        name="link tickets to an incident by rule (1 model, every area, a year)",
        iterations=10,
        note="a batch fault of one model: some 2,700 tickets at 1M",
        prepare=lambda i: _unlink_all(incident.pk),
        run=lambda i: services.incident_link_by_rule(incident=incident, actor=user),
    )
