"""The monthly partitions of the growing tables (README "Partitions and retention"), on
the real PostgreSQL: the migrations' conversion, months ahead, rows in their month, pruning,
the audit chain across months, the retention rules."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from aftersales import partitioning
from aftersales.platform.models import Notification, NotificationKind
from aftersales.platform.services import partitions_maintain
from audits.anchor import event_mac
from audits.chain import audit_seal, audit_verify
from audits.models import AuditEvent
from audits.services import audit_record
from parts.models import StockMovement
from parts.services import stock_receive
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import UserFactory, make_ticket
from tickets.models import TicketEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions: PostgreSQL only"),
]

GROWING = {
    "tickets_ticketevent": "created_at",
    "audits_auditevent": "created_at",
    "platform_notification": "created_at",
    "tickets_webhookdelivery": "created_at",
    "parts_stockmovement": "created_at",
    "audits_tickethistory": "pgh_created_at",  # the safety net's ticket snapshots
}
UTC = dt.UTC


def _sql(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def _months(table):
    with connection.cursor() as cursor:
        return partitioning.months(cursor, table)


def _partition_of(table, pk):
    return _sql(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])[0][0]


def _ensure_month(table, month):
    with connection.cursor() as cursor:
        partitioning.create_month(cursor, table, month)


def test_the_growing_tables_are_partitioned_by_month_with_months_ahead():
    with connection.cursor() as cursor:
        tables = partitioning.partitioned_tables(cursor)
    for table, column in GROWING.items():
        assert tables.get(table) == column, table
        this_month = partitioning.month_start(timezone.now())
        months = _months(table)
        for n in range(4):  # the migration created the current month and 3 ahead
            assert partitioning.add_months(this_month, n) in months, (table, n)
        assert _sql("SELECT to_regclass(%s)", [f"{table}_default"])[0][0] is not None


def test_the_task_creates_the_months_ahead_and_is_idempotent(settings):
    settings.PARTITIONS_AHEAD_MONTHS = 5
    later = timezone.now() + dt.timedelta(days=200)
    result = partitions_maintain(now=later)
    start = partitioning.month_start(later)
    for table in GROWING:
        months = _months(table)
        for n in range(6):
            assert partitioning.add_months(start, n) in months, (table, n)
    assert (
        partitioning.partition_name("audits_auditevent", partitioning.add_months(start, 5))
        in (result["created"])
    )
    assert result["failed"] == [] and result["dropped"] == []
    again = partitions_maintain(now=later)
    assert again["created"] == []


def test_rows_land_in_the_partition_of_their_month_and_far_ones_in_the_default():
    ticket = make_ticket(actor=UserFactory(is_superuser=True))
    now = timezone.now()
    event = TicketEvent.objects.create(ticket=ticket, kind="note", created_at=now)
    assert _partition_of("tickets_ticketevent", event.pk) == partitioning.partition_name(
        "tickets_ticketevent", partitioning.month_start(now)
    )
    old = TicketEvent.objects.create(
        ticket=ticket, kind="note", created_at=dt.datetime(2001, 5, 3, tzinfo=UTC)
    )
    assert _partition_of("tickets_ticketevent", old.pk) == "tickets_ticketevent_default"
    # The ids still come from one sequence: the next row has a larger id, the model's pk.
    assert old.pk > event.pk
    assert TicketEvent.objects.get(pk=old.pk).created_at.year == 2001


def test_the_safety_net_still_snapshots_a_ticket_into_its_month():
    ticket = make_ticket(actor=UserFactory(is_superuser=True))
    rows = _sql(
        "SELECT tableoid::regclass::text, pgh_created_at FROM audits_tickethistory"
        " WHERE pgh_obj_id = %s",
        [ticket.pk],
    )
    assert rows, "the pghistory trigger wrote no snapshot"
    for partition, created_at in rows:
        expected = partitioning.month_start(created_at)
        assert partition == partitioning.partition_name("audits_tickethistory", expected)
    with pytest.raises(DatabaseError), transaction.atomic():  # pgtrigger's append-only
        _sql("DELETE FROM audits_tickethistory WHERE pgh_obj_id = %s", [ticket.pk])


def test_a_time_range_query_reads_only_the_partitions_of_its_months():
    this_month = partitioning.month_start(timezone.now())
    start = dt.datetime(this_month.year, this_month.month, 1, tzinfo=UTC)
    end = start + dt.timedelta(days=10)
    plan = AuditEvent.objects.filter(created_at__gte=start, created_at__lt=end).explain()
    assert partitioning.partition_name("audits_auditevent", this_month) in plan
    next_month = partitioning.partition_name(
        "audits_auditevent", partitioning.add_months(this_month, 1)
    )
    assert next_month not in plan and "audits_auditevent_default" not in plan
    # Across a month boundary: exactly the two months.
    plan = AuditEvent.objects.filter(
        created_at__gte=end, created_at__lt=end + dt.timedelta(days=31)
    ).explain()
    assert partitioning.partition_name("audits_auditevent", this_month) in plan
    assert next_month in plan
    third = partitioning.partition_name("audits_auditevent", partitioning.add_months(this_month, 2))
    assert third not in plan and "audits_auditevent_default" not in plan


def test_the_audit_chain_verifies_across_partitions_and_the_trigger_still_guards_it():
    this_month = partitioning.month_start(timezone.now())
    last_month = partitioning.add_months(this_month, -1)
    _ensure_month("audits_auditevent", last_month)
    for i in range(3):
        with transaction.atomic():
            event = audit_record(actor=None, action="x.test", object_type="t", object_id=i)
    # Written last month (a backfill): the writer's MAC covers created_at, so set it first.
    old = AuditEvent(
        action="x.test",
        object_type="t",
        object_id="old",
        created_at=dt.datetime(last_month.year, last_month.month, 15, tzinfo=UTC),
    )
    old.row_mac = event_mac(old)
    old.save(force_insert=True)
    parts = {
        row[0] for row in _sql("SELECT DISTINCT tableoid::regclass::text FROM audits_auditevent")
    }
    assert {
        partitioning.partition_name("audits_auditevent", this_month),
        partitioning.partition_name("audits_auditevent", last_month),
    } <= parts
    assert audit_seal() == 4
    report = audit_verify()
    assert report["ok"] and report["checked"] == 4, report
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql("UPDATE audits_auditevent SET action = 'changed' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql("DELETE FROM audits_auditevent WHERE id = %s", [old.pk])


def test_the_stock_ledger_stays_append_only_once_partitioned():
    admin = UserFactory(is_superuser=True, is_staff=True)
    movement = stock_receive(
        part=PartFactory(), location=LocationFactory(), quantity=3, actor=admin
    )
    assert _partition_of("parts_stockmovement", movement.pk) == partitioning.partition_name(
        "parts_stockmovement", partitioning.month_start(movement.created_at)
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("UPDATE parts_stockmovement SET quantity = 2 WHERE id = %s", [movement.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("DELETE FROM parts_stockmovement WHERE id = %s", [movement.pk])
    assert StockMovement.objects.get(pk=movement.pk).quantity == 3


def _notification(created_at, status):
    return Notification.objects.create(
        kind=NotificationKind.values[0],
        channel="email",
        status=status,
        recipient_key="someone",
        language="en",
        created_at=created_at,
    )


def _ticket_event(ticket, created_at):
    return TicketEvent.objects.create(ticket=ticket, kind="note", created_at=created_at)


def test_retention_drops_only_the_expired_months_the_rules_allow(settings):
    settings.NOTIFICATION_RETENTION_MONTHS = 2
    this_month = partitioning.month_start(timezone.now())
    months = {n: partitioning.add_months(this_month, -n) for n in (1, 2, 3, 4)}
    for table in ("platform_notification", "audits_auditevent", "tickets_ticketevent"):
        for month in months.values():
            _ensure_month(table, month)

    def mid(n):
        return dt.datetime(months[n].year, months[n].month, 10, tzinfo=UTC)

    keep_recent = _notification(mid(2), "sent")  # 2 months back: still within 2 whole months
    drop_sent = _notification(mid(3), "sent")
    waits = _notification(mid(4), "pending")  # still to deliver: its month waits
    ticket = make_ticket(actor=UserFactory(is_superuser=True))
    old_event = _ticket_event(ticket, mid(4))
    with transaction.atomic():
        audit_record(actor=None, action="x.test", object_type="t", object_id=1)

    # The rows above were written in this test's transaction: run their deferred foreign-key
    # checks now, as their commit would have (a table with pending checks cannot be dropped).
    _sql("SET CONSTRAINTS ALL IMMEDIATE")
    result = partitions_maintain()

    name = partitioning.partition_name
    assert result["dropped"] == [name("platform_notification", months[3])]
    assert result["waiting"] == [name("platform_notification", months[4])]
    assert set(Notification.objects.values_list("pk", flat=True)) >= {keep_recent.pk, waits.pk}
    assert not Notification.objects.filter(pk=drop_sent.pk).exists()
    assert _sql("SELECT to_regclass(%s)", [name("platform_notification", months[3])])[0][0] is None
    # Ticket events and audit events are never dropped, whatever their age.
    assert TicketEvent.objects.filter(pk=old_event.pk).exists()
    for table in ("audits_auditevent", "tickets_ticketevent"):
        assert set(months.values()) <= set(_months(table))
    # The drop is in the audit trail.
    audit = AuditEvent.objects.get(action="partition.drop")
    assert audit.object_id == name("platform_notification", months[3])
    assert audit.changes["rows"] == 1 and audit.changes["table"] == "platform_notification"


def test_retention_zero_keeps_every_month(settings):
    settings.NOTIFICATION_RETENTION_MONTHS = 0
    old = partitioning.add_months(partitioning.month_start(timezone.now()), -30)
    _ensure_month("platform_notification", old)
    kept = _notification(dt.datetime(old.year, old.month, 2, tzinfo=UTC), "sent")
    assert partitions_maintain()["dropped"] == []
    assert Notification.objects.filter(pk=kept.pk).exists()


SCRATCH = """
CREATE TABLE scratch_log (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL,
    code varchar(20) NOT NULL UNIQUE,
    note text NOT NULL DEFAULT '',
    CONSTRAINT scratch_note_short CHECK (length(note) < 50)
);
CREATE INDEX scratch_note ON scratch_log (note, created_at);
CREATE UNIQUE INDEX scratch_once ON scratch_log (note) WHERE note <> '';
CREATE FUNCTION scratch_refuse() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'refused'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER scratch_refuse BEFORE DELETE ON scratch_log
    FOR EACH ROW EXECUTE FUNCTION scratch_refuse();
"""


def test_the_conversion_keeps_every_row_the_sequence_constraints_indexes_and_triggers():
    _sql(SCRATCH)
    _sql(
        "INSERT INTO scratch_log (created_at, code, note) SELECT"
        " timestamptz '2026-03-05 10:00+00' + (i || ' days')::interval, 'c' || i,"
        " CASE WHEN i % 10 = 0 THEN 'n' || i ELSE '' END FROM generate_series(1, 500) i"
    )
    before = _sql("SELECT id, created_at, code, note FROM scratch_log ORDER BY id")
    with connection.cursor() as cursor:
        stats = partitioning.convert_to_monthly(
            cursor,
            "scratch_log",
            "created_at",
            today=dt.datetime(2026, 12, 2, tzinfo=UTC),
            months_ahead=3,
        )
    assert stats["rows"] == 500
    assert stats["partitions"] == 13  # 2026-03 … 2027-03 (the rows reach 2027-07: default)
    after = _sql("SELECT id, created_at, code, note FROM scratch_log ORDER BY id")
    assert after == before
    in_default = _sql("SELECT count(*) FROM scratch_log_default")[0][0]
    assert (
        in_default
        == _sql("SELECT count(*) FROM scratch_log WHERE created_at >= '2027-04-01 00:00+00'")[0][0]
        > 0
    )
    # The next id follows the old sequence.
    (new_id,) = _sql(
        "INSERT INTO scratch_log (created_at, code) VALUES (now(), 'next') RETURNING id"
    )[0]
    assert new_id == 501
    constraints = dict(
        _sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'scratch_log'::regclass"
        )
    )
    assert constraints["scratch_log_pkey"] == "PRIMARY KEY (id, created_at)"
    assert constraints["scratch_log_code_key"] == "UNIQUE (code, created_at)"
    assert "length(note) < 50" in constraints["scratch_note_short"]
    indexes = dict(
        _sql("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'scratch_log'")
    )
    assert "(note, created_at)" in indexes["scratch_note"]
    assert "UNIQUE" in indexes["scratch_once"] and "WHERE" in indexes["scratch_once"]
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(
            "INSERT INTO scratch_log (created_at, code, note) VALUES (now(), 'x', repeat('x', 60))"
        )
    with pytest.raises(DatabaseError, match="refused"), transaction.atomic():
        _sql("DELETE FROM scratch_log WHERE id = 1")


def test_the_conversion_refuses_a_table_that_foreign_keys_point_at():
    _sql(SCRATCH)
    _sql("CREATE TABLE scratch_ref (id int PRIMARY KEY, log_id bigint REFERENCES scratch_log)")
    with pytest.raises(ValueError, match="scratch_ref"), connection.cursor() as cursor:
        partitioning.convert_to_monthly(
            cursor, "scratch_log", "created_at", today=timezone.now(), months_ahead=1
        )


def test_the_month_arithmetic():
    assert partitioning.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert partitioning.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert partitioning.month_start(dt.datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == dt.date(
        2026, 12, 1
    )
    assert partitioning.month_of("audits_auditevent", "audits_auditevent_p202701") == dt.date(
        2027, 1, 1
    )
    assert partitioning.month_of("audits_auditevent", "audits_auditevent_default") is None


def test_the_quality_marks_read_no_timeline_partition():
    """``first_time_fix_marks`` runs once per job in the KPI report, the technician
    statistics and the dispatch ranking. The refusal is the ticket's own counter, so the
    marks' plan reads none of the timeline's monthly partitions (each job used to probe
    every month from the ticket's on, and planning them was a third of the ranking)."""
    from tickets.models import Ticket
    from tickets.selectors import first_time_fix_marks

    admin = UserFactory(is_superuser=True)
    refused, clean = make_ticket(actor=admin), make_ticket(actor=admin)
    Ticket.objects.filter(pk=refused.pk).update(confirmations_refused=2)
    marks = Ticket.objects.filter(pk__in=[refused.pk, clean.pk]).annotate(**first_time_fix_marks())
    assert dict(marks.values_list("pk", "refused")) == {refused.pk: True, clean.pk: False}
    plan = marks.explain(analyze=True)
    assert "tickets_ticketevent" not in plan, plan
