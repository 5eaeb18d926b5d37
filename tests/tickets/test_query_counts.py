"""Query counts of the lists and the ticket pages: constant as rows grow, under a ceiling.

Each list is measured at 5 rows and again at 40 (varied rows: with and without a
technician, a product, different customers, areas and models); an N+1 shows up as a
difference. The ceilings (NetBox keeps ``query_counts.json``) catch a slow creep.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
    appointment,
    make_ticket,
)
from tickets import services
from tickets.choices import TicketStatus

pytestmark = pytest.mark.django_db

# Today's counts: the token with its user, the user's groups, then the page's own reads
# (the page; for page-number lists a COUNT too). Raise one deliberately, with the reason,
# when a feature needs another query -- never because a row started costing one.
# +1 on lists that show unmasked phones: the one INSERT of the request's personal-data
# read events (audits.middleware), whatever the number of rows.
CEILINGS = {
    "ticket-list": 4,
    "ticket-detail": 4,
    "ticket-events": 4,
    "customer-list": 5,
    "product-list": 4,
}


def _measure(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.data
    return len(ctx.captured_queries), response


@pytest.fixture
def grow_tickets(agent, supervisor, technician, other_technician):
    """grow_tickets(n) → bring the ticket table to ``n`` varied rows; returns them."""
    for tech in (technician, other_technician):
        tech.max_jobs_per_day = 50
        tech.save(update_fields=["max_jobs_per_day"])
    area = technician.areas.first()
    made = []

    def grow(n):
        while len(made) < n:
            i = len(made)
            if i % 3 == 0:
                ticket = make_ticket(actor=agent, product=ProductFactory(customer__area=area))
            else:
                ticket = make_ticket(
                    actor=supervisor if i % 2 else agent, customer=CustomerFactory(area=area)
                )
            if i % 3 != 2:
                ticket = services.ticket_triage(
                    ticket=ticket, actor=agent, priority="p2", warranty_decision=None
                )
                start, end = appointment(days=1 + i % 4, hour=8 + i % 8)
                ticket = services.ticket_dispatch(
                    ticket=ticket,
                    actor=supervisor,
                    technician=technician if i % 2 else other_technician,
                    appointment_start=start,
                    appointment_end=end,
                )
            made.append(ticket)
        return made

    return grow


@pytest.mark.parametrize("persona", ["agent_client", "technician_client"])
def test_ticket_list_query_count_is_constant(
    request, persona, grow_tickets, technician, django_assert_max_num_queries
):
    client = request.getfixturevalue(persona)
    url, params = "/api/v1/tickets/", {"page_size": 50}
    grow_tickets(5)
    _measure(client, url, params)  # warm-up (first-request caches)

    small, small_response = _measure(client, url, params)
    tickets = grow_tickets(40)
    large, large_response = _measure(client, url, params)

    visible = (
        tickets
        if persona == "agent_client"
        else [t for t in tickets if t.technician_id == technician.pk]
    )
    assert len(large_response.data["results"]) == len(visible) > len(small_response.data["results"])
    assert large == small
    with django_assert_max_num_queries(CEILINGS["ticket-list"]):
        client.get(url, params)


def test_ticket_detail_query_count_is_constant(
    agent_client, grow_tickets, django_assert_max_num_queries
):
    ticket = grow_tickets(5)[0]
    url = f"/api/v1/tickets/{ticket.pk}/"
    _measure(agent_client, url)

    small, _ = _measure(agent_client, url)
    grow_tickets(40)
    large, _ = _measure(agent_client, url)

    assert large == small
    with django_assert_max_num_queries(CEILINGS["ticket-detail"]):
        agent_client.get(url)


def test_ticket_events_query_count_is_constant(
    agent_client, grow_tickets, agent, supervisor, technician, django_assert_max_num_queries
):
    ticket = grow_tickets(2)[1]  # dispatched to ``technician``
    assert ticket.status == TicketStatus.DISPATCHED
    url = f"/api/v1/tickets/{ticket.pk}/events/"
    _measure(agent_client, url)

    small, small_response = _measure(agent_client, url)
    for i, actor in enumerate([agent, supervisor, technician.user] * 7):
        services.ticket_contact(ticket=ticket, actor=actor, note=f"Call {i}", via="phone")
    large, large_response = _measure(agent_client, url)

    assert len(large_response.data) == len(small_response.data) + 21
    assert {e["actor"] for e in large_response.data} >= {"agent", "supervisor", "tech1"}
    assert large == small
    with django_assert_max_num_queries(CEILINGS["ticket-events"]):
        agent_client.get(url)


@pytest.mark.parametrize("persona", ["agent_client", "auditor_client"])
def test_customer_list_query_count_is_constant(request, persona, django_assert_max_num_queries):
    client = request.getfixturevalue(persona)
    areas = [AreaFactory(code=f"area{i}", name=f"Area {i}") for i in range(4)]

    def grow(n):
        from tickets.models import Customer

        while Customer.objects.count() < n:
            i = Customer.objects.count()
            CustomerFactory(area=areas[i % 4] if i % 5 else None)

    url = "/api/v1/customers/"
    grow(5)
    _measure(client, url)

    small, _ = _measure(client, url)
    grow(40)
    large, large_response = _measure(client, url)

    assert len(large_response.data["results"]) == 40
    assert large == small
    with django_assert_max_num_queries(CEILINGS["customer-list"]):
        client.get(url)


def test_product_list_query_count_is_constant(agent_client, django_assert_max_num_queries):
    models = [ProductModelFactory() for _ in range(4)]

    def grow(n):
        from tickets.models import Product

        while Product.objects.count() < n:
            ProductFactory(model=models[Product.objects.count() % 4])

    url = "/api/v1/products/"
    grow(5)
    _measure(agent_client, url)

    small, _ = _measure(agent_client, url)
    grow(40)
    large, large_response = _measure(agent_client, url)

    assert len(large_response.data["results"]) == 40
    assert large == small
    with django_assert_max_num_queries(CEILINGS["product-list"]):
        agent_client.get(url)
