"""The data generator: the counts asked for, valid references, the rules the services keep."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Max, Sum

from bench.datagen import BULK_TABLES, Generator, Scale, deferred_indexes
from technicians.models import Technician
from tickets.models import Customer, Ticket, TicketEvent, TicketNumberSequence
from tickets.selectors import repeat_visit_probe

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY is PostgreSQL's"),
]

SCALE = {
    "tickets": 400,
    "technicians": 12,
    "areas": 4,
    "agents": 3,
    "product_models": 5,
    "days": 30,
    "seed": 42,
}


def _fingerprint():
    return list(
        Ticket.objects.order_by("id").values_list(
            "number", "status", "customer_id", "technician_id", "created_at", "closed_at"
        )
    )


def test_generator_fills_the_counts_asked_for_with_consistent_tickets():
    report = Generator(Scale(**SCALE), log=lambda *_: None).run()
    assert Ticket.objects.count() == 400 == report["tickets (+events)"][0]
    assert Customer.objects.count() == 80
    assert Technician.objects.count() == 12
    # One timeline event per write: a ticket's version counts its events.
    assert TicketEvent.objects.count() == Ticket.objects.aggregate(n=Sum("version"))["n"]
    # Numbering continues where the data ends.
    for sequence in TicketNumberSequence.objects.all():
        last = Ticket.objects.filter(number__startswith=f"AS-{sequence.year}-").aggregate(
            m=Max("number")
        )["m"]
        assert last.endswith(f"{sequence.last_value:06d}")
    # Stages happen in order, and only as far as the status says.
    assert not Ticket.objects.filter(responded_at__lt=F("created_at")).exists()
    assert not Ticket.objects.filter(dispatched_at__lt=F("responded_at")).exists()
    assert not Ticket.objects.filter(on_site_at__lt=F("appointment_start")).exists()
    assert not Ticket.objects.filter(status="closed", closed_at__isnull=True).exists()
    assert not Ticket.objects.filter(status="new", responded_at__isnull=False).exists()
    assert not Ticket.objects.filter(status="cancelled", cancelled_at__isnull=True).exists()
    # Jobs go only to technicians covering the customer's area.
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM tickets_ticket t JOIN tickets_customer c ON c.id = t.customer_id
            WHERE t.technician_id IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM technicians_technician_areas ta
              WHERE ta.technician_id = t.technician_id AND ta.area_id = c.area_id)""")
        assert cursor.fetchone()[0] == 0
    # The load runs with the triggers off; its repeat-visit marks are the probe's.
    completed = Ticket.objects.filter(completed_at__isnull=False)
    probed = dict(completed.annotate(p=repeat_visit_probe()).values_list("pk", "p"))
    assert dict(completed.values_list("pk", "repeat_visit")) == probed


def test_generator_is_reproducible_with_a_seed():
    Generator(Scale(**SCALE), log=lambda *_: None).run()
    first = _fingerprint()
    Generator(Scale(**SCALE), log=lambda *_: None).run()
    second = _fingerprint()
    # Timestamps are relative to "now", so compare everything else.
    assert [row[:4] for row in first] == [row[:4] for row in second]
    Generator(Scale(**{**SCALE, "seed": 43}), log=lambda *_: None).run()
    assert [row[:4] for row in _fingerprint()] != [row[:4] for row in first]


def test_the_api_serves_generated_data(api_client_for):
    from django.contrib.auth import get_user_model

    Generator(Scale(**SCALE), log=lambda *_: None).run()
    agent = get_user_model().objects.get(username="agent1")
    response = api_client_for(agent).get("/api/v1/tickets/", {"status": "closed"})
    assert response.status_code == 200
    assert response.data["results"]
    assert all(t["status"] == "closed" for t in response.data["results"])


def test_generate_data_refuses_a_database_not_named_bench():
    with pytest.raises(CommandError, match="bench"):
        call_command("generate_data", "--tickets", "10")


def _index_definitions():
    with connection.cursor() as cursor:
        cursor.execute(
            # The tables' own indexes; a partition's follow its parent's (and the load
            # adds the partitions of the months its data spans).
            "SELECT indexname, indexdef FROM pg_indexes i JOIN pg_class t"
            " ON t.relname = i.tablename AND t.relnamespace = 'public'::regnamespace"
            " WHERE schemaname = 'public' AND NOT t.relispartition"
            " AND tablename LIKE ANY (ARRAY['tickets_%', 'audits_auditevent%'])"
        )
        # A rebuilt partial index's predicate deparses differently (``IN`` lists come back
        # as ``ANY(ARRAY[...]::text[])``): the same index, so only the columns compare.
        return {name: sql.split(" WHERE ")[0] for name, sql in cursor.fetchall()}


def test_the_load_builds_again_every_index_it_dropped():
    before = _index_definitions()
    assert any("tickets_ticket " in d and "UNIQUE" not in d for d in before.values())
    Generator(Scale(**SCALE), log=lambda *_: None).run()
    assert _index_definitions() == before
    # Also when the load fails half-way: the indexes come back, and the data with them.
    with pytest.raises(RuntimeError), deferred_indexes(BULK_TABLES, log=lambda *_: None):
        assert len(_index_definitions()) < len(before)
        raise RuntimeError("the load failed")
    assert _index_definitions() == before


def test_the_load_goes_into_monthly_partitions_not_the_default_one():
    Generator(Scale(**{**SCALE, "days": 100}), log=lambda *_: None).run()
    with connection.cursor() as cursor:
        for table in ("tickets_ticketevent", "audits_auditevent"):
            cursor.execute(f"SELECT count(*) FROM {table}_default")
            assert cursor.fetchone()[0] == 0, table
            cursor.execute(f"SELECT count(DISTINCT tableoid) FROM {table}")
            assert cursor.fetchone()[0] >= 4, table  # 100 days span four or five months
