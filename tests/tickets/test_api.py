"""The REST adapter against the contract: status codes, error shapes, roles, and that a
refused request changes nothing."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from aftersales.platform.models import IdempotencyKey
from aftersales.roles import Role
from audits.models import AuditEvent
from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    ProductCategoryFactory,
    ProductFactory,
    ProductModelFactory,
    TechnicianFactory,
    appointment,
    make_ticket,
)
from tickets import services
from tickets.choices import TicketStatus
from tickets.models import (
    Area,
    Customer,
    Product,
    ProductCategory,
    ProductModel,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def _url(ticket, action=None):
    return f"{TICKETS}{ticket.pk}/" + (f"{action}/" if action else "")


def _post(client, url, data=None, **headers):
    return client.post(url, data if data is not None else {}, format="json", **headers)


def _state(ticket):
    """What a refused request must leave untouched."""
    row = Ticket.objects.values().get(pk=ticket.pk)
    return {
        "row": row,
        "events": TicketEvent.objects.filter(ticket=ticket).count(),
        "audits": AuditEvent.objects.filter(ticket=ticket).count(),
    }


def _dispatch_body(technician, days=1):
    start, end = appointment(days=days)
    return {
        "technician": technician.pk,
        "appointment_start": start.isoformat(),
        "appointment_end": end.isoformat(),
    }


def _ticket_body(customer, **extra):
    return {
        "customer": customer.pk,
        "channel": "web",
        "category": "repair",
        "description": "Washing machine leaks",
        **extra,
    }


# --- Intake --------------------------------------------------------------------------------


def test_ticket_create_returns_the_contract_fields(agent_client):
    product = ProductFactory()

    response = _post(
        agent_client, TICKETS, _ticket_body(product.customer, product=product.pk, priority="p2")
    )

    assert response.status_code == 201, response.data
    data = response.data
    assert set(data) >= {
        "id",
        "number",
        "status",
        "owner",
        "customer",
        "product",
        "channel",
        "category",
        "priority",
        "technician",
        "appointment_start",
        "appointment_end",
        "version",
        "created_at",
        "updated_at",
        "sla",
    }
    assert set(data["sla"]) >= {
        "response_due_at",
        "responded_at",
        "response_breached",
        "dispatch_due_at",
        "dispatched_at",
        "dispatch_breached",
        "state",
        "escalation_level",
        "paused",
    }
    assert (data["status"], data["priority"], data["version"]) == ("new", "p2", 1)
    assert data["sla"]["state"] == "on_track"
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"{TICKETS}{data['id']}/"


def test_ticket_create_with_missing_fields_is_400_per_field(agent_client):
    response = _post(agent_client, TICKETS, {})

    assert response.status_code == 400
    assert set(response.data) == {"customer", "channel", "category", "description"}
    assert all(isinstance(v, list) for v in response.data.values())
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"customer": 999999}, "customer"),
        ({"customer": "abc"}, "customer"),
        ({"channel": "pigeon"}, "channel"),
        ({"category": 5}, "category"),
        ({"priority": "p9"}, "priority"),
        ({"fault_occurred_at": "yesterday"}, "fault_occurred_at"),
        ({"product": 999999}, "product"),
        ({"description": "   "}, "description"),
    ],
)
def test_ticket_create_with_bad_values_is_400_and_creates_nothing(agent_client, override, field):
    body = {**_ticket_body(CustomerFactory()), **override}

    response = _post(agent_client, TICKETS, body)

    assert response.status_code == 400
    assert list(response.data) == [field]
    assert Ticket.objects.count() == 0


def test_ticket_create_refuses_a_product_of_another_customer(agent_client):
    response = _post(
        agent_client, TICKETS, _ticket_body(CustomerFactory(), product=ProductFactory().pk)
    )

    assert response.status_code == 400
    assert "product" in response.data
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("body", [[1, 2], "text"])
def test_ticket_create_with_a_non_object_body_is_400(agent_client, body):
    response = _post(agent_client, TICKETS, body)

    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_malformed_json_is_400(agent_client):
    response = agent_client.post(TICKETS, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert Ticket.objects.count() == 0


# --- Idempotency ---------------------------------------------------------------------------


def test_replayed_idempotency_key_returns_the_first_ticket(agent_client):
    body = _ticket_body(CustomerFactory())

    first = _post(agent_client, TICKETS, body, HTTP_IDEMPOTENCY_KEY="order-42")
    again = _post(agent_client, TICKETS, body, HTTP_IDEMPOTENCY_KEY="order-42")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.data["id"] == first.data["id"]
    assert again.data["number"] == first.data["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.count() == 1


def test_idempotency_key_reused_with_another_body_is_409(agent_client):
    customer = CustomerFactory()
    _post(agent_client, TICKETS, _ticket_body(customer), HTTP_IDEMPOTENCY_KEY="k1")

    response = _post(
        agent_client,
        TICKETS,
        _ticket_body(customer, description="Different"),
        HTTP_IDEMPOTENCY_KEY="k1",
    )

    assert response.status_code == 409
    assert response.data["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


def test_idempotency_keys_are_per_user(agent_client, supervisor_client):
    body = _ticket_body(CustomerFactory())

    first = _post(agent_client, TICKETS, body, HTTP_IDEMPOTENCY_KEY="same")
    second = _post(supervisor_client, TICKETS, body, HTTP_IDEMPOTENCY_KEY="same")

    assert first.data["id"] != second.data["id"]
    assert Ticket.objects.count() == 2


def test_failed_create_stores_no_idempotency_key(agent_client):
    customer = CustomerFactory()

    bad = _post(agent_client, TICKETS, {"customer": customer.pk}, HTTP_IDEMPOTENCY_KEY="retry")
    good = _post(agent_client, TICKETS, _ticket_body(customer), HTTP_IDEMPOTENCY_KEY="retry")

    assert (bad.status_code, good.status_code) == (400, 201)
    assert IdempotencyKey.objects.filter(key="retry").count() == 1


def test_replayed_customer_create_returns_the_first_customer(agent_client):
    body = {"name": "Li Lei", "phone": "13900000001"}

    first = _post(agent_client, "/api/v1/customers/", body, HTTP_IDEMPOTENCY_KEY="c-1")
    again = _post(agent_client, "/api/v1/customers/", body, HTTP_IDEMPOTENCY_KEY="c-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.data["id"] == again.data["id"]
    assert Customer.objects.count() == 1


def test_blank_idempotency_key_is_400(agent_client):
    response = _post(
        agent_client, TICKETS, _ticket_body(CustomerFactory()), HTTP_IDEMPOTENCY_KEY=" "
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.data
    assert Ticket.objects.count() == 0


# --- Lookups, transitions and versions --------------------------------------------------------


@pytest.mark.parametrize("path", ["999999/", "abc/", "999999/events/"])
def test_unknown_ticket_is_404(agent_client, path):
    assert agent_client.get(f"{TICKETS}{path}").status_code == 404


def test_action_on_unknown_ticket_is_404(agent_client):
    response = _post(
        agent_client,
        f"{TICKETS}999999/triage/",
        {"priority": "p2", "warranty_decision": "goodwill"},
    )

    assert response.status_code == 404


def test_triage_with_missing_fields_is_400_and_changes_nothing(agent_client, ticket_in):
    ticket = ticket_in(TicketStatus.NEW)
    before = _state(ticket)

    response = _post(agent_client, _url(ticket, "triage"), {})

    assert response.status_code == 400
    assert set(response.data) == {"priority"}  # the warranty decision is derived when omitted
    assert _state(ticket) == before


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("triage", {"priority": "urgent", "warranty_decision": "goodwill"}, "priority"),
        ("triage", {"priority": "p1", "warranty_decision": "maybe"}, "warranty_decision"),
        ("contact", {"note": "x", "via": "telegram"}, "via"),
        ("escalate", {"reason": ["a", "b"]}, "reason"),
        ("transfer_owner", {"owner": "nobody", "reason": "x"}, "owner"),
    ],
)
def test_action_with_wrong_types_is_400_and_changes_nothing(
    supervisor_client, ticket_in, action, body, field
):
    ticket = ticket_in(TicketStatus.NEW)
    before = _state(ticket)

    response = _post(supervisor_client, _url(ticket, action), body)

    assert response.status_code == 400
    assert field in response.data
    assert _state(ticket) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "technician"),
        ({"appointment_start": "tomorrow"}, "appointment_start"),
        ({"technician": 999999}, "technician"),
        ({"technician": "one"}, "technician"),
    ],
)
def test_dispatch_with_bad_input_is_400_and_changes_nothing(
    supervisor_client, ticket_in, technician, body, field
):
    ticket = ticket_in(TicketStatus.TRIAGED)
    before = _state(ticket)

    response = _post(
        supervisor_client,
        _url(ticket, "dispatch"),
        {**_dispatch_body(technician), **body} if body else {},
    )

    assert response.status_code == 400
    assert field in response.data
    assert _state(ticket) == before


def test_dispatch_with_end_before_start_is_400(supervisor_client, ticket_in, technician):
    ticket = ticket_in(TicketStatus.TRIAGED)
    body = _dispatch_body(technician)
    body["appointment_start"], body["appointment_end"] = (
        body["appointment_end"],
        body["appointment_start"],
    )
    before = _state(ticket)

    response = _post(supervisor_client, _url(ticket, "dispatch"), body)

    assert response.status_code == 400
    assert "appointment_end" in response.data
    assert _state(ticket) == before


def test_check_in_with_a_wrong_latitude_is_400(technician_client, ticket_in):
    ticket = ticket_in(TicketStatus.DISPATCHED)
    before = _state(ticket)

    response = _post(technician_client, _url(ticket, "check_in"), {"latitude": "north"})

    assert response.status_code == 400
    assert "latitude" in response.data
    assert _state(ticket) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"accepted": True, "satisfaction": 9}, "satisfaction"),
        ({"accepted": "perhaps"}, "accepted"),
        ({"accepted": True, "signature": "not-a-data-url"}, "signature"),
    ],
)
def test_confirm_with_bad_input_is_400(technician_client, ticket_in, body, field):
    ticket = ticket_in(TicketStatus.AWAITING_CONFIRMATION)
    before = _state(ticket)

    response = _post(technician_client, _url(ticket, "confirm"), body)

    assert response.status_code == 400
    assert field in response.data
    assert _state(ticket) == before


@pytest.mark.parametrize(
    ("status", "action", "body"),
    [
        (TicketStatus.TRIAGED, "triage", {"priority": "p2", "warranty_decision": "goodwill"}),
        (TicketStatus.NEW, "follow_up", {"satisfaction": 5, "via": "phone"}),
        (TicketStatus.NEW, "confirm", {"accepted": True}),
        (TicketStatus.NEW, "resolve_remotely", {"resolution": "Reset"}),
        (TicketStatus.CLOSED, "escalate", {"reason": "Late"}),
    ],
)
def test_illegal_transition_is_409_and_changes_nothing(
    supervisor_client, ticket_in, status, action, body
):
    ticket = ticket_in(status)
    before = _state(ticket)

    response = _post(supervisor_client, _url(ticket, action), body)

    assert response.status_code == 409
    assert response.data["code"] == "invalid_transition"
    assert "detail" in response.data
    assert _state(ticket) == before


def test_dispatch_of_a_new_ticket_is_409(supervisor_client, ticket_in, technician):
    ticket = ticket_in(TicketStatus.NEW)
    before = _state(ticket)

    response = _post(supervisor_client, _url(ticket, "dispatch"), _dispatch_body(technician))

    assert response.status_code == 409
    assert response.data["code"] == "invalid_transition"
    assert _state(ticket) == before


@pytest.mark.parametrize("if_match", ["7", '"7"', 'W/"7"', "0"])
def test_stale_if_match_is_409_stale_version(agent_client, ticket_in, if_match):
    ticket = ticket_in(TicketStatus.NEW)
    before = _state(ticket)

    response = _post(
        agent_client,
        _url(ticket, "escalate"),
        {"reason": "Customer called twice"},
        HTTP_IF_MATCH=if_match,
    )

    assert response.status_code == 409
    assert response.data["code"] == "stale_version"
    assert response.data["current_version"] == 1
    assert _state(ticket) == before


@pytest.mark.parametrize("if_match", ["1", '"1"', "*"])
def test_current_if_match_is_accepted_bare_or_quoted(agent_client, ticket_in, if_match):
    ticket = ticket_in(TicketStatus.NEW)

    response = _post(
        agent_client, _url(ticket, "escalate"), {"reason": "x"}, HTTP_IF_MATCH=if_match
    )

    assert response.status_code == 200, response.data
    assert response["ETag"] == '"2"'


@pytest.mark.parametrize("if_match", ["abc", '"7', '7"', "7.0", "-1", "", "12345678901"])
def test_garbage_if_match_is_400_and_changes_nothing(agent_client, ticket_in, if_match):
    ticket = ticket_in(TicketStatus.NEW)
    before = _state(ticket)

    response = _post(
        agent_client, _url(ticket, "escalate"), {"reason": "x"}, HTTP_IF_MATCH=if_match
    )

    assert response.status_code == 400
    assert "If-Match" in response.data
    assert _state(ticket) == before


def test_etag_header_on_detail_and_actions(agent_client, ticket_in):
    ticket = ticket_in(TicketStatus.NEW)

    detail = agent_client.get(_url(ticket))
    triaged = _post(
        agent_client,
        _url(ticket, "triage"),
        {"priority": "p2", "warranty_decision": "out_of_warranty"},
        HTTP_IF_MATCH=detail["ETag"],
    )

    assert detail["ETag"] == '"1"'
    assert triaged.status_code == 200
    assert triaged["ETag"] == '"2"'
    assert agent_client.get(_url(ticket))["ETag"] == '"2"'


def test_patch_updates_details_with_if_match(agent_client, ticket_in):
    ticket = ticket_in(TicketStatus.NEW)

    stale = agent_client.patch(
        _url(ticket), {"description": "Leaks at spin"}, format="json", HTTP_IF_MATCH='"5"'
    )
    ok = agent_client.patch(
        _url(ticket), {"description": "Leaks at spin"}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert (stale.status_code, stale.data["code"]) == (409, "stale_version")
    assert ok.status_code == 200
    assert (ok.data["description"], ok.data["version"], ok["ETag"]) == ("Leaks at spin", 2, '"2"')


def test_patch_cannot_write_status_or_owner(agent_client, ticket_in, other_agent):
    ticket = ticket_in(TicketStatus.NEW)

    response = agent_client.patch(
        _url(ticket), {"status": "closed", "owner": other_agent.pk}, format="json"
    )

    stored = Ticket.objects.get(pk=ticket.pk)
    # Issue 12: read-only keys in a write are refused (400) rather than silently ignored.
    assert response.status_code == 400
    assert set(response.data) == {"status", "owner"}
    assert (stored.status, stored.owner_id, stored.version) == ("new", ticket.owner_id, 1)


# --- Authentication and roles ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", TICKETS),
        ("post", TICKETS),
        ("get", "/api/v1/customers/"),
        ("get", "/api/v1/areas/"),
        ("get", "/api/v1/technicians/"),
    ],
)
def test_anonymous_requests_are_401(anon_client, method, path):
    response = getattr(anon_client, method)(path)

    assert response.status_code == 401


def test_anonymous_action_is_401_and_changes_nothing(anon_client, ticket_in):
    ticket = ticket_in(TicketStatus.NEW)
    before = _state(ticket)

    response = _post(anon_client, _url(ticket, "escalate"), {"reason": "x"})

    assert response.status_code == 401
    assert _state(ticket) == before


def test_invalid_token_is_401(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert anon_client.get(TICKETS).status_code == 401


def test_technician_acting_on_someone_elses_ticket_gets_404(
    ticket_in, other_technician, api_client_for
):
    ticket = ticket_in(TicketStatus.DISPATCHED)
    client = api_client_for(other_technician.user)
    before = _state(ticket)

    assert client.get(_url(ticket)).status_code == 404
    assert _post(client, _url(ticket, "check_in"), {}).status_code == 404
    assert client.get(_url(ticket, "events")).status_code == 404
    assert _state(ticket) == before


def test_technician_sees_only_assigned_tickets_in_the_list(
    technician_client, ticket_in, other_technician, supervisor
):
    mine = ticket_in(TicketStatus.DISPATCHED)
    ticket_in(TicketStatus.NEW)
    theirs = ticket_in(TicketStatus.TRIAGED)
    start, end = appointment(days=2)
    services.ticket_dispatch(
        ticket=theirs,
        actor=supervisor,
        technician=other_technician,
        appointment_start=start,
        appointment_end=end,
    )

    response = technician_client.get(TICKETS)

    assert response.status_code == 200
    assert [t["id"] for t in response.data["results"]] == [mine.pk]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (TICKETS, None),
        ("/api/v1/customers/", {"name": "A", "phone": "13900000009"}),
        ("/api/v1/areas/", {"code": "minhang", "name": "Minhang"}),
    ],
)
def test_auditor_post_is_403(auditor_client, path, body):
    if body is None:
        body = _ticket_body(CustomerFactory())

    response = _post(auditor_client, path, body)

    assert response.status_code == 403
    assert Ticket.objects.count() == 0
    assert not Area.objects.filter(code="minhang").exists()


def test_auditor_action_is_403_and_changes_nothing(auditor_client, ticket_in):
    ticket = ticket_in(TicketStatus.NEW)
    before = _state(ticket)

    response = _post(auditor_client, _url(ticket, "escalate"), {"reason": "x"})

    assert response.status_code == 403
    assert _state(ticket) == before


def test_auditor_reads_every_ticket(auditor_client, ticket_in):
    tickets = {ticket_in(TicketStatus.NEW).pk, ticket_in(TicketStatus.DISPATCHED).pk}

    response = auditor_client.get(TICKETS)

    assert {t["id"] for t in response.data["results"]} == tickets


@pytest.mark.parametrize(
    ("status", "action"),
    [(TicketStatus.NEW, "triage"), (TicketStatus.TRIAGED, "dispatch")],
)
def test_integrator_cannot_triage_or_dispatch(
    integrator_client, integrator, technician, status, action, supervisor
):
    customer = services.customer_create(actor=integrator, name="Shop buyer", phone="13811112222")
    ticket = make_ticket(actor=integrator, customer=customer, channel="api")
    if status == TicketStatus.TRIAGED:
        ticket = services.ticket_triage(
            ticket=ticket, actor=supervisor, priority="p3", warranty_decision="out_of_warranty"
        )
    before = _state(ticket)
    body = (
        _dispatch_body(technician)
        if action == "dispatch"
        else {"priority": "p1", "warranty_decision": "goodwill"}
    )

    response = _post(integrator_client, _url(ticket, action), body)

    assert response.status_code == 403
    assert _state(ticket) == before


def test_integrator_creates_and_reads_only_its_own_tickets(integrator_client, ticket_in):
    others = ticket_in(TicketStatus.NEW)
    customer = _post(
        integrator_client, "/api/v1/customers/", {"name": "Shop buyer", "phone": "13811112222"}
    )
    assert customer.status_code == 201, customer.data

    created = _post(
        integrator_client,
        TICKETS,
        _ticket_body(Customer.objects.get(pk=customer.data["id"]), channel="api"),
    )

    assert created.status_code == 201, created.data
    listed = integrator_client.get(TICKETS).data["results"]
    assert [t["id"] for t in listed] == [created.data["id"]]
    assert integrator_client.get(f"{TICKETS}{created.data['id']}/").status_code == 200
    assert integrator_client.get(_url(others)).status_code == 404


def test_integrator_cannot_file_for_a_customer_it_did_not_register(integrator_client):
    response = _post(integrator_client, TICKETS, _ticket_body(CustomerFactory()))

    assert response.status_code == 400
    assert "customer" in response.data
    assert Ticket.objects.count() == 0


def test_agent_dispatch_is_403(agent_client, ticket_in, technician):
    ticket = ticket_in(TicketStatus.TRIAGED)
    before = _state(ticket)

    response = _post(agent_client, _url(ticket, "dispatch"), _dispatch_body(technician))

    assert response.status_code == 403
    assert _state(ticket) == before


# --- Phone masking -------------------------------------------------------------------------


def test_ticket_phone_is_full_for_agent_and_masked_for_auditor(
    agent_client, auditor_client, ticket_in
):
    ticket = ticket_in(TicketStatus.NEW, customer=CustomerFactory(phone="13812345678"))

    full = agent_client.get(_url(ticket)).data["customer_summary"]["phone"]
    masked = auditor_client.get(_url(ticket)).data["customer_summary"]["phone"]

    assert (full, masked) == ("13812345678", "138****5678")


def test_ticket_phone_is_masked_for_integrator(integrator_client, integrator):
    customer = services.customer_create(actor=integrator, name="Buyer", phone="13812345678")
    ticket = make_ticket(actor=integrator, customer=customer, channel="api")

    response = integrator_client.get(_url(ticket))

    assert response.data["customer_summary"]["phone"] == "138****5678"


def test_ticket_phone_is_full_for_the_assigned_technician(technician_client, ticket_in):
    ticket = ticket_in(TicketStatus.DISPATCHED, customer=CustomerFactory(phone="13812345678"))

    response = technician_client.get(_url(ticket))

    assert response.data["customer_summary"]["phone"] == "13812345678"


def test_customer_list_masks_phone_for_auditor_not_for_agent(agent_client, auditor_client):
    CustomerFactory(phone="13812345678")

    agent_phone = agent_client.get("/api/v1/customers/").data["results"][0]["phone"]
    auditor_phone = auditor_client.get("/api/v1/customers/").data["results"][0]["phone"]

    assert (agent_phone, auditor_phone) == ("13812345678", "138****5678")


# --- Customers -----------------------------------------------------------------------------


def test_customer_create_normalises_the_phone(agent_client):
    response = _post(
        agent_client, "/api/v1/customers/", {"name": "Han Meimei", "phone": "+86 139-0000-0001"}
    )

    assert response.status_code == 201, response.data
    assert response.data["phone"] == "13900000001"
    assert response.data["tier"] == "standard"


def test_customer_duplicate_phone_after_normalisation_is_400(agent_client):
    CustomerFactory(phone="13900000001")

    response = _post(
        agent_client, "/api/v1/customers/", {"name": "Other", "phone": "+86 139-0000-0001"}
    )

    assert response.status_code == 400
    assert "phone" in response.data
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "phone": "12"}, "phone"),
        ({"name": "A"}, "phone"),
        ({"phone": "13900000001"}, "name"),
        ({"name": "A", "phone": "13900000001", "tier": "gold"}, "tier"),
        ({"name": "A", "phone": "13900000001", "area": "atlantis"}, "area"),
        ({"name": "A", "phone": "13900000001", "email": "not-mail"}, "email"),
    ],
)
def test_customer_create_with_bad_input_is_400(agent_client, body, field):
    response = _post(agent_client, "/api/v1/customers/", body)

    assert response.status_code == 400
    assert field in response.data
    assert Customer.objects.count() == 0


def test_customer_search_by_phone_in_any_format(agent_client):
    wanted = CustomerFactory(phone="13900000001")
    CustomerFactory(phone="13900000002")

    response = agent_client.get("/api/v1/customers/", {"phone": "+86 139 0000 0001"})

    assert [c["id"] for c in response.data["results"]] == [wanted.pk]


def test_customer_erase_by_supervisor_anonymises_and_keeps_tickets(
    supervisor_client, ticket_in, supervisor
):
    customer = CustomerFactory(name="Zhang San", phone="13900000001", email="z@example.com")
    ticket = ticket_in(TicketStatus.NEW, customer=customer)

    response = _post(
        supervisor_client, f"/api/v1/customers/{customer.pk}/erase/", {"reason": "Asked to"}
    )

    assert response.status_code == 200, response.data
    assert response.data["erased"] is True
    customer.refresh_from_db()
    assert "Zhang" not in customer.name
    assert customer.phone != "13900000001"
    assert (customer.email, customer.address) == ("", "")
    assert customer.erased_at is not None
    assert Ticket.objects.get(pk=ticket.pk).customer_id == customer.pk
    audit = AuditEvent.objects.get(action="customer.erased", object_id=str(customer.pk))
    assert audit.actor == supervisor
    assert audit.changes["reason"] == "Asked to"
    # The number is free to register again.
    services.customer_create(actor=supervisor, name="New owner", phone="13900000001")


def test_customer_erase_by_agent_is_403_and_changes_nothing(agent_client):
    customer = CustomerFactory(name="Zhang San")

    response = _post(agent_client, f"/api/v1/customers/{customer.pk}/erase/", {"reason": "x"})

    assert response.status_code == 403
    customer.refresh_from_db()
    assert (customer.name, customer.erased_at) == ("Zhang San", None)
    assert not AuditEvent.objects.filter(action="customer.erased").exists()


def test_customer_erase_needs_a_reason_and_is_not_repeated(supervisor_client):
    customer = CustomerFactory()
    url = f"/api/v1/customers/{customer.pk}/erase/"

    missing = _post(supervisor_client, url, {})
    first = _post(supervisor_client, url, {"reason": "Asked"})
    again = _post(supervisor_client, url, {"reason": "Asked"})

    assert (missing.status_code, first.status_code, again.status_code) == (400, 200, 400)
    assert "reason" in missing.data
    assert AuditEvent.objects.filter(action="customer.erased").count() == 1


def test_customer_erase_of_unknown_customer_is_404(supervisor_client):
    response = _post(supervisor_client, "/api/v1/customers/999999/erase/", {"reason": "x"})

    assert response.status_code == 404


# --- Products ------------------------------------------------------------------------------


def test_product_register_by_model_code_reports_the_warranty(agent_client):
    customer = CustomerFactory()
    ProductModelFactory(code="WM-100", warranty_months=12)

    response = _post(
        agent_client,
        "/api/v1/products/",
        {
            "customer": customer.pk,
            "model": "WM-100",
            "serial_number": "SN-1",
            "purchase_date": "2026-01-31",
        },
    )

    assert response.status_code == 201, response.data
    assert response.data["model"] == "WM-100"
    assert response.data["warranty_until"] == "2027-01-31"
    assert response.data["in_warranty"] is (timezone.localdate() <= datetime.date(2027, 1, 31))


def test_product_register_by_model_id_and_expired_warranty(agent_client):
    customer = CustomerFactory()
    model = ProductModelFactory(warranty_months=1)
    purchased = timezone.localdate() - datetime.timedelta(days=120)

    response = _post(
        agent_client,
        "/api/v1/products/",
        {
            "customer": customer.pk,
            "model": str(model.pk),
            "serial_number": "SN-2",
            "purchase_date": purchased.isoformat(),
        },
    )

    assert response.status_code == 201, response.data
    assert response.data["model"] == model.code
    assert response.data["in_warranty"] is False


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"model": "NO-SUCH"}, "model"),
        # A digit int() refuses ("²".isdigit() is True): schemathesis found it as a 500.
        ({"model": "²"}, "model"),
        ({"customer": 999999}, "customer"),
        ({"purchase_date": "31/01/2026"}, "purchase_date"),
        ({"serial_number": ""}, "serial_number"),
    ],
)
def test_product_register_with_bad_input_is_400(agent_client, override, field):
    customer = CustomerFactory()
    model = ProductModelFactory()
    body = {
        "customer": customer.pk,
        "model": model.code,
        "serial_number": "SN-3",
        "purchase_date": "2025-05-01",
        **override,
    }

    response = _post(agent_client, "/api/v1/products/", body)

    assert response.status_code == 400
    assert field in response.data
    assert Product.objects.count() == 0


def test_product_register_refuses_future_purchase_and_duplicate_serial(agent_client):
    existing = ProductFactory(serial_number="SN-DUP")
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    base = {"customer": existing.customer_id, "model": existing.model.code}

    duplicate = _post(
        agent_client,
        "/api/v1/products/",
        {**base, "serial_number": "SN-DUP", "purchase_date": "2025-01-01"},
    )
    in_future = _post(
        agent_client,
        "/api/v1/products/",
        {**base, "serial_number": "SN-NEW", "purchase_date": future},
    )

    assert (duplicate.status_code, in_future.status_code) == (400, 400)
    assert "serial_number" in duplicate.data
    assert "purchase_date" in in_future.data
    assert Product.objects.count() == 1


# --- Reference data ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "model"),
    [
        ("/api/v1/areas/", {"code": "minhang", "name": "Minhang"}, Area),
        ("/api/v1/product-categories/", {"code": "washer", "name": "Washers"}, ProductCategory),
    ],
)
def test_reference_data_supervisor_may_add_agent_may_not(
    supervisor_client, agent_client, path, body, model
):
    refused = _post(agent_client, path, body)
    created = _post(supervisor_client, path, body)
    listed = agent_client.get(path)

    assert refused.status_code == 403
    assert created.status_code == 201, created.data
    assert (created.data["code"], created.data["name"]) == (body["code"], body["name"])
    assert listed.status_code == 200
    assert [r["code"] for r in listed.data["results"]] == [body["code"]]
    assert model.objects.count() == 1


def test_product_model_create_takes_a_category_code(supervisor_client, agent_client):
    ProductCategoryFactory(code="washer", name="Washers")
    body = {"code": "WM-1", "name": "Front loader", "category": "washer", "warranty_months": 36}

    refused = _post(agent_client, "/api/v1/product-models/", body)
    created = _post(supervisor_client, "/api/v1/product-models/", body)
    unknown = _post(
        supervisor_client, "/api/v1/product-models/", {**body, "code": "WM-2", "category": "tv"}
    )

    assert refused.status_code == 403
    assert created.status_code == 201, created.data
    assert created.data["category"] == "washer"
    assert unknown.status_code == 400
    assert "category" in unknown.data
    assert list(ProductModel.objects.values_list("code", flat=True)) == ["WM-1"]


def test_reference_data_duplicate_code_is_400(supervisor_client):
    AreaFactory(code="pudong")

    response = _post(supervisor_client, "/api/v1/areas/", {"code": "pudong", "name": "Again"})

    assert response.status_code == 400
    assert "code" in response.data
    assert Area.objects.count() == 1


def test_technician_list_is_readable_by_desk_and_limited_for_technicians(
    agent_client, technician_client, technician, other_technician
):
    desk = agent_client.get("/api/v1/technicians/")
    own = technician_client.get("/api/v1/technicians/")

    assert {t["id"] for t in desk.data["results"]} == {technician.pk, other_technician.pk}
    assert [t["id"] for t in own.data["results"]] == [technician.pk]


# --- Token endpoint ------------------------------------------------------------------------


def test_token_endpoint_returns_the_users_token(anon_client, make_user):
    user = make_user(Role.INTEGRATOR, username="shop")

    response = anon_client.post(
        "/api/v1/auth/token/", {"username": "shop", "password": "pw-shop"}, format="json"
    )

    assert response.status_code == 200
    assert response.data["token"] == Token.objects.get(user=user).key
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    assert anon_client.get(TICKETS).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"username": "shop", "password": "wrong"}, {"username": "nobody", "password": "x"}, {}],
)
def test_token_endpoint_refuses_bad_credentials(anon_client, make_user, body):
    make_user(Role.INTEGRATOR, username="shop")

    response = anon_client.post("/api/v1/auth/token/", body, format="json")

    assert response.status_code == 400
    assert "token" not in response.data
    assert not Token.objects.exists()


# --- Lifecycle paths -----------------------------------------------------------------------


def test_remote_resolution_path(agent_client, ticket_in):
    ticket = ticket_in(TicketStatus.TRIAGED)

    resolved = _post(agent_client, _url(ticket, "resolve_remotely"), {"resolution": "Reset it"})
    confirmed = _post(agent_client, _url(ticket, "confirm"), {"accepted": True, "satisfaction": 5})

    assert resolved.status_code == 200, resolved.data
    assert resolved.data["status"] == "awaiting_confirmation"
    assert resolved.data["resolution"] == "Reset it"
    assert confirmed.status_code == 200, confirmed.data
    assert confirmed.data["status"] == "closed"
    assert confirmed.data["technician"] is None
    assert confirmed.data["sla"]["state"] == "met"  # the remote fix stops the dispatch clock
    events = agent_client.get(_url(ticket, "events")).data
    assert [e["to_status"] for e in events][-2:] == ["awaiting_confirmation", "closed"]


def test_rejected_confirmation_loops_back_to_dispatch(
    supervisor_client, technician_client, ticket_in, technician, other_technician
):
    ticket = ticket_in(TicketStatus.AWAITING_CONFIRMATION)

    rejected = _post(
        technician_client, _url(ticket, "confirm"), {"accepted": False, "comment": "Still leaks"}
    )
    redispatched = _post(
        supervisor_client, _url(ticket, "dispatch"), _dispatch_body(other_technician, days=2)
    )

    assert rejected.status_code == 200, rejected.data
    assert (rejected.data["status"], rejected.data["technician"]) == ("triaged", None)
    assert rejected.data["appointment_start"] is None
    assert redispatched.status_code == 200, redispatched.data
    assert redispatched.data["status"] == "dispatched"
    assert redispatched.data["technician"] == other_technician.pk
    # The first technician no longer sees the job.
    assert technician_client.get(_url(ticket)).status_code == 404


@pytest.mark.parametrize(
    "status", [TicketStatus.NEW, TicketStatus.TRIAGED, TicketStatus.DISPATCHED]
)
def test_cancel_from_open_statuses_before_the_visit(agent_client, ticket_in, status):
    ticket = ticket_in(status)

    response = _post(agent_client, _url(ticket, "cancel"), {"reason": "Customer withdrew"})

    assert response.status_code == 200, response.data
    assert response.data["status"] == "cancelled"
    assert response.data["cancel_reason"] == "Customer withdrew"


def test_cancel_from_on_site_is_409(agent_client, ticket_in):
    ticket = ticket_in(TicketStatus.ON_SITE)
    before = _state(ticket)

    response = _post(agent_client, _url(ticket, "cancel"), {"reason": "Too late"})

    assert response.status_code == 409
    assert response.data["code"] == "invalid_transition"
    assert _state(ticket) == before


def test_cancel_without_reason_is_400(agent_client, ticket_in):
    ticket = ticket_in(TicketStatus.NEW)
    before = _state(ticket)

    response = _post(agent_client, _url(ticket, "cancel"), {})

    assert response.status_code == 400
    assert "reason" in response.data
    assert _state(ticket) == before


def test_dispatch_refuses_inactive_technician(supervisor_client, ticket_in, technician):
    technician.active = False
    technician.save(update_fields=["active"])
    ticket = ticket_in(TicketStatus.TRIAGED)
    before = _state(ticket)

    response = _post(supervisor_client, _url(ticket, "dispatch"), _dispatch_body(technician))

    assert response.status_code == 409
    assert response.data["code"] == "not_qualified"
    assert response.data["reasons"] == ["inactive"]
    assert _state(ticket) == before


def test_dispatch_refuses_technician_not_covering_the_area(supervisor_client, ticket_in):
    elsewhere = TechnicianFactory(areas=[AreaFactory(code="jingan", name="Jing'an")])
    ticket = ticket_in(TicketStatus.TRIAGED)
    before = _state(ticket)

    response = _post(supervisor_client, _url(ticket, "dispatch"), _dispatch_body(elsewhere))

    assert response.status_code == 409
    assert response.data["code"] == "not_qualified"
    assert response.data["reasons"] == ["area_not_covered"]
    assert _state(ticket) == before


def test_dispatch_refuses_a_full_day(supervisor_client, ticket_in, technician):
    technician.max_jobs_per_day = 1
    technician.save(update_fields=["max_jobs_per_day"])
    ticket_in(TicketStatus.DISPATCHED)  # books tomorrow's only slot
    ticket = ticket_in(TicketStatus.TRIAGED)
    before = _state(ticket)

    full = _post(supervisor_client, _url(ticket, "dispatch"), _dispatch_body(technician, days=1))
    assert _state(ticket) == before
    other_day = _post(
        supervisor_client, _url(ticket, "dispatch"), _dispatch_body(technician, days=2)
    )

    assert full.status_code == 409
    assert (full.data["code"], full.data["reasons"]) == ("not_qualified", ["day_full"])
    assert other_day.status_code == 200, other_day.data


def test_events_are_oldest_first_with_actor_usernames(agent_client, ticket_in):
    ticket = ticket_in(TicketStatus.DISPATCHED)

    events = agent_client.get(_url(ticket, "events")).data

    assert [e["to_status"] for e in events] == ["new", "triaged", "dispatched"]
    assert [e["actor"] for e in events] == ["agent", "agent", "supervisor"]
    assert events == sorted(events, key=lambda e: (e["created_at"], e["id"]))


def test_ticket_list_is_cursor_paginated(agent_client, ticket_in):
    for _ in range(3):
        ticket_in(TicketStatus.NEW)

    first = agent_client.get(TICKETS, {"page_size": 2})
    second = agent_client.get(first.data["next"])

    assert set(first.data) == {"next", "previous", "results"}
    assert len(first.data["results"]) == 2
    assert len(second.data["results"]) == 1
    assert "cursor=" in first.data["next"]
    assert second.data["next"] is None


def test_api_action_audit_event_records_source_and_request_id(agent_client, ticket_in, agent):
    ticket = ticket_in(TicketStatus.NEW)

    response = _post(
        agent_client, _url(ticket, "escalate"), {"reason": "x"}, HTTP_X_REQUEST_ID="req-123"
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-123"
    audit = AuditEvent.objects.get(ticket=ticket, action="ticket.escalate")
    assert (audit.actor, audit.source, audit.request_id) == (agent, "api", "req-123")
    assert audit.changes == {"escalation_level": [0, 1]}
