"""Fixtures of the depot tests: a ticket with a unit, a workshop user, a signature."""

import pytest

from aftersales.roles import Role
from tests.tickets.factories import CustomerFactory, ProductFactory, make_ticket

SIGNATURE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def workshop(make_user):
    return make_user(Role.WORKSHOP, username="workshop")


@pytest.fixture
def workshop_client(workshop, api_client_for):
    return api_client_for(workshop)


@pytest.fixture
def depot_ticket(agent):
    customer = CustomerFactory(language="zh-hans")
    product = ProductFactory(customer=customer, serial_number="SN-PLATE-1")
    return make_ticket(actor=agent, product=product, description="Washer leaks")


@pytest.fixture
def loan_model(depot_ticket):
    return depot_ticket.product.model
