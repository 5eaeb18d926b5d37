"""The audit-event API: read by auditors and supervisors, filterable, never writable."""

import pytest

from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_audit_events_list_ticket_creation_with_actor_source_and_request_id(
    agent_client, auditor_client
):
    from tests.tickets.factories import CustomerFactory

    customer = CustomerFactory()
    created = agent_client.post(
        "/api/v1/tickets/",
        {
            "customer": customer.pk,
            "channel": "phone",
            "category": "repair",
            "description": "No heat",
        },
        format="json",
        HTTP_X_REQUEST_ID="req-123",
    )
    assert created.status_code == 201
    response = auditor_client.get(
        "/api/v1/audit-events/",
        {"object_type": "tickets.ticket", "object_id": created.data["id"]},
    )
    assert response.status_code == 200
    [event] = response.data["results"]
    assert event["action"] == "ticket.created"
    assert event["actor_username"] == "agent"
    assert event["source"] == "api"
    assert event["request_id"] == "req-123"
    assert event["ip_address"] == "127.0.0.1"
    assert event["changes"]["number"] == created.data["number"]


def test_audit_events_filter_by_action_and_actor(agent, supervisor, auditor_client):
    make_ticket(actor=agent)
    make_ticket(actor=supervisor)
    by_agent = auditor_client.get(
        "/api/v1/audit-events/", {"actor": agent.pk, "action": "ticket.created"}
    )
    assert [e["actor"] for e in by_agent.data["results"]] == [agent.pk]
    assert by_agent.data["next"] is None


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_audit_events_refuse_writes_with_405(method, agent, auditor_client):
    make_ticket(actor=agent)
    from audits.models import AuditEvent

    event = AuditEvent.objects.first()
    response = getattr(auditor_client, method)(
        f"/api/v1/audit-events/{event.pk}/", {}, format="json"
    )
    assert response.status_code == 405
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


def test_audit_events_are_invisible_to_agents_and_technicians(agent_client, technician_client):
    assert agent_client.get("/api/v1/audit-events/").status_code == 403
    assert technician_client.get("/api/v1/audit-events/").status_code == 403


def test_audit_event_model_refuses_update_and_delete(agent):
    from audits.models import AuditEvent

    make_ticket(actor=agent)
    event = AuditEvent.objects.first()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
