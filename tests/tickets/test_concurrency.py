"""Races on real PostgreSQL: two writers at once, each on its own connection.

Every writer loads its copy of the ticket *before* the barrier, so both start from the
same version and the compare-and-swap (or the technician row lock) has to decide.
"""

import threading

import pytest
from django.db import connection, connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from aftersales.exceptions import InvalidTransition, NotQualified, StaleVersion
from technicians.models import Technician
from tests.tickets.factories import CustomerFactory, TechnicianFactory, appointment, make_ticket
from tickets import services
from tickets.choices import TicketStatus
from tickets.models import Ticket, TicketEvent

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency is tested on PostgreSQL (row locks and READ COMMITTED re-checks); "
        "SQLite serialises every writer",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def queued_notifications():
    """queued_notifications() → the dispatch notices in the outbox, one (ticket id, booking
    version) per notice on its e-mail channel (it goes by SMS too): what the committed
    bookings queued."""
    from aftersales.platform.models import Notification

    def queued():
        notices = Notification.objects.filter(kind="dispatch_notice", channel="email")
        notices = notices.order_by("id")
        return [(n.ticket_id, n.context["version"]) for n in notices]

    return queued


def race(*workers):
    """Run each ``worker(wait)`` in its own thread; ``wait()`` is the common start line.

    Returns each worker's result, or the exception it raised.
    """
    barrier = threading.Barrier(len(workers), timeout=10)
    results = [None] * len(workers)

    def run(index, worker):
        try:
            results[index] = worker(barrier.wait)
        except Exception as exc:  # the loser's error is the result under test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a writer hung (deadlock?)"
    return results


def _split(results):
    won = [r for r in results if isinstance(r, Ticket)]
    lost = [r for r in results if isinstance(r, Exception)]
    return won, lost


@pytest.fixture
def new_ticket(agent, technician):
    return make_ticket(actor=agent, customer=CustomerFactory(area=technician.areas.first()))


def _triaged(ticket, actor):
    return services.ticket_triage(
        ticket=ticket, actor=actor, priority="p2", warranty_decision="in_warranty"
    )


def test_two_simultaneous_triages_one_wins_the_other_is_stale(new_ticket, agent, supervisor):
    def triage(actor, priority):
        def worker(wait):
            ticket = Ticket.objects.get(pk=new_ticket.pk)
            wait()
            return services.ticket_triage(ticket=ticket, actor=actor, priority=priority)

        return worker

    won, lost = _split(race(triage(agent, "p1"), triage(supervisor, "p4")))

    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], StaleVersion | InvalidTransition)
    stored = Ticket.objects.get(pk=new_ticket.pk)
    assert (stored.status, stored.version, stored.priority) == ("triaged", 2, won[0].priority)
    assert TicketEvent.objects.filter(ticket=new_ticket, action="triage").count() == 1


def test_two_simultaneous_dispatches_to_different_technicians_book_one(
    new_ticket, agent, supervisor, technician, queued_notifications
):
    other = TechnicianFactory(areas=list(technician.areas.all()))
    _triaged(new_ticket, agent)
    start, end = appointment(days=1)

    def dispatch(technician):
        def worker(wait):
            ticket = Ticket.objects.get(pk=new_ticket.pk)
            wait()
            return services.ticket_dispatch(
                ticket=ticket,
                actor=supervisor,
                technician=technician,
                appointment_start=start,
                appointment_end=end,
            )

        return worker

    won, lost = _split(race(dispatch(technician), dispatch(other)))

    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], StaleVersion)
    stored = Ticket.objects.get(pk=new_ticket.pk)
    assert stored.status == TicketStatus.DISPATCHED
    assert stored.technician_id == won[0].technician_id
    events = TicketEvent.objects.filter(ticket=new_ticket, action="dispatch")
    assert [e.payload["technician"] for e in events] == [stored.technician_id]
    assert queued_notifications() == [(stored.pk, stored.version)]  # only the winner's commit


def test_two_dispatchers_cannot_both_book_the_last_slot_of_a_day(
    agent, supervisor, technician, queued_notifications
):
    technician.max_jobs_per_day = 1
    technician.save(update_fields=["max_jobs_per_day"])
    area = technician.areas.first()
    tickets = [
        _triaged(make_ticket(actor=agent, customer=CustomerFactory(area=area)), agent)
        for _ in range(2)
    ]
    start, end = appointment(days=1, hour=9)
    later_start, later_end = appointment(days=1, hour=14)

    def dispatch(ticket_id, window):
        def worker(wait):
            ticket = Ticket.objects.get(pk=ticket_id)
            own_copy = Technician.objects.get(pk=technician.pk)
            wait()
            return services.ticket_dispatch(
                ticket=ticket,
                actor=supervisor,
                technician=own_copy,
                appointment_start=window[0],
                appointment_end=window[1],
            )

        return worker

    won, lost = _split(
        race(
            dispatch(tickets[0].pk, (start, end)), dispatch(tickets[1].pk, (later_start, later_end))
        )
    )

    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], NotQualified)
    assert lost[0].extra["reasons"] == ["day_full"]
    assert Ticket.objects.filter(technician=technician, status=TicketStatus.DISPATCHED).count() == 1
    assert TicketEvent.objects.filter(action="dispatch").count() == 1
    assert len(queued_notifications()) == 1


def test_dispatch_and_cancel_at_once_only_one_happens(new_ticket, agent, supervisor, technician):
    _triaged(new_ticket, agent)
    start, end = appointment(days=1)

    def dispatch(wait):
        ticket = Ticket.objects.get(pk=new_ticket.pk)
        wait()
        return services.ticket_dispatch(
            ticket=ticket,
            actor=supervisor,
            technician=technician,
            appointment_start=start,
            appointment_end=end,
        )

    def cancel(wait):
        ticket = Ticket.objects.get(pk=new_ticket.pk)
        wait()
        return services.ticket_cancel(ticket=ticket, actor=agent, reason="Withdrawn")

    won, lost = _split(race(dispatch, cancel))

    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], StaleVersion)
    stored = Ticket.objects.get(pk=new_ticket.pk)
    assert stored.status == won[0].status
    assert stored.version == 3  # created, triaged, then exactly one more write
    assert (
        TicketEvent.objects.filter(ticket=new_ticket, action__in=["dispatch", "cancel"]).count()
        == 1
    )


@pytest.mark.parametrize("year_row_exists", [False, True])
def test_concurrent_intakes_get_distinct_consecutive_numbers(agent, supervisor, year_row_exists):
    if year_row_exists:
        make_ticket(actor=agent)
    customers = [CustomerFactory(), CustomerFactory()]

    def intake(actor, customer):
        def worker(wait):
            wait()
            return make_ticket(actor=actor, customer=customer)

        return worker

    results = race(intake(agent, customers[0]), intake(supervisor, customers[1]))

    assert all(isinstance(r, Ticket) for r in results), results
    serials = sorted(int(t.number.rsplit("-", 1)[1]) for t in results)
    first = 2 if year_row_exists else 1
    assert serials == [first, first + 1]
    assert Ticket.objects.count() == first + 1


def test_two_api_triages_at_once_give_one_200_and_one_409(new_ticket, agent, supervisor):
    clients = []
    for user in (agent, supervisor):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        clients.append(client)
    url = f"/api/v1/tickets/{new_ticket.pk}/triage/"
    body = {"priority": "p2"}

    def post(client):
        def worker(wait):
            wait()
            return client.post(url, body, format="json", HTTP_IF_MATCH='"1"')

        return worker

    responses = race(post(clients[0]), post(clients[1]))

    assert sorted(r.status_code for r in responses) == [200, 409], responses
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.data["code"] == "stale_version"
    assert TicketEvent.objects.filter(ticket=new_ticket, action="triage").count() == 1
    assert Ticket.objects.get(pk=new_ticket.pk).version == 2
