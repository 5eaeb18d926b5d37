"""Races on real PostgreSQL: many technicians issuing the last units at once.

Each writer loads its ticket before the barrier; the (part, location) row lock taken by
the stock service decides who gets a unit.
"""

import pytest
from django.db import connection
from django.db.models import Sum

from aftersales.exceptions import InsufficientStock
from aftersales.platform.models import Notification
from aftersales.roles import Role
from parts import services
from parts.models import StockLevel, StockMovement, TicketPart
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    TechnicianFactory,
    appointment,
    make_ticket,
)
from tests.tickets.test_concurrency import race
from tickets import services as tickets
from tickets.models import Ticket

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency is tested on PostgreSQL (row locks); SQLite serialises writers",
    ),
    pytest.mark.django_db(transaction=True),
]

TECHNICIANS, UNITS = 20, 5


def test_twenty_technicians_issue_the_last_five_units(make_user):
    agent = make_user(Role.AGENT, username="agent")
    supervisor = make_user(Role.SUPERVISOR, username="supervisor")
    area = AreaFactory()
    part = PartFactory()
    warehouse = LocationFactory(code="WH-RACE")
    services.stock_receive(part=part, location=warehouse, quantity=UNITS, actor=supervisor)
    jobs = []
    for n in range(TECHNICIANS):
        technician = TechnicianFactory(user__username=f"racer{n}", areas=[area])
        ticket = make_ticket(actor=agent, customer=CustomerFactory(area=area))
        ticket = tickets.ticket_triage(
            ticket=ticket, actor=agent, priority="p2", warranty_decision="in_warranty"
        )
        start, end = appointment()
        ticket = tickets.ticket_dispatch(
            ticket=ticket,
            actor=supervisor,
            technician=technician,
            appointment_start=start,
            appointment_end=end,
        )
        ticket = tickets.ticket_check_in(ticket=ticket, actor=technician.user)
        jobs.append((ticket.pk, technician.user))

    def worker(ticket_id, user):
        def run(wait):
            ticket = Ticket.objects.select_related("technician").get(pk=ticket_id)
            wait()
            return tickets.ticket_complete(
                ticket=ticket,
                actor=user,
                fault_class="hardware",
                fault_code="E4",
                diagnosis="Relay",
                work_done="Relay replaced",
                test_passed=True,
                parts_used=[{"part": part, "quantity": 1, "location": warehouse}],
            )

        return run

    results = race(*(worker(ticket_id, user) for ticket_id, user in jobs))
    won = [r for r in results if isinstance(r, Ticket)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == UNITS
    assert len(lost) == TECHNICIANS - UNITS
    assert all(isinstance(e, InsufficientStock) for e in lost), lost
    assert {(e.code, e.status) for e in lost} == {("insufficient_stock", 409)}

    level = StockLevel.objects.get(part=part, location=warehouse)
    assert (level.on_hand, level.reserved) == (0, 0)
    issued = StockMovement.objects.filter(part=part, kind="issue")
    assert issued.count() == UNITS
    received = StockMovement.objects.filter(part=part, kind="receipt").aggregate(n=Sum("quantity"))
    assert received["n"] - issued.aggregate(n=Sum("quantity"))["n"] == level.on_hand
    assert TicketPart.objects.count() == UNITS
    assert Ticket.objects.filter(status="awaiting_confirmation").count() == UNITS
    assert Ticket.objects.filter(status="on_site").count() == TECHNICIANS - UNITS
    # The setup's bookings were each announced once, in the outbox (never by the race).
    notices = Notification.objects.filter(kind="dispatch_notice", channel="email")
    assert sorted(notices.values_list("ticket_id", flat=True)) == sorted(t for t, _ in jobs)


def test_opposite_transfers_do_not_deadlock(make_user):
    """A → B and B → A at once lock the two levels in the same order: both succeed."""
    supervisor = make_user(Role.SUPERVISOR, username="supervisor")
    part = PartFactory()
    a, b = LocationFactory(code="WH-A"), LocationFactory(code="WH-B")
    services.stock_receive(part=part, location=a, quantity=50, actor=supervisor)
    services.stock_receive(part=part, location=b, quantity=50, actor=supervisor)

    def mover(source, target):
        def run(wait):
            wait()
            for _ in range(10):
                services.stock_transfer(
                    part=part,
                    from_location=source,
                    to_location=target,
                    quantity=1,
                    actor=supervisor,
                )
            return True

        return run

    results = race(mover(a, b), mover(b, a), mover(a, b), mover(b, a))
    assert results == [True] * 4
    assert sorted(StockLevel.objects.values_list("on_hand", flat=True)) == [50, 50]
