"""TicketFilterSet: one test per filter (the right rows in, the wrong rows out), a guard
that every declared filter has its test, and the SLA filter checked against the pure rule."""

import datetime

import pytest
from django.utils import timezone

from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    ProductFactory,
    appointment,
    make_ticket,
)
from tickets import services
from tickets.choices import SlaState, TicketStatus
from tickets.filtersets import TicketFilterSet
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

COVERED = set()


def covers(*names):
    """Mark a test as the test of these filters (collected at import, for the guard)."""
    COVERED.update(names)
    return lambda test: test


def _ids(**params):
    filterset = TicketFilterSet(params, queryset=Ticket.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def _move(ticket, **fields):
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    ticket.refresh_from_db()
    return ticket


def test_every_declared_filter_has_a_test():
    declared = set(TicketFilterSet.base_filters)

    assert declared - COVERED == set(), "filters without a test"
    assert COVERED - declared == set(), "tests for filters that no longer exist"


@covers("status")
def test_filter_status(ticket_in):
    new = ticket_in(TicketStatus.NEW)
    triaged = ticket_in(TicketStatus.TRIAGED)
    dispatched = ticket_in(TicketStatus.DISPATCHED)

    assert _ids(status=["triaged"]) == {triaged.pk}
    assert _ids(status=["new", "dispatched"]) == {new.pk, dispatched.pk}
    assert _ids() == {new.pk, triaged.pk, dispatched.pk}


@covers("priority")
def test_filter_priority(ticket_in):
    urgent = ticket_in(TicketStatus.NEW, priority="p1")
    normal = ticket_in(TicketStatus.NEW, priority="p3")
    ticket_in(TicketStatus.NEW, priority="p4")

    assert _ids(priority=["p1"]) == {urgent.pk}
    assert _ids(priority=["p1", "p3"]) == {urgent.pk, normal.pk}


@covers("category")
def test_filter_category(ticket_in):
    complaint = ticket_in(TicketStatus.NEW, category="complaint")
    ticket_in(TicketStatus.NEW, category="repair")

    assert _ids(category=["complaint"]) == {complaint.pk}
    assert _ids(category=["installation"]) == set()


@covers("channel")
def test_filter_channel(ticket_in):
    web = ticket_in(TicketStatus.NEW, channel="web")
    ticket_in(TicketStatus.NEW, channel="phone")

    assert _ids(channel=["web"]) == {web.pk}


@covers("owner")
def test_filter_owner(ticket_in, other_agent, agent):
    mine = ticket_in(TicketStatus.NEW)
    theirs = make_ticket(actor=other_agent)

    assert _ids(owner=agent.pk) == {mine.pk}
    assert _ids(owner=other_agent.pk) == {theirs.pk}


@covers("technician")
def test_filter_technician(ticket_in, technician, other_technician, supervisor):
    first = ticket_in(TicketStatus.DISPATCHED)
    second = ticket_in(TicketStatus.TRIAGED)
    start, end = appointment(days=2)
    services.ticket_dispatch(
        ticket=second,
        actor=supervisor,
        technician=other_technician,
        appointment_start=start,
        appointment_end=end,
    )
    ticket_in(TicketStatus.NEW)

    assert _ids(technician=technician.pk) == {first.pk}
    assert _ids(technician=other_technician.pk) == {second.pk}


@covers("customer")
def test_filter_customer(ticket_in):
    customer = CustomerFactory()
    theirs = {ticket_in(TicketStatus.NEW, customer=customer).pk for _ in range(2)}
    ticket_in(TicketStatus.NEW)

    assert _ids(customer=customer.pk) == theirs


@covers("area")
def test_filter_area(ticket_in):
    pudong = ticket_in(TicketStatus.NEW, customer=CustomerFactory(area=AreaFactory(code="pudong")))
    jingan = ticket_in(
        TicketStatus.NEW, customer=CustomerFactory(area=AreaFactory(code="jingan", name="Jing'an"))
    )
    ticket_in(TicketStatus.NEW, customer=CustomerFactory(area=None))

    assert _ids(area="pudong") == {pudong.pk}
    assert _ids(area="jingan") == {jingan.pk}
    assert _ids(area="nowhere") == set()


@covers("created_after", "created_before")
def test_filter_created_after_and_before(ticket_in):
    tz = timezone.get_current_timezone()
    march = _move(ticket_in(TicketStatus.NEW), created_at=datetime.datetime(2026, 3, 1, tzinfo=tz))
    april = _move(ticket_in(TicketStatus.NEW), created_at=datetime.datetime(2026, 4, 1, tzinfo=tz))
    may = _move(ticket_in(TicketStatus.NEW), created_at=datetime.datetime(2026, 5, 1, tzinfo=tz))

    assert _ids(created_after="2026-04-01T00:00:00+08:00") == {april.pk, may.pk}  # inclusive
    assert _ids(created_before="2026-04-01T00:00:00+08:00") == {march.pk}  # exclusive
    assert _ids(
        created_after="2026-03-15T00:00:00+08:00", created_before="2026-04-15T00:00:00+08:00"
    ) == {april.pk}


@covers("search")
def test_filter_search_by_number(ticket_in):
    wanted = ticket_in(TicketStatus.NEW)
    ticket_in(TicketStatus.NEW)

    assert _ids(search=wanted.number) == {wanted.pk}
    assert _ids(search=f"  {wanted.number.lower()} ") == {wanted.pk}


def test_filter_search_by_customer_name(ticket_in):
    wanted = ticket_in(TicketStatus.NEW, customer=CustomerFactory(name="Wang Xiaoming"))
    ticket_in(TicketStatus.NEW, customer=CustomerFactory(name="Li Lei"))

    assert _ids(search="xiaoming") == {wanted.pk}


def test_filter_search_by_phone_in_any_format(ticket_in):
    wanted = ticket_in(TicketStatus.NEW, customer=CustomerFactory(phone="13900000001"))
    ticket_in(TicketStatus.NEW, customer=CustomerFactory(phone="13900000002"))

    assert _ids(search="+86 139-0000-0001") == {wanted.pk}
    assert _ids(search="13900000001") == {wanted.pk}


def test_filter_search_by_serial_number(ticket_in, agent):
    product = ProductFactory(serial_number="SN-777")
    wanted = make_ticket(actor=agent, product=product)
    make_ticket(actor=agent, product=ProductFactory(serial_number="SN-778"))

    assert _ids(search="SN-777") == {wanted.pk}


def test_filter_search_blank_returns_everything(ticket_in):
    tickets = {ticket_in(TicketStatus.NEW).pk for _ in range(2)}

    assert _ids(search="   ") == tickets


@covers("sla_state")
def test_filter_sla_state(ticket_in):
    now = timezone.now()
    on_track = ticket_in(TicketStatus.NEW)
    breached = _move(
        ticket_in(TicketStatus.NEW),
        response_due_at=now - datetime.timedelta(hours=1),
        response_warn_at=now - datetime.timedelta(hours=3),
    )
    met = ticket_in(TicketStatus.DISPATCHED)

    assert _ids(sla_state="on_track") == {on_track.pk}
    assert _ids(sla_state="breached") == {breached.pk}
    assert _ids(sla_state="met") == {met.pk}
    assert _ids(sla_state="at_risk") == set()


@pytest.fixture
def varied_sla_tickets(ticket_in, agent):
    """Tickets in every SLA situation, each hours away from any boundary."""
    now = timezone.now()
    hours = lambda n: now + datetime.timedelta(hours=n)  # noqa: E731
    made = {
        "fresh": ticket_in(TicketStatus.NEW),
        "response_at_risk": _move(
            ticket_in(TicketStatus.NEW), response_warn_at=hours(-1), response_due_at=hours(2)
        ),
        "response_breached": _move(
            ticket_in(TicketStatus.NEW), response_warn_at=hours(-5), response_due_at=hours(-2)
        ),
        "responded_late": _move(
            ticket_in(TicketStatus.TRIAGED), response_warn_at=hours(-9), response_due_at=hours(-8)
        ),
        "responded_dispatch_running": ticket_in(TicketStatus.TRIAGED),
        "dispatch_at_risk": _move(
            ticket_in(TicketStatus.TRIAGED), dispatch_warn_at=hours(-1), dispatch_due_at=hours(3)
        ),
        "dispatch_breached": _move(
            ticket_in(TicketStatus.TRIAGED), dispatch_warn_at=hours(-6), dispatch_due_at=hours(-1)
        ),
        "dispatched": ticket_in(TicketStatus.DISPATCHED),
        "dispatched_late": _move(
            ticket_in(TicketStatus.DISPATCHED),
            dispatch_warn_at=hours(-20),
            dispatch_due_at=hours(-10),
        ),
        "closed": ticket_in(TicketStatus.CLOSED),
        "cancelled": ticket_in(TicketStatus.CANCELLED),
        "cancelled_after_due": _move(
            ticket_in(TicketStatus.CANCELLED), response_warn_at=hours(-9), response_due_at=hours(-8)
        ),
        # Paused 10 h ago, before it was at risk: frozen on track though the due date passed.
        "paused_before_risk": _move(
            ticket_in(TicketStatus.NEW),
            sla_paused_at=hours(-10),
            response_warn_at=hours(-5),
            response_due_at=hours(-1),
        ),
        # Paused after the warning instant: frozen at risk.
        "paused_at_risk": _move(
            ticket_in(TicketStatus.NEW),
            sla_paused_at=hours(-1),
            response_warn_at=hours(-2),
            response_due_at=hours(5),
        ),
        # Paused after the due date: stays breached.
        "paused_after_breach": _move(
            ticket_in(TicketStatus.NEW),
            sla_paused_at=hours(-1),
            response_warn_at=hours(-4),
            response_due_at=hours(-2),
        ),
    }
    remote = ticket_in(TicketStatus.TRIAGED)
    made["resolved_remotely"] = services.ticket_resolve_remotely(
        ticket=remote, actor=agent, resolution="Reset"
    )
    return made


EXPECTED_SLA = {
    "fresh": SlaState.ON_TRACK,
    "response_at_risk": SlaState.AT_RISK,
    "response_breached": SlaState.BREACHED,
    "responded_late": SlaState.BREACHED,
    "responded_dispatch_running": SlaState.ON_TRACK,
    "dispatch_at_risk": SlaState.AT_RISK,
    "dispatch_breached": SlaState.BREACHED,
    "dispatched": SlaState.MET,
    "dispatched_late": SlaState.BREACHED,
    "closed": SlaState.MET,
    "cancelled": SlaState.MET,
    "cancelled_after_due": SlaState.BREACHED,
    "paused_before_risk": SlaState.ON_TRACK,
    "paused_at_risk": SlaState.AT_RISK,
    "paused_after_breach": SlaState.BREACHED,
    "resolved_remotely": SlaState.MET,
}


def test_sla_state_pure_function_gives_the_expected_state(varied_sla_tickets):
    states = {name: t.sla_state() for name, t in varied_sla_tickets.items()}

    assert states == EXPECTED_SLA


@pytest.mark.parametrize("state", SlaState.values)
def test_filter_sla_state_agrees_with_the_pure_function(varied_sla_tickets, state):
    tickets = [Ticket.objects.get(pk=t.pk) for t in varied_sla_tickets.values()]
    now = timezone.now()

    expected = {t.pk for t in tickets if t.sla_state(now) == state}

    assert _ids(sla_state=state) == expected
    assert expected  # every state is represented in the varied set


# --- Through the API -------------------------------------------------------------------------


def test_api_list_applies_filters(agent_client, ticket_in):
    wanted = ticket_in(TicketStatus.TRIAGED, channel="web")
    ticket_in(TicketStatus.NEW, channel="web")
    ticket_in(TicketStatus.TRIAGED, channel="phone")

    response = agent_client.get("/api/v1/tickets/", {"status": "triaged", "channel": "web"})

    assert response.status_code == 200
    assert [t["id"] for t in response.data["results"]] == [wanted.pk]


def test_api_filter_sla_state_matches_each_rows_reported_state(agent_client, varied_sla_tickets):
    for state in SlaState.values:
        rows = agent_client.get("/api/v1/tickets/", {"sla_state": state}).data["results"]
        assert rows, state
        assert {row["sla"]["state"] for row in rows} == {state}


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"priority": "p9"},
        {"sla_state": "late"},
        {"owner": "abc"},
        {"created_after": "last week"},
    ],
)
def test_api_list_with_an_invalid_filter_value_is_400(agent_client, params):
    response = agent_client.get("/api/v1/tickets/", params)

    assert response.status_code == 400
    assert set(response.data) == set(params)
