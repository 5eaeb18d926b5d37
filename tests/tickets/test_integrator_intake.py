"""Ticket intake for integrators in one call (issue 16 item 1): ``POST /api/v1/tickets/``
with the customer and the unit inline, matched by normalised phone and by model + serial,
registered when new, one transaction, audited, and nothing of a known customer shown to an
integrator that did not register them. The id form keeps working under the phone rule."""

import datetime
import json
import time

import pytest
import yaml
from django.db import connection, transaction
from django.urls import reverse

from audits.models import AuditEvent
from audits.personal import event_changes
from tests.tickets.factories import AreaFactory, ProductModelFactory
from tests.tickets.test_concurrency import race
from tickets import services
from tickets.models import Customer, Product, Ticket

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the audit trail's triggers need PostgreSQL"
)

URL = "/api/v1/tickets/"
NAME, PHONE, EMAIL, ADDRESS = (
    "王小明",
    "13912345678",
    "wang@example.com",
    "上海市浦东新区世纪大道100号",
)
KNOWN_VALUES = (NAME, PHONE, EMAIL, ADDRESS, "pudong", "vip")


@pytest.fixture
def known(agent):
    """A customer the hotline registered (a VIP in Pudong) with one unit."""
    customer = services.customer_create(
        actor=agent,
        name=NAME,
        phone=PHONE,
        email=EMAIL,
        address=ADDRESS,
        area=AreaFactory(),
        tier="vip",
    )
    model = ProductModelFactory(code="KFR-35GW")
    product = services.product_register(
        actor=agent,
        customer=customer,
        model=model,
        serial_number="SN-KNOWN-1",
        purchase_date=datetime.date(2025, 5, 1),
    )
    return customer, product


def _body(customer, product=None, **extra):
    body = {
        "customer": customer,
        "channel": "api",
        "category": "repair",
        "description": "Not cooling",
        **extra,
    }
    if product is not None:
        body["product"] = product
    return body


def _actions(obj):
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).values_list("action", flat=True)
    )


def test_unknown_customer_and_unit_are_registered_with_the_ticket(integrator_client, integrator):
    ProductModelFactory(code="XQG100")
    response = integrator_client.post(
        URL,
        _body(
            {"name": "Shop buyer", "phone": "+86 138-0013-8000", "address": "2 Nanjing Road"},
            {"model": "XQG100", "serial_number": " SN-NEW-9 ", "purchase_date": "2026-01-05"},
        ),
        format="json",
    )

    assert response.status_code == 201, response.data
    ticket = Ticket.objects.select_related("customer", "product").get(pk=response.data["id"])
    customer = ticket.customer
    assert (customer.name, customer.phone, customer.created_by) == (
        "Shop buyer",
        "13800138000",
        integrator,
    )
    assert (ticket.product.model.code, ticket.product.serial_number) == ("XQG100", "SN-NEW-9")
    assert ticket.product.customer == customer
    assert _actions(customer) == ["customer.created"]
    assert _actions(ticket.product) == ["product.registered"]
    assert "ticket.created" in _actions(ticket)
    # Its own customer: the integrator reads what it registered, the phone masked.
    summary = response.data["customer_summary"]
    assert (summary["name"], summary["phone"]) == ("Shop buyer", "138****8000")
    assert response.data["product"] == ticket.product.pk


def test_known_customer_is_matched_by_phone_kept_and_not_shown(integrator_client, known):
    customer, product = known
    response = integrator_client.post(
        URL,
        _body(
            {
                "name": "Wang X.",
                "phone": "+86 139 1234 5678",  # the same number in another spelling
                "address": "Somewhere else 1",
                "email": EMAIL,  # the same: not a difference
            },
            {"model": "KFR-35GW", "serial_number": "SN-KNOWN-1"},
        ),
        format="json",
    )

    assert response.status_code == 201, response.data
    ticket = Ticket.objects.get(pk=response.data["id"])
    assert ticket.customer_id == customer.pk and ticket.product_id == product.pk
    assert Customer.objects.filter(phone=PHONE).count() == 1
    assert Product.objects.count() == 1
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.address, stored.email) == (NAME, ADDRESS, EMAIL)
    # What differed is on record for the desk, encrypted like every personal value.
    event = AuditEvent.objects.get(action="customer.intake_differs", object_id=str(customer.pk))
    assert NAME not in json.dumps(event.changes, ensure_ascii=False)
    assert event_changes(event) == {
        "name": [NAME, "Wang X."],
        "address": [ADDRESS, "Somewhere else 1"],
    }
    assert "customer.looked_up" in _actions(customer)
    # Nothing of the record in the answer, nor on reading the ticket again.
    for data in (response.data, integrator_client.get(f"{URL}{ticket.pk}/").data):
        text = json.dumps(data["customer_summary"], ensure_ascii=False)
        assert not [value for value in KNOWN_VALUES if value in text], text
        assert data["customer_summary"]["phone"] == "139****5678"
        assert data["customer_summary"]["name"] == ""


def test_known_customer_with_the_same_details_gets_no_difference_event(integrator_client, known):
    customer, _product = known
    response = integrator_client.post(
        URL, _body({"name": NAME, "phone": PHONE, "address": ADDRESS}), format="json"
    )

    assert response.status_code == 201, response.data
    assert "customer.intake_differs" not in _actions(customer)


def test_an_agent_sees_the_matched_customer_in_full(agent_client, known):
    response = agent_client.post(URL, _body({"name": "x", "phone": PHONE}), format="json")

    assert response.status_code == 201, response.data
    summary = response.data["customer_summary"]
    assert (summary["name"], summary["area"], summary["tier"]) == (NAME, "pudong", "vip")


def test_a_unit_of_another_customer_is_refused_and_nothing_is_written(integrator_client, known):
    response = integrator_client.post(
        URL,
        _body(
            {"name": "New buyer", "phone": "13700001111"},
            {"model": "KFR-35GW", "serial_number": "SN-KNOWN-1"},
        ),
        format="json",
    )

    assert response.status_code == 400
    assert list(response.data) == ["product"]
    assert "serial_number" in response.data["product"]
    assert not Customer.objects.filter(phone="13700001111").exists()
    assert Ticket.objects.count() == 0


def test_a_new_unit_needs_its_purchase_date_and_the_new_customer_rolls_back(
    integrator_client,
):
    ProductModelFactory(code="XQG100")
    response = integrator_client.post(
        URL,
        _body(
            {"name": "New buyer", "phone": "13700001111"},
            {"model": "XQG100", "serial_number": "SN-2"},
        ),
        format="json",
    )

    assert response.status_code == 400
    assert "purchase_date" in response.data["product"]
    assert not Customer.objects.exists()
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("customer", "field"),
    [
        ({"name": "Buyer", "phone": "12345"}, "phone"),
        ({"name": "Buyer", "phone": "not a number"}, "phone"),
        ({"phone": "13700001111"}, "name"),
        ({"name": "Buyer", "phone": "13700001111", "area": "atlantis"}, "area"),
        ({"name": "Buyer", "phone": "13700001111", "tier": "vip"}, "tier"),  # not the shop's
    ],
)
def test_bad_inline_customers_get_a_nested_400(integrator_client, customer, field):
    response = integrator_client.post(URL, _body(customer), format="json")

    assert response.status_code == 400
    assert field in response.data["customer"], response.data
    assert not Customer.objects.exists() and not Ticket.objects.exists()


@pytest.mark.parametrize("customer", ["abc", [1], True, None, 1.5])
def test_a_customer_neither_id_nor_object_is_a_clear_400(integrator_client, customer):
    response = integrator_client.post(URL, _body(customer), format="json")

    assert response.status_code == 400
    assert "customer" in response.data


def test_the_id_form_follows_the_phone_rule(integrator_client, known):
    customer, product = known
    # Not found by phone yet: the id is not the integrator's to file for.
    refused = integrator_client.post(URL, _body(customer.pk), format="json")
    assert refused.status_code == 400 and "customer" in refused.data
    found = integrator_client.get("/api/v1/customers/", {"phone": "+86 139-1234-5678"})
    assert found.data["results"] == [{"id": customer.pk, "exists": True}]

    response = integrator_client.post(URL, _body(customer.pk, product.pk), format="json")

    assert response.status_code == 201, response.data
    assert Ticket.objects.get(pk=response.data["id"]).product_id == product.pk
    assert response.data["customer_summary"]["name"] == ""


def test_an_inline_match_lets_the_integrator_file_again_by_id(integrator_client, known):
    customer, _product = known
    first = integrator_client.post(URL, _body({"name": "W", "phone": PHONE}), format="json")
    assert first.status_code == 201

    again = integrator_client.post(URL, _body(first.data["customer"]), format="json")

    assert again.status_code == 201, again.data
    assert again.data["customer"] == customer.pk


def test_the_same_new_number_twice_makes_one_customer(integrator_client):
    body = _body({"name": "Buyer", "phone": "13700001111"})
    first = integrator_client.post(URL, body, format="json")
    second = integrator_client.post(
        URL, {**body, "customer": {"name": "Buyer", "phone": "137 0000 1111"}}, format="json"
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.data["customer"] == second.data["customer"]
    assert Customer.objects.filter(phone="13700001111").count() == 1


def test_the_schema_says_customer_is_an_id_or_an_object(api_client_for, agent):
    response = api_client_for(agent).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    request = schema["components"]["schemas"]["TicketCreateRequest"]["properties"]

    assert request["customer"]["oneOf"][0]["type"] == "integer"
    assert request["customer"]["oneOf"][1] == {
        "$ref": "#/components/schemas/TicketIntakeCustomerRequest"
    }
    assert request["product"]["oneOf"][1] == {
        "$ref": "#/components/schemas/TicketIntakeProductRequest"
    }
    customer = schema["components"]["schemas"]["TicketIntakeCustomerRequest"]
    assert set(customer["properties"]) == {"name", "phone", "email", "address", "area"}
    assert set(customer["required"]) == {"name", "phone"}


@pytest.mark.django_db(transaction=True)
def test_two_intakes_registering_one_new_number_at_once_make_one_customer(integrator):
    """The second intake's insert waits on the unique phone until the first commits, then
    finds that customer instead of failing "duplicate phone" (READ COMMITTED re-reads)."""
    details = {"name": "Buyer", "phone": "13700002222"}
    request = {"channel": "api", "category": "repair", "description": "Leak"}

    def first(wait):
        with transaction.atomic():
            ticket = services.ticket_intake(actor=integrator, customer_details=details, **request)
            wait()
            time.sleep(1.0)  # the second is blocked on the phone's unique index meanwhile
        return ticket

    def second(wait):
        wait()
        time.sleep(0.2)  # after the first has inserted, before it commits
        return services.ticket_intake(actor=integrator, customer_details=details, **request)

    one, two = race(first, second)

    assert isinstance(one, Ticket) and isinstance(two, Ticket), (one, two)
    assert one.customer_id == two.customer_id
    assert Customer.objects.filter(phone="13700002222").count() == 1


def test_the_desk_sees_the_submitted_differences_on_the_customer_page(
    integrator_client, known, client, agent
):
    customer, _product = known
    response = integrator_client.post(
        URL, _body({"name": NAME, "phone": PHONE, "address": "Old Street 9"}), format="json"
    )
    assert response.status_code == 201

    client.force_login(agent)
    page = client.get(reverse("customer-detail-page", args=[customer.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Intake gave details that differ from the record" in text
    assert "Old Street 9" in text and ADDRESS in text
