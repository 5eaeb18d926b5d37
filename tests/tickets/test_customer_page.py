"""The customer page (issue 13 §5) and intake's new parts (§6) through the test client:
role gates, masking, the forms' outcomes, the duplicate warning, constant query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.platform.models import Notification
from audits.models import AuditEvent
from tests.tickets.factories import (
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
    make_ticket,
)
from tickets import services
from tickets.models import Customer, Product, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _page(customer):
    return reverse("customer-detail-page", args=[customer.pk])


def _text(response):
    return response.content.decode()


def _reads(customer):
    return AuditEvent.objects.filter(action="customer.pii_read", object_id=str(customer.pk))


# --- Reading -----------------------------------------------------------------------------


def test_the_page_shows_contact_units_with_history_open_tickets_and_messages(login, agent):
    customer = CustomerFactory(phone="13812345678", email="chen@example.com")
    old = ProductFactory(
        customer=customer,
        serial_number="SN-OLD",
        purchase_date=timezone.localdate() - datetime.timedelta(days=1000),
    )
    new = ProductFactory(customer=customer, serial_number="SN-NEW")
    first = make_ticket(actor=agent, product=new, description="Leaks")
    second = make_ticket(actor=agent, product=new, description="Leaks again")
    services.ticket_cancel(ticket=first, actor=agent, reason="Fixed by the customer")
    Notification.objects.create(
        kind="dispatch_notice",
        channel="sms",
        recipient_key=f"customer:{customer.pk}",
        customer=customer,
        ticket=second,
        address=customer.phone,
        language="en",
    )
    page = _text(login(agent).get(_page(customer)))
    assert "13812345678" in page and "chen@example.com" in page
    assert f'id="product-{new.pk}"' in page and f'id="product-{old.pk}"' in page
    until = new.warranty_until.isoformat()
    assert f"In warranty until {until}" in page
    assert f"Out of warranty since {old.warranty_until.isoformat()}" in page
    # The unit's history, newest first; the open one also under "Open tickets".
    history = page[page.index(f'id="product-{new.pk}"') :]
    assert history.index(second.number) < history.index(first.number)
    assert page.index("Open tickets") < page.index(second.number)
    assert "Technician visit notice" in page
    assert f"{reverse('ticket-create-page')}?customer={customer.pk}" in page
    shown = sorted(read.changes["fields"] for read in _reads(customer))
    assert shown == [["phone"], ["phone", "email", "address"]]  # the SMS's address, the card


def test_an_auditor_reads_the_page_masked_and_without_forms(login, auditor):
    customer = CustomerFactory(phone="13812345678", email="chen@example.com", address="8 Road")
    page = _text(login(auditor).get(_page(customer)))
    assert "138****5678" in page and "13812345678" not in page
    assert "chen@example.com" not in page and "c***" in page
    assert "8 Road" not in page
    assert "Edit contact details" not in page and "New ticket for this customer" not in page
    assert not _reads(customer).exists()
    response = login(auditor).post(
        reverse("customer-edit-page", args=[customer.pk]), {"contact-name": "X"}
    )
    assert response.status_code == 403


def test_technicians_and_integrators_may_not_open_the_page(login, technician, integrator):
    customer = CustomerFactory()
    assert login(technician.user).get(_page(customer)).status_code == 403
    assert login(integrator).get(_page(customer)).status_code == 403


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_runs_the_same_queries_for_1_and_20_products_and_tickets(login, agent):
    customer = CustomerFactory()
    unit = ProductFactory(customer=customer)
    make_ticket(actor=agent, product=unit)
    services.customer_update(customer=customer, actor=agent, address="Here")
    client = login(agent)
    few = _queries(client, _page(customer))
    for n in range(19):
        unit = ProductFactory(customer=customer)
        ticket = make_ticket(actor=agent, product=unit, description=f"Fault {n}")
        Notification.objects.create(
            kind="dispatch_notice",
            channel="email",
            recipient_key=f"customer:{customer.pk}",
            customer=customer,
            ticket=ticket,
            address="a@example.com",
            language="en",
        )
    services.customer_update(customer=customer, actor=agent, address="Elsewhere")
    assert customer.products.count() == 20 and Ticket.objects.count() == 20
    assert _queries(client, _page(customer)) == few


# --- The forms ---------------------------------------------------------------------------


def _contact(customer, **changes):
    data = {
        "contact-name": customer.name,
        "contact-phone": customer.phone,
        "contact-email": customer.email,
        "contact-address": customer.address,
        "contact-area": customer.area_id or "",
        "contact-language": customer.language,
        "contact-consent_service": "on",
    }
    data.update({f"contact-{k}": v for k, v in changes.items()})
    return data


def test_edit_contact_saves_and_redirects_back(login, agent):
    customer = CustomerFactory()
    url = reverse("customer-edit-page", args=[customer.pk])
    response = login(agent).post(url, _contact(customer, address="9 New Road"))
    assert response.status_code == 302 and response.url == _page(customer)
    assert Customer.objects.get(pk=customer.pk).address == "9 New Road"


def test_edit_contact_refused_shows_the_page_with_the_error_or_the_form_alone(login, agent):
    CustomerFactory(phone="13900000055")
    customer = CustomerFactory()
    url = reverse("customer-edit-page", args=[customer.pk])
    client = login(agent)
    whole = client.post(url, _contact(customer, phone="13900000055"))
    assert whole.status_code == 400
    assert "already exists" in _text(whole) and "Registered products" in _text(whole)
    fragment = client.post(url, _contact(customer, phone="13900000055"), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 400
    assert "already exists" in _text(fragment) and "Registered products" not in _text(fragment)
    assert Customer.objects.get(pk=customer.pk).phone == customer.phone


def test_edit_contact_with_htmx_redirects_the_browser(login, agent):
    customer = CustomerFactory()
    url = reverse("customer-edit-page", args=[customer.pk])
    response = login(agent).post(url, _contact(customer, name="Renamed"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == _page(customer)


def test_register_product_and_its_refusals(login, agent):
    customer = CustomerFactory()
    model = ProductModelFactory()
    url = reverse("customer-product-page", args=[customer.pk])
    client = login(agent)
    body = {"product-model": model.pk, "product-serial_number": "NEW-1"}
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    refused = client.post(url, {**body, "product-purchase_date": future})
    assert refused.status_code == 400 and "cannot be in the future" in _text(refused)
    ok = client.post(url, {**body, "product-purchase_date": "2025-01-02"})
    assert ok.status_code == 302
    assert Product.objects.get(serial_number="NEW-1").customer == customer


def test_correct_data_records_the_reason(login, supervisor):
    customer = CustomerFactory(name="Wrong Name")
    url = reverse("customer-correct-page", args=[customer.pk])
    client = login(supervisor)
    missing = client.post(url, {"correct-field": "name", "correct-value": "Right Name"})
    assert missing.status_code == 400
    ok = client.post(
        url,
        {"correct-field": "name", "correct-value": "Right Name", "correct-reason": "Asked"},
    )
    assert ok.status_code == 302
    assert Customer.objects.get(pk=customer.pk).name == "Right Name"
    page = _text(client.get(_page(customer)))
    assert "Data corrected" in page and "Wrong Name" in page and "Asked" in page


# --- Intake: lookup, cards, warning, remote fix ------------------------------------------


def _intake(**fields):
    return {
        "channel": "phone",
        "category": "repair",
        "priority": "p3",
        "outcome": "open",
        "description": "Drum does not spin",
        **fields,
    }


def test_the_as_you_type_lookup_answers_the_intake_for_the_customer_found(login, agent):
    unit = ProductFactory(customer__phone="13812345678", serial_number="SN-CARD")
    client = login(agent)
    url = reverse("ticket-create-page")
    hx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "intake-flow"}
    found = _text(client.get(url, {"phone": "+86 138 1234 5678"}, **hx))
    assert "<html" not in found and "Customer found" in found
    assert unit.model.name in found and "SN-CARD" in found and "In warranty until" in found
    unknown = _text(client.get(url, {"phone": "139 0000 0000"}, **hx))
    assert "No customer has this number yet" in unknown and "New customer" not in unknown
    short = _text(client.get(url, {"phone": "13"}, **hx))
    assert "Type the whole number" in short


def test_intake_warns_about_the_units_open_ticket_and_records_only_once_acknowledged(login, agent):
    unit = ProductFactory()
    earlier = make_ticket(actor=agent, product=unit)
    client = login(agent)
    fragment = _text(
        client.get(
            reverse("ticket-create-open-tickets"),
            {"customer": unit.customer_id, "product": unit.pk},
        )
    )
    assert f"This unit already has open ticket {earlier.number} (New)" in fragment
    body = _intake(customer=unit.customer_id, product=unit.pk)
    refused = client.post(reverse("ticket-create-page"), body)
    assert refused.status_code == 400
    assert "Record anyway" in _text(refused) and earlier.number in _text(refused)
    assert Ticket.objects.count() == 1
    recorded = client.post(reverse("ticket-create-page"), {**body, "acknowledged": earlier.pk})
    assert recorded.status_code == 302
    assert Ticket.objects.count() == 2


def test_intake_resolved_on_the_phone(login, agent):
    unit = ProductFactory()
    client = login(agent)
    missing = client.post(
        reverse("ticket-create-page"),
        _intake(customer=unit.customer_id, product=unit.pk, outcome="resolved"),
    )
    assert missing.status_code == 400 and "Say how the fault was solved" in _text(missing)
    done = client.post(
        reverse("ticket-create-page"),
        _intake(
            customer=unit.customer_id,
            product=unit.pk,
            outcome="resolved",
            resolution="Guided a drain-filter clean",
            fault_class="user_error",
        ),
    )
    assert done.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.owner, ticket.resolution) == (
        "awaiting_confirmation",
        agent,
        "Guided a drain-filter clean",
    )


def test_new_ticket_from_the_customer_page_opens_intake_on_them_without_an_error(login, agent):
    customer = CustomerFactory(name="Liu Yang 刘洋")
    page = login(agent).get(reverse("ticket-create-page"), {"customer": customer.pk})
    text = page.content.decode()
    assert page.status_code == 200 and "Liu Yang 刘洋" in text
    assert "This field is required" not in text
