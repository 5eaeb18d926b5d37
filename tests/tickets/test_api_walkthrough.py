"""A scripted integrator/desk/technician walk-through of one ticket's whole life."""

import pytest

from tests.tickets.factories import ProductFactory, appointment

pytestmark = pytest.mark.django_db


def _post(client, url, data, **headers):
    return client.post(url, data, format="json", **headers)


def test_ticket_walks_from_intake_to_follow_up(
    agent_client, supervisor_client, technician_client, technician
):
    product = ProductFactory(customer__area=technician.areas.first())
    created = _post(
        agent_client,
        "/api/v1/tickets/",
        {
            "customer": product.customer_id,
            "product": product.pk,
            "channel": "phone",
            "category": "repair",
            "description": "Air conditioner does not cool",
        },
    )
    assert created.status_code == 201, created.data
    ticket = created.data
    assert ticket["status"] == "new"
    assert ticket["number"].startswith("AS-")
    assert ticket["owner"] == agent_client.user.pk
    assert created["ETag"] == '"1"'
    url = f"/api/v1/tickets/{ticket['id']}/"

    steps = [
        (agent_client, "triage", {"priority": "p2", "warranty_decision": "in_warranty"}, "triaged"),
        (
            supervisor_client,
            "dispatch",
            {
                "technician": technician.pk,
                "appointment_start": appointment()[0].isoformat(),
                "appointment_end": appointment()[1].isoformat(),
            },
            "dispatched",
        ),
        (technician_client, "check_in", {"latitude": 31.2, "longitude": 121.5}, "on_site"),
        (
            technician_client,
            "complete",
            {
                "fault_class": "hardware",
                "fault_code": "E4",
                "diagnosis": "Relay stuck",
                "work_done": "Replaced relay",
                "test_passed": True,
            },
            "awaiting_confirmation",
        ),
        (
            technician_client,
            "confirm",
            {
                "accepted": True,
                "satisfaction": 5,
                # A real 1×1 PNG: a bare PNG signature (8 bytes, no image) is refused now.
                "signature": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ"
                "AAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
            },
            "closed",
        ),
        (agent_client, "follow_up", {"satisfaction": 5, "via": "phone"}, "followed_up"),
    ]
    version = 1
    for client, action, body, expected in steps:
        response = _post(client, f"{url}{action}/", body, HTTP_IF_MATCH=f'"{version}"')
        assert response.status_code == 200, (action, response.data)
        assert response.data["status"] == expected
        assert response.data["version"] == version + 1
        version += 1

    events = agent_client.get(f"{url}events/").data
    # (The return visit's survey event moves no status: tickets.surveys.)
    assert [e["to_status"] for e in events if e["to_status"]] == [
        "new",
        "triaged",
        "dispatched",
        "on_site",
        "awaiting_confirmation",
        "closed",
        "followed_up",
    ]
    final = agent_client.get(url).data
    assert final["sla"]["state"] == "met"
    assert final["signed"] is True
