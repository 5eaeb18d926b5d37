"""Fixtures of the parts tests: a part, a warehouse, the technician's van, a ticket on site."""

import pytest

from aftersales.roles import Role
from parts import services
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import CustomerFactory, appointment, make_ticket
from tickets import services as tickets


@pytest.fixture
def part(db):
    return PartFactory()


@pytest.fixture
def warehouse(db):
    return LocationFactory(code="WH-MAIN", name="Main warehouse")


@pytest.fixture
def van(technician):
    return services.location_create_van(technician=technician, actor=None)


@pytest.fixture
def stock(supervisor):
    """stock(part, location, 5): receive units through the service."""

    def receive(part, location, quantity):
        return services.stock_receive(
            part=part, location=location, quantity=quantity, actor=supervisor
        )

    return receive


@pytest.fixture
def job(agent, supervisor, technician):
    """job(warranty="in_warranty", parts=[...], status="on_site") → a ticket walked through
    the services: triaged with that warranty decision, dispatched to ``technician`` (with
    ``parts`` reserved), checked in."""

    def build(*, warranty="in_warranty", parts=None, status="on_site", product=None):
        customer = product.customer if product else CustomerFactory(area=technician.areas.first())
        ticket = make_ticket(actor=agent, customer=customer, product=product)
        # Goodwill is a supervisor's override, with a reason (tickets.warranty).
        goodwill = warranty == "goodwill"
        ticket = tickets.ticket_triage(
            ticket=ticket,
            actor=supervisor if goodwill else agent,
            priority="p2",
            warranty_decision=warranty,
            goodwill_reason="Repeat fault" if goodwill else "",
        )
        if status == "triaged":
            return ticket
        start, end = appointment()
        ticket = tickets.ticket_dispatch(
            ticket=ticket,
            actor=supervisor,
            technician=technician,
            appointment_start=start,
            appointment_end=end,
            parts=parts,
        )
        if status == "on_site":
            ticket = tickets.ticket_check_in(ticket=ticket, actor=technician.user)
        return ticket

    return build


def complete(ticket, technician, parts_used):
    return tickets.ticket_complete(
        ticket=ticket,
        actor=technician.user,
        fault_class="hardware",
        fault_code="E4",
        diagnosis="Relay",
        work_done="Relay replaced",
        test_passed=True,
        parts_used=parts_used,
    )


@pytest.fixture
def storekeeper(make_user):
    return make_user(Role.SUPERVISOR, username="storekeeper")
