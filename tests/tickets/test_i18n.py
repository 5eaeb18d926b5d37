"""Refusals speak the client's language; the stable code never changes."""

import pytest

from .factories import make_ticket

pytestmark = pytest.mark.django_db


def test_invalid_transition_message_follows_accept_language(agent, agent_client):
    ticket = make_ticket(actor=agent)
    url = f"/api/v1/tickets/{ticket.pk}/follow_up/"
    body = {"satisfaction": 5, "via": "phone"}
    english = agent_client.post(url, body, format="json")
    chinese = agent_client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.status_code == chinese.status_code == 409
    assert english.data["code"] == chinese.data["code"] == "invalid_transition"
    assert "New" in english.data["detail"]
    assert "无法执行" in chinese.data["detail"]


def test_field_errors_from_services_are_translated(agent_client):
    from .factories import CustomerFactory

    CustomerFactory(phone="13900000001")
    response = agent_client.post(
        "/api/v1/customers/",
        {"name": "Dup", "phone": "+86 139-0000-0001"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert response.data["phone"] == ["已有使用该电话号码的客户。"]
