"""Queues in every order (issue 19 §2): the open-ticket lists, sorted either way by any key
the API's ``ordering`` or the queue's ``sort`` offers, are read from a partial index over
the open tickets (``ticket_open_<key>_id``), not by walking the whole table's closed rows.

The plans are taken of the queries the API and the queue page really send (captured from
a request), on a table where most rows are closed as in production, the planner denied an explicit
sort (so the order must come from an index); the figures are in
bench/README.md ("Hot paths and queue orders")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tickets.factories import make_ticket
from tickets.choices import OPEN_STATUSES

pytestmark = pytest.mark.django_db
OPEN = [str(s) for s in OPEN_STATUSES]


@pytest.fixture
def mostly_closed(agent):
    """A few open tickets among many closed ones (copies of a closed ticket's row)."""
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    make_ticket(actor=agent)
    make_ticket(actor=agent)
    closed = make_ticket(actor=agent)
    with connection.cursor() as cursor:
        columns = [
            f.column
            for f in type(closed)._meta.concrete_fields
            if f.column not in ("id", "number", "status")
        ]
        cols = ", ".join(columns)
        cursor.execute(
            f"INSERT INTO tickets_ticket (number, status, {cols})"  # nosec B608
            f" SELECT 'X' || g, 'closed', {cols} FROM tickets_ticket, generate_series(1, 3000) g"
            " WHERE id = %s",
            [closed.pk],
        )
        cursor.execute("ANALYZE tickets_ticket")


def _plan_of(request):
    """EXPLAIN of the ordered ticket query a request makes (the one with LIMIT)."""
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code == 200, response.content[:300]
    sql = next(
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and "ORDER BY" in q["sql"]
        and "LIMIT" in q["sql"]
        and 'FROM "tickets_ticket"' in q["sql"]
    )
    with connection.cursor() as cursor:
        # A test table's few open rows are cheapest sorted in memory; at a million tickets
        # with thousands open, reading them in index order is (bench/plans.py shows it).
        # Without the sort the planner must find an index giving the order on its own.
        cursor.execute("SET enable_sort = off")
        try:
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_sort = on")


@pytest.mark.parametrize(
    ("ordering", "index"),
    [
        ("created_at", "ticket_open_created_id"),
        ("updated_at", "ticket_open_updated_id"),
        ("response_due_at", "ticket_open_response_due_id"),
        ("-dispatch_due_at", "ticket_open_dispatch_due_id"),
    ],
)
def test_the_api_open_list_in_any_order_reads_the_open_index(
    mostly_closed, agent_client, ordering, index
):
    plan = _plan_of(
        lambda: agent_client.get("/api/v1/tickets/", {"status": OPEN, "ordering": ordering})
    )
    assert index in plan, plan


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("created", "ticket_open_created_id"),
        ("priority", "ticket_open_priority_id"),
        ("-status", "ticket_open_status_rank_id"),
        ("sla_due", "ticket_open_sla_due_id"),
    ],
)
def test_the_queue_page_open_list_in_any_order_reads_the_open_index(
    mostly_closed, client, agent, sort, index
):
    client.force_login(agent)
    plan = _plan_of(lambda: client.get("/tickets/", {"status": OPEN, "sort": sort}))
    assert index in plan, plan
