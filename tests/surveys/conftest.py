"""Fixtures of the survey tests: tickets walked to closed through the services, and a
helper that records a full return-visit call."""

import pytest

from aftersales.roles import Role
from tests.tickets.factories import CustomerFactory, TechnicianFactory, advance, make_ticket
from tickets import services as tickets

GOOD = {"timeliness": 5, "attitude": 4, "skill": 5, "cleanliness": 4, "overall": 5}


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER, username="manager")


@pytest.fixture
def ticket_in(agent, supervisor, technician):
    """ticket_in("closed", category="complaint") → a ticket walked there by the services
    (``by=``: the technician who does the job)."""

    def build(status, *, by=None, **fields):
        # A technician of its own for each ticket (a technician's day fills up), unless
        # the test names one.
        tech = by or TechnicianFactory(areas=list(technician.areas.all()))
        fields.setdefault("customer", CustomerFactory(area=technician.areas.first()))
        ticket = make_ticket(actor=agent, **fields)
        return advance(ticket, status, desk=agent, supervisor=supervisor, technician=tech)

    return build


@pytest.fixture
def follow_up(agent):
    """follow_up(ticket, overall=5, **answers) → the ticket after the desk's call."""

    def record(ticket, comment="", **answers):
        return tickets.ticket_follow_up(
            ticket=ticket, actor=agent, via="phone", answers={**GOOD, **answers}, comment=comment
        )

    return record
