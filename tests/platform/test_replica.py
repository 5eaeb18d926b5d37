"""The read replica for real (issue 19): a streaming standby of this machine's PostgreSQL
(``bench/standby.py``: ``pg_basebackup -R``, another port, hot standby), the router sending
reports and exports there while writes go to the primary, and what happens when it lags
or dies. Transactional tests: the standby only sees what the primary committed.

Replay is paused to prove where a read went: a row committed on the primary after the
pause is visible to a report only if that report was read from the primary.
"""

import csv
import datetime
import io
import logging
import os
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.utils import timezone

from aftersales import replica
from bench.standby import ReplicationRefused, Standby
from tests.tickets.factories import make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, "replica"])


@pytest.fixture(scope="session")
def standby(django_db_setup):
    """One standby for the session (a base backup copies the whole cluster)."""
    server = Standby()
    try:
        server.start()
    except ReplicationRefused as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    yield server
    server.cleanup()


@pytest.fixture(scope="module", autouse=True)
def _replica_configured(standby):
    """The ``replica`` alias pointed at the standby, as DATABASE_REPLICA_URL would, for
    this module's tests (declared before their database setup, which must know it: they
    may query it; a mirror, so their flush leaves it alone)."""
    connections.settings[replica.REPLICA] = {
        **standby.settings_for(connections[DEFAULT_DB_ALIAS].settings_dict),
        "TEST": {"MIRROR": DEFAULT_DB_ALIAS},
    }
    yield
    if hasattr(connections._connections, replica.REPLICA):
        connections[replica.REPLICA].close()
        del connections[replica.REPLICA]
    del connections.settings[replica.REPLICA]
    replica.replica_reset()


@pytest.fixture
def replica_alias(standby, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 30
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60  # the tests say when to measure again
    standby.resume_replay()
    replica.replica_reset()
    yield standby
    standby.resume_replay()
    replica.replica_reset()


def _opened(client):
    now = timezone.now()
    response = client.get(
        "/api/v1/reports/kpis/",
        {
            "from": (now - datetime.timedelta(days=1)).isoformat(),
            "to": (now + datetime.timedelta(days=1)).isoformat(),
            "group_by": "category",
        },
    )
    assert response.status_code == 200, response.content
    return response.data["totals"]["opened"]


def _exported(client):
    response = client.get("/api/v1/exports/tickets/?format=csv")
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content).decode().removeprefix("\ufeff")
    return len(list(csv.DictReader(io.StringIO(body))))


def test_reports_and_exports_read_the_replica_while_writes_go_to_the_primary(
    replica_alias, agent, supervisor_client, caplog, settings
):
    make_ticket(actor=agent)
    replica_alias.wait_caught_up()
    assert _opened(supervisor_client) == 1
    assert replica.replica_status()["replica_reads"] >= 1

    replica_alias.pause_replay()
    written = make_ticket(actor=agent)  # committed on the primary, not replayed there
    assert Ticket.objects.using(DEFAULT_DB_ALIAS).filter(pk=written.pk).exists()
    assert not Ticket.objects.using(replica.REPLICA).filter(pk=written.pk).exists()
    # The report and the export do not see it: they were read from the replica.
    assert _opened(supervisor_client) == 1
    assert _exported(supervisor_client) == 1
    # The ticket pages are not in a replica scope: they see the write at once.
    detail = supervisor_client.get(f"/api/v1/tickets/{written.pk}/")
    assert detail.status_code == 200

    # Lag detection: replay stays behind what was received, so the lag is the age of the
    # last replayed commit; past the limit the reports fall back to the primary.
    time.sleep(1.2)
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    with caplog.at_level(logging.WARNING, logger="aftersales.replica"):
        assert not replica.replica_usable(refresh=True)
    assert "lagging" in caplog.text and "fall back to the primary" in caplog.text
    assert _opened(supervisor_client) == 2
    assert _exported(supervisor_client) == 2
    assert replica.replica_status()["fallbacks"] >= 2

    ready = supervisor_client.get("/readyz").json()
    assert ready["status"] == "degraded"
    assert not ready["checks"]["replica"]["ok"]
    assert "lagging" in ready["checks"]["replica"]["detail"]

    # Replay resumed: caught up, usable again (an idle primary is no lag either).
    replica_alias.resume_replay()
    replica_alias.wait_caught_up()
    time.sleep(1.5)
    assert replica.replica_usable(refresh=True), replica.replica_status()
    assert supervisor_client.get("/readyz").json()["checks"]["replica"]["ok"]


def test_reads_inside_a_transaction_stay_on_the_primary(replica_alias, agent):
    make_ticket(actor=agent)
    replica_alias.wait_caught_up()
    with replica.reading_from_replica():
        assert replica.read_alias() == replica.REPLICA
        assert Ticket.objects.db == replica.REPLICA
        with transaction.atomic():
            assert replica.read_alias() == DEFAULT_DB_ALIAS
            assert Ticket.objects.db == DEFAULT_DB_ALIAS
    # Outside a scope, every read is the primary's; writes always are.
    assert Ticket.objects.db == DEFAULT_DB_ALIAS
    with replica.reading_from_replica():
        assert Ticket.objects.db_manager().db == replica.REPLICA
        ticket = Ticket.objects.get()
        assert ticket._state.db == replica.REPLICA
        assert router.db_for_write(Ticket, instance=ticket) == DEFAULT_DB_ALIAS


def test_replica_stopped_the_reports_answer_from_the_primary(
    replica_alias, agent, supervisor_client, caplog
):
    make_ticket(actor=agent)
    replica_alias.wait_caught_up()
    assert _opened(supervisor_client) == 1  # from the replica: its state is "usable"
    replica_alias.stop()  # as if it died, between two checks
    try:
        make_ticket(actor=agent)
        with caplog.at_level(logging.WARNING, logger="aftersales.replica"):
            # The failed query marks it down and the report runs again on the primary.
            assert _opened(supervisor_client) == 2
        assert "fall back to the primary" in caplog.text
        state = replica.replica_status()
        assert state["retries"] == 1 and not state["usable"]

        # Measured again: connection refused, quickly; the reports keep answering.
        started = time.monotonic()
        assert not replica.replica_usable(refresh=True)
        assert time.monotonic() - started < 3
        assert _opened(supervisor_client) == 2
        assert _exported(supervisor_client) == 2
        ready = supervisor_client.get("/readyz")
        assert ready.status_code == 200  # degraded, never unavailable
        assert ready.json()["status"] == "degraded"
        assert "down" in ready.json()["checks"]["replica"]["detail"]
    finally:
        replica_alias.resume_server()
    replica_alias.wait_caught_up()
    assert replica.replica_usable(refresh=True)
    assert _opened(supervisor_client) == 2
