"""Fixtures of the service-targets tests: a manager, a March 2026 target set, tickets of
that month put in shape (tests/audits/conftest.py)."""

from datetime import date

import pytest

from aftersales.roles import Role
from audits.targets import services
from parts.models import StockLocation
from tests.audits.conftest import at, shaped_ticket  # noqa: F401
from tests.audits.conftest import closed_ticket as closed_ticket
from tests.conftest import _client_for
from tests.outlets.factories import OutletFactory
from tests.tickets.factories import AreaFactory, TechnicianFactory

MARCH = date(2026, 3, 1)
APRIL_2ND = date(2026, 4, 2)


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER, username="manager", email="gm@example.com")


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


def standard_lines(**overrides):
    values = {"response_sla": "98", "first_time_fix": "85", "satisfaction": "4.5"}
    values.update(overrides)
    return [{"metric": metric, "value": value} for metric, value in values.items()]


@pytest.fixture
def draft(supervisor):
    return services.target_set_create(
        actor=supervisor, period_kind="month", period_start=MARCH, lines=standard_lines()
    )


@pytest.fixture
def approved(draft, supervisor, manager):
    services.target_set_submit(target_set=draft, actor=supervisor)
    return services.target_set_approve(target_set=draft, actor=manager)


@pytest.fixture
def march_tickets(closed_ticket):
    """North: two tickets, both fixed first time, satisfaction 5 and 4 (avg 4.5). South:
    one ticket with satisfaction 3 by a technician of an outlet."""
    north, south = AreaFactory(code="north", name="North"), AreaFactory(code="south", name="South")
    location = StockLocation.objects.create(code="OUT-E", name="East outlet", kind="outlet")
    outlet = OutletFactory(name="East outlet", stock_location=location)
    alice = TechnicianFactory(full_name="Alice")
    bob = TechnicianFactory(full_name="Bob", home_outlet=location)
    closed_ticket(alice, day=5, area=north, satisfaction=5)
    closed_ticket(alice, day=9, area=north, satisfaction=4)
    closed_ticket(bob, day=12, area=south, satisfaction=3)
    return {"north": north, "south": south, "outlet": outlet}
