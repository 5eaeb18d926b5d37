"""The SLA sweep: the right marks at the right instants, once, whoever runs it and when."""

import datetime
import io
import threading

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, connections

from tickets import services
from tickets.models import SlaEvent, Ticket, TicketEvent
from tickets.sla import ClockPlan, sla_marks

from .factories import make_ticket

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


def _marks(ticket):
    return set(SlaEvent.objects.filter(ticket=ticket).values_list("kind", "clock", "level"))


def _sweep(at):
    return services.sla_sweep(now=at)


def test_sla_marks_pure_rule():
    t0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    clock = ClockPlan("response", t0 + 18 * H, t0 + 24 * H, t0 + 28 * H, None)
    assert sla_marks([clock], now=t0 + 17 * H) == (set(), t0 + 18 * H)
    assert sla_marks([clock], now=t0 + 18 * H) == (
        {("warning", "response", 0), ("escalation", "", 1)},
        t0 + 24 * H,
    )
    marks, next_at = sla_marks([clock], now=t0 + 30 * H)
    assert {m for m in marks if m[0] == "escalation"} == {
        ("escalation", "", lvl) for lvl in (1, 2, 3)
    }
    assert next_at is None
    # A clock stopped before its due instant is judged at its stop: warned, not breached.
    stopped = ClockPlan("response", t0 + 18 * H, t0 + 24 * H, t0 + 28 * H, t0 + 20 * H)
    assert sla_marks([stopped], now=t0 + 99 * H)[0] == {
        ("warning", "response", 0),
        ("escalation", "", 1),
    }
    # Paused at 10 h: frozen there, nothing pending.
    assert sla_marks([clock], now=t0 + 99 * H, paused_at=t0 + 10 * H) == (set(), None)


def test_sweep_marks_exactly_what_came_due_at_each_instant(agent):
    ticket = make_ticket(actor=agent)  # Standard policy, 24×7: 24 h / 48 h, warnings at 75 %
    t0 = ticket.created_at
    assert _sweep(t0 + 17 * H)["marks"] == 0
    assert _marks(ticket) == set()

    _sweep(t0 + 18 * H)
    assert _marks(ticket) == {("warning", "response", 0), ("escalation", "", 1)}
    _sweep(t0 + 24 * H)
    assert ("breach", "response", 0) in _marks(ticket)
    assert ("escalation", "", 2) in _marks(ticket)
    _sweep(t0 + 28 * H)  # breach + 4 working hours
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3
    assert ("escalation", "", 3) in _marks(ticket)
    _sweep(t0 + 36 * H)
    assert ("warning", "dispatch", 0) in _marks(ticket)
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_breach").count() == 1
    ticket.refresh_from_db()
    assert ticket.next_sla_check_at == t0 + 48 * H  # the dispatch breach comes next


def test_a_complaint_escalates_to_the_supervisors_at_four_hours(agent):
    ticket = make_ticket(actor=agent, category="complaint")
    _sweep(ticket.created_at + 4 * H)
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    assert ("breach", "response", 0) in _marks(ticket)


def test_a_late_sweep_catches_up_once(agent):
    ticket = make_ticket(actor=agent)
    first = _sweep(ticket.created_at + 100 * H)
    assert first["marks"] == len(_marks(ticket)) == 7  # 2 warnings, 2 breaches, 3 levels
    assert _sweep(ticket.created_at + 200 * H)["marks"] == 0
    ticket.refresh_from_db()
    assert ticket.next_sla_check_at is None


def test_a_paused_ticket_is_not_marked_and_a_late_response_still_counts_as_a_breach(agent):
    paused = services.ticket_pause(ticket=make_ticket(actor=agent), actor=agent, reason="Away")
    late = make_ticket(actor=agent)
    Ticket.objects.filter(pk=late.pk).update(responded_at=late.created_at + 25 * H)
    _sweep(paused.created_at + 30 * H)
    assert _marks(paused) == set()
    assert ("breach", "response", 0) in _marks(late)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks are PostgreSQL's")
def test_two_sweeps_at_once_make_each_mark_once(agent):
    tickets = [make_ticket(actor=agent) for _ in range(30)]
    at = max(t.created_at for t in tickets) + 100 * H
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            results.append(services.sla_sweep(now=at, batch_size=7))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert SlaEvent.objects.count() == 30 * 7
    assert sum(r["marks"] for r in results) == 30 * 7
    assert TicketEvent.objects.filter(kind="escalation").count() == 30 * 3


def test_escalations_are_notified_once_by_level(agent, make_user, settings, deliver_notifications):
    settings.SLA_MANAGER_EMAILS = ["manager@example.com"]
    supervisor = make_user("supervisor", email="lead@example.com")
    agent.email = "owner@example.com"
    agent.save()
    ticket = make_ticket(actor=agent)
    _sweep(ticket.created_at + 100 * H)
    assert services.sla_notify_pending() == 3
    assert services.sla_notify_pending() == 0
    deliver_notifications()  # the outbox's worker, after the commit
    # One message per recipient and level (the outbox writes a row per recipient).
    recipients = {(m.subject[-1], m.to[0]) for m in mail.outbox}
    assert recipients == {
        ("1", "lead@example.com"),
        ("1", "owner@example.com"),
        ("2", "lead@example.com"),
        ("3", "manager@example.com"),
    }
    assert len(mail.outbox) == 4
    assert supervisor.email in mail.outbox[0].to


def test_an_escalation_is_delivered_only_when_a_channel_accepted_a_message(
    agent, make_user, deliver_notifications, settings
):
    """Nobody with an address: the messages are recorded as "no recipient" and the
    escalation stays undelivered; once someone has one, it is delivered."""
    from aftersales.platform.models import Notification

    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS, "sla_escalation": ["email"]}
    make_user("supervisor", email="")
    ticket = make_ticket(actor=agent)  # the owner (agent) has no e-mail either
    _sweep(ticket.created_at + 20 * H)  # warning: level 1
    assert services.sla_notify_pending() == 1
    deliver_notifications()
    event = SlaEvent.objects.get(ticket=ticket, level=1)
    assert event.notified_at is not None and event.delivered_at is None
    statuses = set(Notification.objects.filter(ticket=ticket).values_list("status", flat=True))
    assert statuses == {"no_recipient"}
    assert mail.outbox == []

    make_user("supervisor", email="lead@example.com")
    _sweep(ticket.created_at + 30 * H)  # breach: level 2
    assert services.sla_notify_pending() >= 1
    deliver_notifications()
    delivered = SlaEvent.objects.get(ticket=ticket, level=2)
    assert delivered.delivered_at is not None
    assert mail.outbox and {tuple(m.to) for m in mail.outbox} == {("lead@example.com",)}


def test_an_escalation_in_a_supervisors_inbox_counts_as_delivered(agent, make_user):
    make_user("supervisor", email="")  # no e-mail, but the in-app inbox takes it at once
    ticket = make_ticket(actor=agent)
    _sweep(ticket.created_at + 20 * H)
    assert services.sla_notify_pending() >= 1
    escalations = SlaEvent.objects.filter(ticket=ticket, notified_at__isnull=False)
    assert escalations.exists()
    assert not escalations.filter(delivered_at__isnull=True).exists()


def test_sla_sweep_command_runs_as_of_an_instant(agent):
    ticket = make_ticket(actor=agent)
    out = io.StringIO()
    at = (ticket.created_at + 19 * H).isoformat()
    call_command("sla_sweep", "--at", at, stdout=out)
    assert "1 tickets looked at, 2 marks" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("sla_sweep", "--at", "yesterday")


def test_sweep_finds_due_rows_through_the_partial_index():
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    sql, params = (
        Ticket.objects.filter(next_sla_check_at__lte="2026-01-01T00:00:00Z")
        .order_by("next_sla_check_at")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "ticket_sla_check" in plan


def test_an_overdue_return_visit_is_marked_a_breach(ticket_in):
    ticket = ticket_in("closed")
    assert ticket.follow_up_due_at == ticket.closed_at + datetime.timedelta(days=7)
    _sweep(ticket.follow_up_due_at - H)
    assert ("breach", "follow_up", 0) not in _marks(ticket)
    _sweep(ticket.follow_up_due_at + H)
    assert ("breach", "follow_up", 0) in _marks(ticket)


def test_a_timely_return_visit_is_never_marked(ticket_in):
    ticket = ticket_in("followed_up")
    _sweep(ticket.follow_up_due_at + 100 * H)
    assert ("breach", "follow_up", 0) not in _marks(ticket)


def test_sla_met_rates_count_decided_clocks_only(agent, agent_client, technician_client):
    from tickets.selectors import sla_met_rates

    on_time = make_ticket(actor=agent)
    services.ticket_triage(ticket=on_time, actor=agent, priority="p3")
    late = make_ticket(actor=agent)
    Ticket.objects.filter(pk=late.pk).update(responded_at=late.created_at + 30 * H)
    running = make_ticket(actor=agent)
    start, end = running.created_at - H, running.created_at + H
    rates = sla_met_rates(start=start, end=end)
    assert rates["tickets"] == 3
    assert rates["response"] == {"decided": 2, "met": 1, "met_pct": 50.0}
    assert rates["dispatch"]["decided"] == 0

    url = "/api/v1/reports/sla/"
    response = agent_client.get(url, {"from": start.isoformat(), "to": end.isoformat()})
    assert response.status_code == 200
    assert response.data["response"]["met_pct"] == 50.0
    assert agent_client.get(url, {"from": "yesterday"}).status_code == 400
    assert (
        agent_client.get(url, {"from": end.isoformat(), "to": start.isoformat()}).status_code == 400
    )
    assert technician_client.get(url).status_code == 403


def test_a_resumed_ticket_is_swept_again_even_when_only_resolution_runs(agent, ticket_in):
    from tickets.models import SlaPolicy

    default = SlaPolicy.objects.get(is_default=True)
    SlaPolicy.objects.create(
        name="With resolution",
        priority="p2",
        calendar=default.calendar,
        response_hours=24,
        dispatch_hours=48,
        resolution_hours=72,
    )
    ticket = ticket_in("dispatched")  # triaged as p2: the policy above, resolution running
    assert ticket.resolution_due_at == ticket.created_at + 72 * H
    ticket = services.ticket_pause(ticket=ticket, actor=agent, reason="Awaiting the customer")
    _sweep(ticket.created_at + 40 * H)  # paused: nothing marked, the check is cleared
    ticket.refresh_from_db()
    assert ticket.next_sla_check_at is None
    ticket = services.ticket_resume(ticket=ticket, actor=agent, reason="Back")
    assert ticket.next_sla_check_at == ticket.resolution_due_at
