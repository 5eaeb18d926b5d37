import pytest

from aftersales.roles import Role
from tests.outlets.factories import OutletFactory
from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    ProductFactory,
    TechnicianFactory,
    make_ticket,
)
from tickets import services


@pytest.fixture
def dispatcher(make_user):
    return make_user(Role.OUTLET_DISPATCHER, username="odisp")


@pytest.fixture
def other_dispatcher(make_user):
    return make_user(Role.OUTLET_DISPATCHER, username="odisp2")


@pytest.fixture
def partner(dispatcher):
    return OutletFactory(partner=True, code="PART", dispatchers=[dispatcher])


@pytest.fixture
def other_outlet(other_dispatcher):
    return OutletFactory(code="OTHER", dispatchers=[other_dispatcher])


@pytest.fixture
def partner_tech(partner):
    return TechnicianFactory(outlet=partner, user__username="ptech")


@pytest.fixture
def triaged(agent):
    """A factory of triaged tickets for an air conditioner in Pudong."""

    def make(**fields):
        product = ProductFactory(customer=CustomerFactory(area=AreaFactory()))
        ticket = make_ticket(actor=agent, product=product, **fields)
        return services.ticket_triage(
            ticket=ticket, actor=agent, priority="p2", warranty_decision="in_warranty"
        )

    return make


@pytest.fixture
def outlet_ticket(triaged, supervisor, partner):
    ticket = triaged()
    return services.ticket_dispatch_to_outlet(ticket=ticket, actor=supervisor, outlet=partner)
