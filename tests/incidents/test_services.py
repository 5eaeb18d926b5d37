"""The rules of the service incidents: targets per grade from the setting, stage due
times and moves, warnings once, linking by rule (right tickets, idempotent, later
arrivals), manual link and unlink, the notice once per customer, roles."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.exceptions import ActionForbidden, InvalidTransition
from aftersales.platform.models import Notification, NotificationKind
from audits.models import AuditEvent
from tests.tickets.factories import CustomerFactory
from tickets.incidents import selectors, services
from tickets.incidents.choices import IncidentEventKind, IncidentStage
from tickets.incidents.exceptions import IncidentClosed, NoticeAlreadySent
from tickets.incidents.models import Incident, IncidentNoticeDelivery, IncidentTicket
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def _hours(incident, field):
    return (getattr(incident, field) - incident.declared_at) / datetime.timedelta(hours=1)


@pytest.mark.parametrize(("grade", "response"), [("critical", 2), ("major", 4), ("general", 6)])
def test_declare_takes_the_grades_targets_from_the_setting(declare, grade, response):
    incident = declare(grade=grade)
    assert _hours(incident, "response_due_at") == response
    assert _hours(incident, "handling_due_at") == 12
    assert _hours(incident, "closure_due_at") == 24
    assert incident.stage == IncidentStage.DECLARED
    assert incident.events.get().kind == IncidentEventKind.DECLARED
    assert AuditEvent.objects.filter(action="incident.declared", object_id=incident.pk).exists()


def test_targets_follow_an_overridden_setting(declare, settings):
    settings.INCIDENT_TARGETS = {
        **settings.INCIDENT_TARGETS,
        "major": {"response": 1, "handling": 3, "closure": 8},
    }
    incident = declare(grade="major")
    assert [
        _hours(incident, f) for f in ("response_due_at", "handling_due_at", "closure_due_at")
    ] == [1, 3, 8]


def test_numbers_are_gap_free_per_year(declare):
    year = timezone.localdate().year
    assert [declare().number for _ in range(3)] == [f"INC-{year}-00{i}" for i in (1, 2, 3)]


def test_only_supervisors_declare(agent, db):
    with pytest.raises(ActionForbidden):
        services.incident_declare(actor=agent, title="x", grade="major")
    assert not Incident.objects.exists()


def test_declare_refuses_a_blank_title_and_an_unknown_grade(supervisor, db):
    with pytest.raises(ValidationError):
        services.incident_declare(actor=supervisor, title=" ", grade="major")
    with pytest.raises(ValidationError):
        services.incident_declare(actor=supervisor, title="x", grade="apocalyptic")


def test_stages_move_forward_one_at_a_time(declare, supervisor):
    incident = declare()
    with pytest.raises(InvalidTransition):
        services.incident_handle(incident=incident, actor=supervisor)
    incident = services.incident_respond(incident=incident, actor=supervisor, note="On it")
    incident = services.incident_handle(incident=incident, actor=supervisor)
    incident = services.incident_close(incident=incident, actor=supervisor)
    assert incident.stage == IncidentStage.CLOSED
    assert incident.responded_at <= incident.handled_at <= incident.closed_at
    stages = [e.payload["stage"] for e in incident.events.filter(kind="stage")]
    assert stages == ["responded", "handled", "closed"]
    summary = selectors.incident_due_summary(incident)
    assert [row["state"] for row in summary] == ["met", "met", "met"]
    with pytest.raises(InvalidTransition):
        services.incident_close(incident=incident, actor=supervisor)


def test_overdue_clocks_warn_supervisors_once(declare, supervisor):
    incident = declare(grade="critical")
    later = incident.declared_at + datetime.timedelta(hours=3)
    assert services.incidents_overdue_warn(now=later) == 1
    assert services.incidents_overdue_warn(now=later) == 0
    incident.refresh_from_db()
    assert incident.warned == ["response"]
    warnings = Notification.objects.filter(kind=NotificationKind.INCIDENT_OVERDUE, user=supervisor)
    # Staff channels: the supervisor's in-app inbox (and e-mail), not the customers' SMS.
    assert set(warnings.values_list("channel", flat=True)) == {"inbox", "email"}
    assert {n.dedupe_key for n in warnings} == {f"incident-overdue:{incident.pk}:response"}
    # Past every due time: the other two clocks warn, each once.
    much_later = incident.declared_at + datetime.timedelta(hours=30)
    assert services.incidents_overdue_warn(now=much_later) == 2
    assert services.incidents_overdue_warn(now=much_later) == 0
    assert incident.events.filter(kind=IncidentEventKind.OVERDUE).count() == 3


def test_a_reached_stage_does_not_warn(declare, supervisor):
    incident = declare(grade="critical")
    services.incident_respond(incident=incident, actor=supervisor)
    later = incident.declared_at + datetime.timedelta(hours=3)
    assert services.incidents_overdue_warn(now=later) == 0


def _rule(incident, supervisor, world, **extra):
    values = {"product_models": [world["m1"]], "areas": [world["a1"]]}
    values.update(extra)
    return services.incident_rule_set(incident=incident, actor=supervisor, **values)


def test_the_rule_links_the_right_tickets_only_and_once(declare, supervisor, world):
    ticket = world["ticket"]
    hit1 = ticket(world["m1"], world["a1"])
    hit2 = ticket(world["m1"], world["a1"])
    ticket(world["m2"], world["a1"])  # another model
    ticket(world["m1"], world["a2"])  # another area
    incident = _rule(declare(), supervisor, world)
    preview = services.incident_rule_preview(
        incident=incident, product_models=[world["m1"]], areas=[world["a1"]]
    )
    assert preview == 2
    assert services.incident_link_by_rule(incident=incident, actor=supervisor) == 2
    assert services.incident_link_by_rule(incident=incident, actor=supervisor) == 0
    linked = set(IncidentTicket.objects.filter(incident=incident).values_list("ticket", flat=True))
    assert linked == {hit1.pk, hit2.pk}
    events = TicketEvent.objects.filter(kind="incident", action="linked")
    assert sorted(events.values_list("ticket", flat=True)) == sorted([hit1.pk, hit2.pk])
    assert events.first().payload == {
        "incident": incident.pk,
        "number": incident.number,
        "method": "rule",
    }
    counts = [e.payload["count"] for e in incident.events.filter(kind="rule_linked")]
    assert counts == [2, 0]
    assert AuditEvent.objects.filter(action="incident.linked_by_rule").count() == 2


def test_the_rules_window_and_every_area(declare, supervisor, world):
    old = world["ticket"](world["m1"], world["a2"])
    old.__class__.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    recent = world["ticket"](world["m1"], world["a2"])
    incident = _rule(
        declare(),
        supervisor,
        world,
        areas=[],
        created_from=timezone.now() - datetime.timedelta(days=30),
        created_until=timezone.now() + datetime.timedelta(days=1),
    )
    assert services.incident_link_by_rule(incident=incident, actor=supervisor) == 1
    assert IncidentTicket.objects.get(incident=incident).ticket_id == recent.pk


def test_the_rule_needs_a_model_and_a_forward_window(declare, supervisor, world):
    with pytest.raises(ValidationError):
        _rule(declare(), supervisor, world, product_models=[])
    now = timezone.now()
    with pytest.raises(ValidationError):
        _rule(declare(), supervisor, world, created_from=now, created_until=now)


def test_tickets_arriving_later_are_linked_to_open_incidents(
    declare, supervisor, world, django_capture_on_commit_callbacks
):
    incident = _rule(declare(), supervisor, world)
    closed = _rule(declare(title="Old one"), supervisor, world)
    for step in (services.incident_respond, services.incident_handle, services.incident_close):
        closed = step(incident=closed, actor=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        match = world["ticket"](world["m1"], world["a1"])
    with django_capture_on_commit_callbacks(execute=True):
        world["ticket"](world["m2"], world["a1"])
    links = IncidentTicket.objects.all()
    assert [(link.incident_id, link.ticket_id, link.method) for link in links] == [
        (incident.pk, match.pk, "arrival")
    ]
    assert TicketEvent.objects.filter(ticket=match, kind="incident").count() == 1
    assert incident.events.filter(kind="linked").count() == 1


def test_manual_link_and_unlink_with_a_reason(declare, supervisor, world):
    incident = declare()
    ticket = world["ticket"](world["m2"], world["a2"])
    services.incident_ticket_link(incident=incident, actor=supervisor, ticket=ticket)
    with pytest.raises(ValidationError):
        services.incident_ticket_link(incident=incident, actor=supervisor, ticket=ticket)
    with pytest.raises(ValidationError):
        services.incident_ticket_unlink(
            incident=incident, actor=supervisor, ticket=ticket, reason=""
        )
    services.incident_ticket_unlink(
        incident=incident, actor=supervisor, ticket=ticket, reason="Another fault"
    )
    link = IncidentTicket.objects.get()
    assert link.unlink_reason == "Another fault" and link.unlinked_at
    assert selectors.ticket_incidents(ticket) == []
    # The rule does not bring an unlinked ticket back.
    services.incident_rule_set(
        incident=incident, actor=supervisor, product_models=[world["m2"]], areas=[world["a2"]]
    )
    assert services.incident_link_by_rule(incident=incident, actor=supervisor) == 0
    actions = list(TicketEvent.objects.filter(kind="incident").values_list("action", flat=True))
    assert actions == ["linked", "unlinked"]


def test_a_closed_incident_links_nothing(declare, supervisor, world):
    incident = declare()
    for step in (services.incident_respond, services.incident_handle, services.incident_close):
        incident = step(incident=incident, actor=supervisor)
    ticket = world["ticket"](world["m1"], world["a1"])
    with pytest.raises(IncidentClosed):
        services.incident_ticket_link(incident=incident, actor=supervisor, ticket=ticket)


def _linked_incident(declare, supervisor, world):
    """Three customers: one with two tickets, one erased, one without consent; plus one
    told twice through two tickets."""
    ticket = world["ticket"]
    twice = CustomerFactory(area=world["a1"], email="twice@example.com")
    erased = CustomerFactory(area=world["a1"], email="erased@example.com")
    refused = CustomerFactory(area=world["a1"], email="no@example.com", consent_service=False)
    plain = CustomerFactory(area=world["a1"], email="plain@example.com")
    for customer in (twice, twice, erased, refused, plain):
        ticket(world["m1"], world["a1"], customer=customer)
    erased.__class__.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    incident = _rule(declare(), supervisor, world)
    services.incident_link_by_rule(incident=incident, actor=supervisor)
    return incident, {"twice": twice, "plain": plain}


def test_the_notice_goes_once_per_customer_skipping_erased_and_refused(
    declare, supervisor, world, django_assert_max_num_queries
):
    incident, told = _linked_incident(declare, supervisor, world)
    notice = services.incident_notice_draft(
        incident=incident, actor=supervisor, subject="Recall", body="We will replace the part."
    )
    with django_assert_max_num_queries(14):
        services.incident_notice_send(notice=notice, actor=supervisor)
    notice.refresh_from_db()
    assert notice.recipients == 2 and notice.sent_at
    rows = Notification.objects.filter(kind=NotificationKind.INCIDENT_NOTICE, channel="email")
    assert sorted(rows.values_list("customer_id", flat=True)) == sorted(
        [told["twice"].pk, told["plain"].pk]
    )
    assert rows.first().subject == f"[{incident.number}] Recall"
    assert "We will replace the part." in rows.first().body
    with pytest.raises(NoticeAlreadySent):
        services.incident_notice_send(notice=notice, actor=supervisor)
    assert IncidentNoticeDelivery.objects.count() == 2
    assert incident.events.filter(kind="notice_sent").get().payload["count"] == 2


def test_the_review_is_recorded_and_revised(declare, supervisor):
    incident = declare()
    with pytest.raises(ValidationError):
        services.incident_review_record(
            incident=incident, actor=supervisor, cause="", actions_taken=""
        )
    services.incident_review_record(
        incident=incident, actor=supervisor, cause="Bad batch", actions_taken="Replaced"
    )
    review = services.incident_review_record(
        incident=incident,
        actor=supervisor,
        cause="Bad capacitor batch",
        actions_taken="Replaced",
        lessons="Inspect incoming lots",
        follow_up="Supplier audit",
    )
    assert review.cause == "Bad capacitor batch" and review.reviewed_by == supervisor
    assert incident.events.filter(kind="reviewed").count() == 2
