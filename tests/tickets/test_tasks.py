"""Celery tasks run by a real worker on the configured broker (Redis in CI)."""

import datetime

import pytest
from django.core import mail

from tests.conftest import wait_for as _wait_for
from tickets import services
from tickets.choices import EventKind
from tickets.models import TicketEvent

from .factories import ProductFactory, appointment, make_ticket


@pytest.mark.broker
def test_ticket_dispatch_mails_customer_technician_name_and_id_once(
    worker, agent, supervisor, technician
):
    product = ProductFactory(
        customer__area=technician.areas.first(), customer__email="chen@example.com"
    )
    ticket = make_ticket(actor=agent, product=product)
    ticket = services.ticket_triage(
        ticket=ticket, actor=agent, priority="p2", warranty_decision="in_warranty"
    )
    start, end = appointment()
    ticket = services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )

    def notified():
        return TicketEvent.objects.filter(ticket=ticket, kind=EventKind.NOTIFICATION).exists()

    assert _wait_for(notified), "the worker never delivered the dispatch notification"
    assert len(mail.outbox) == 1
    assert technician.full_name in mail.outbox[0].body
    assert technician.employee_no in mail.outbox[0].body
    assert mail.outbox[0].to == ["chen@example.com"]

    # A redelivered task (same booking version) sends nothing more.
    assert (
        services.ticket_notify_customer_dispatch(ticket_id=ticket.pk, version=ticket.version)
        is False
    )
    assert len(mail.outbox) == 1


@pytest.mark.broker
def test_sla_sweep_task_on_the_worker_marks_and_notifies(worker, agent, make_user):
    from tickets.models import SlaEvent, Ticket
    from tickets.tasks import sla_sweep_task

    make_user("supervisor", email="lead@example.com")
    ticket = make_ticket(actor=agent)
    # Received 30 hours ago: the response clock is past its breach and level 3.
    ago = ticket.created_at - datetime.timedelta(hours=30)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=ago,
        response_warn_at=ago + datetime.timedelta(hours=18),
        response_due_at=ago + datetime.timedelta(hours=24),
        next_sla_check_at=ago + datetime.timedelta(hours=18),
    )
    sla_sweep_task.delay()

    def notified():
        return SlaEvent.objects.filter(ticket=ticket, notified_at__isnull=False).count() == 3

    assert _wait_for(notified), "the worker never swept and notified"
    assert Ticket.objects.get(pk=ticket.pk).escalation_level == 3
    # ``notified_at`` is set when the messages are queued; their delivery follows.
    expected = {f"[{ticket.number}] SLA escalation level {level}" for level in (1, 2, 3)}
    assert _wait_for(lambda: {m.subject for m in mail.outbox} >= expected)


@pytest.mark.broker
def test_complaint_escalates_at_four_hours_through_the_worker(worker, agent):
    from tickets.models import SlaEvent, SlaPolicy, Ticket
    from tickets.services.sla import sla_default_policy_ensure
    from tickets.tasks import sla_sweep_task

    # Transactional tests flush the policies migration 0008 made; put the complaint one back.
    calendar = sla_default_policy_ensure().calendar
    SlaPolicy.objects.get_or_create(
        category="complaint",
        defaults={"name": "Complaint", "calendar": calendar, "response_hours": 4,
                  "dispatch_hours": 48},
    )  # fmt: skip
    ticket = make_ticket(actor=agent, category="complaint")
    just_before = ticket.created_at + datetime.timedelta(hours=3, minutes=59)
    sla_sweep_task.delay(at=just_before.isoformat())

    def warned():
        return SlaEvent.objects.filter(ticket=ticket, kind="warning").exists()

    assert _wait_for(warned)  # 75 % of 4 h has passed: level 1, no breach yet
    assert Ticket.objects.get(pk=ticket.pk).escalation_level == 1

    sla_sweep_task.delay(at=(ticket.created_at + datetime.timedelta(hours=4)).isoformat())
    assert _wait_for(lambda: Ticket.objects.get(pk=ticket.pk).escalation_level == 2)
    assert SlaEvent.objects.filter(ticket=ticket, kind="breach", clock="response").count() == 1
