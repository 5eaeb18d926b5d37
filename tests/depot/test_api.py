"""The depot's REST API per endpoint and role: receipts (take-in, stage, lend, return,
PDF), loan units; bad signatures are a clear 400; lists run a fixed number of queries."""

import pytest

from tests.tickets.factories import CustomerFactory, ProductFactory, make_ticket
from tickets.depot.choices import DepotStage
from tickets.depot.models import EquipmentReceipt, LoanUnit

from .conftest import SIGNATURE

pytestmark = pytest.mark.django_db
URL = "/api/v1/depot/receipts/"


def _take_in(client, ticket, **extra):
    return client.post(URL, {"ticket": ticket.pk, "signature": SIGNATURE, **extra}, format="json")


def test_agent_takes_in(agent_client, depot_ticket):
    response = _take_in(agent_client, depot_ticket, accessories=["remote", "power_cord"])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stage"] == "received" and body["signed_at_intake"] is True
    assert body["turnaround_state"] == "on_track"
    assert body["serial_number"] == "SN-PLATE-1"


def test_take_in_without_signature_is_400(agent_client, depot_ticket):
    response = agent_client.post(URL, {"ticket": depot_ticket.pk, "signature": ""}, format="json")
    assert response.status_code == 400
    assert "signature" in str(response.json())


def test_take_in_bad_signature_is_clear_400(agent_client, depot_ticket):
    response = _take_in(agent_client, depot_ticket, signature="data:image/png;base64,AAAA")
    assert response.status_code == 400
    assert "signature" in str(response.json()).lower()
    assert not EquipmentReceipt.objects.exists()


def test_take_in_unknown_field_is_400(agent_client, depot_ticket):
    response = _take_in(agent_client, depot_ticket, stage="ready")
    assert response.status_code == 400


def test_auditor_cannot_take_in(auditor_client, depot_ticket):
    assert _take_in(auditor_client, depot_ticket).status_code == 403


def test_take_in_twice_is_409(agent_client, depot_ticket):
    assert _take_in(agent_client, depot_ticket).status_code == 201
    response = _take_in(agent_client, depot_ticket)
    assert response.status_code == 409
    assert response.json()["code"] == "already_taken_in"


def test_unknown_ticket_is_404(agent_client):
    response = agent_client.post(URL, {"ticket": 999999, "signature": SIGNATURE}, format="json")
    assert response.status_code == 404


def test_stage_flow_and_return(agent_client, workshop_client, depot_ticket):
    receipt = _take_in(agent_client, depot_ticket).json()
    for stage in ("diagnosing", "waiting_parts", "repairing", "quality_check", "ready"):
        response = workshop_client.post(
            f"{URL}{receipt['id']}/stage/", {"stage": stage}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["stage"] == stage
    bad = agent_client.post(f"{URL}{receipt['id']}/return/", {"signature": "x"}, format="json")
    assert bad.status_code == 400
    done = agent_client.post(
        f"{URL}{receipt['id']}/return/", {"signature": SIGNATURE}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "closed" and done.json()["signed_at_return"] is True
    again = workshop_client.post(
        f"{URL}{receipt['id']}/stage/", {"stage": "repairing"}, format="json"
    )
    assert again.status_code == 409


def test_forbidden_stage_is_409(agent_client, workshop_client, depot_ticket):
    receipt = _take_in(agent_client, depot_ticket).json()
    response = workshop_client.post(
        f"{URL}{receipt['id']}/stage/", {"stage": "ready"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_stage_returned_is_400(agent_client, workshop_client, depot_ticket):
    receipt = _take_in(agent_client, depot_ticket).json()
    response = workshop_client.post(
        f"{URL}{receipt['id']}/stage/", {"stage": "returned"}, format="json"
    )
    assert response.status_code == 400


def test_agent_cannot_move_stage(agent_client, depot_ticket):
    receipt = _take_in(agent_client, depot_ticket).json()
    response = agent_client.post(
        f"{URL}{receipt['id']}/stage/", {"stage": "diagnosing"}, format="json"
    )
    assert response.status_code == 403


def test_stage_if_match_stale_is_409(agent_client, workshop_client, depot_ticket):
    receipt = _take_in(agent_client, depot_ticket).json()
    response = workshop_client.post(
        f"{URL}{receipt['id']}/stage/", {"stage": "diagnosing"}, format="json", HTTP_IF_MATCH='"99"'
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"


def test_loan_units_and_lend(agent_client, workshop_client, depot_ticket):
    model = depot_ticket.product.model.code
    created = workshop_client.post(
        "/api/v1/depot/loan-units/",
        {"number": "LU-9", "product_model": model, "serial_number": "L9"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    taken = workshop_client.post(
        "/api/v1/depot/loan-units/",
        {"number": "LU-9", "product_model": model, "serial_number": "L10"},
        format="json",
    )
    assert taken.status_code == 400 and "number" in str(taken.json())
    receipt = _take_in(agent_client, depot_ticket).json()
    lent = agent_client.post(f"{URL}{receipt['id']}/lend/", {"loan_unit": "LU-9"}, format="json")
    assert lent.status_code == 200 and lent.json()["loan_unit"] == "LU-9"
    other = make_ticket(actor=agent_client.user, product=depot_ticket.product)
    second = _take_in(agent_client, other).json()
    twice = agent_client.post(f"{URL}{second['id']}/lend/", {"loan_unit": "LU-9"}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "loan_unit_unavailable"
    unit = LoanUnit.objects.get(number="LU-9")
    out = workshop_client.post(
        f"/api/v1/depot/loan-units/{unit.pk}/status/", {"status": "out_of_service"}, format="json"
    )
    assert out.status_code == 409


def test_agent_cannot_create_loan_unit(agent_client, depot_ticket):
    response = agent_client.post(
        "/api/v1/depot/loan-units/",
        {"number": "LU-X", "product_model": depot_ticket.product.model.code, "serial_number": "x"},
        format="json",
    )
    assert response.status_code == 403


def test_technician_sees_only_own_receipts(agent_client, technician_client, depot_ticket):
    _take_in(agent_client, depot_ticket)
    assert technician_client.get(URL).json()["count"] == 0
    assert agent_client.get(URL).json()["count"] == 1


def test_integrator_cannot_read(integrator_client):
    assert integrator_client.get(URL).status_code == 403


def test_receipt_pdf(agent_client, depot_ticket):
    receipt = _take_in(agent_client, depot_ticket).json()
    response = agent_client.get(f"{URL}{receipt['id']}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_receipt_list_queries_constant(
    agent, agent_client, workshop_client, django_assert_max_num_queries
):
    for _ in range(5):
        ticket = make_ticket(actor=agent, product=ProductFactory(customer=CustomerFactory()))
        _take_in(agent_client, ticket)
    with django_assert_max_num_queries(8):
        response = workshop_client.get(URL)
    assert response.json()["count"] == 5


def test_filter_by_stage(agent_client, workshop_client, depot_ticket):
    receipt = _take_in(agent_client, depot_ticket).json()
    workshop_client.post(f"{URL}{receipt['id']}/stage/", {"stage": "diagnosing"}, format="json")
    assert workshop_client.get(URL, {"stage": DepotStage.DIAGNOSING}).json()["count"] == 1
    assert workshop_client.get(URL, {"stage": DepotStage.READY}).json()["count"] == 0
