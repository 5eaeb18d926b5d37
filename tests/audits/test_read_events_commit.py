"""A request's personal-data reads (audits.services.trail): one INSERT, committed on its
own without waiting for the WAL flush (``AUDIT_READ_EVENTS_ASYNC_COMMIT``), the same rows
and row MACs as before — and a failed write leaves the connection usable, not stuck in an
aborted transaction."""

import pytest
from django.db import connection

from audits.anchor import CONTENT_FIELDS, event_mac_matches
from audits.models import AuditEvent
from audits.services import trail
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def _reads():
    return AuditEvent.objects.filter(action="customer.pii_read").order_by("id")


def _list(client):
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("asynchronous", [True, False])
def test_a_list_records_each_customer_read_once_with_its_mac(
    agent, agent_client, settings, asynchronous
):
    settings.AUDIT_READ_EVENTS_ASYNC_COMMIT = asynchronous
    tickets = [make_ticket(actor=agent) for _ in range(3)]
    _list(agent_client)
    events = list(_reads().values(*CONTENT_FIELDS, "row_mac", "seal_flag"))
    assert sorted(e["object_id"] for e in events) == sorted(str(t.customer_id) for t in tickets)
    for event in events:
        assert event["actor_id"] == agent.pk
        assert event["source"] == "api" and event["request_id"]
        assert event["changes"]["fields"] == ["phone"]
        assert event_mac_matches(event)
    assert not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # SET LOCAL: only that transaction


def test_a_failed_read_write_is_rolled_back_and_the_connection_goes_on(
    agent, agent_client, monkeypatch
):
    make_ticket(actor=agent)
    broken = "INSERT INTO no_such_table SELECT " + ", ".join(["%s"] * 11)
    monkeypatch.setattr(trail, "_EVENTS_INSERT", broken)
    with pytest.raises(Exception, match="no_such_table"):
        agent_client.get("/api/v1/tickets/")
    monkeypatch.undo()
    _list(agent_client)
    assert _reads().count() == 1
