"""Fixtures shared by the tickets tests: a desk team and tickets put in any status."""

import pytest

from aftersales.roles import Role
from tests.tickets.factories import CustomerFactory, TechnicianFactory, advance, make_ticket


@pytest.fixture
def other_agent(make_user):
    return make_user(Role.AGENT, username="agent2")


@pytest.fixture
def other_technician(technician):
    """A second technician covering the same area as ``technician``."""
    return TechnicianFactory(user__username="tech2", areas=list(technician.areas.all()))


@pytest.fixture
def ticket_in(agent, supervisor, technician):
    """ticket_in("on_site") → a ticket walked there through the services.

    The agent takes it in (and owns it), the supervisor dispatches it to ``technician``,
    whose area the customer lives in.
    """

    def build(status, **fields):
        fields.setdefault("customer", CustomerFactory(area=technician.areas.first()))
        ticket = make_ticket(actor=agent, **fields)
        return advance(ticket, status, desk=agent, supervisor=supervisor, technician=technician)

    return build


@pytest.fixture
def office():
    """A Mon–Sat 08:00–20:00 working calendar in Shanghai, no holidays."""
    from tickets.models import WorkingCalendar, WorkingHours

    calendar = WorkingCalendar.objects.create(
        code="office", name="Office", time_zone="Asia/Shanghai"
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=calendar, weekday=day, start_minute=8 * 60, end_minute=20 * 60)
        for day in range(6)
    )
    return calendar
