"""The chain's anchor: signed checkpoints outside the audit table (database, log, file),
what audit_verify reports against them, and the row MAC that covers an event before it
is sealed. Tampering is done as a database superuser would: with the triggers disabled."""

import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audits.anchor import checkpoint_parse, checkpoint_signature_ok
from audits.chain import audit_seal, audit_verify
from audits.exceptions import AuditChainBroken
from audits.models import AuditCheckpoint, AuditEvent
from audits.services import audit_record, audit_records

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL roles and triggers"
)

TRIGGERS = {
    "audits_auditevent": {
        "postgresql": ["audits_auditevent_append_only"],
        "sqlite": ["audits_auditevent_no_update", "audits_auditevent_no_delete"],
    },
    "audits_auditcheckpoint": {
        "postgresql": ["audits_auditcheckpoint_append_only"],
        "sqlite": ["audits_auditcheckpoint_no_update", "audits_auditcheckpoint_no_delete"],
    },
}


def _behind_the_triggers(table, *statements):
    """Run ``statements`` on ``table`` with its append-only trigger off, as a superuser
    can (PostgreSQL: ALTER TABLE … DISABLE TRIGGER, then ENABLE; SQLite: drop them)."""
    triggers = TRIGGERS[table][connection.vendor]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test's deferred foreign-key checks must fire before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for name in triggers:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
            for sql in statements:
                cursor.execute(sql)
            for name in triggers:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
        else:
            for name in triggers:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for sql in statements:
                cursor.execute(sql)


def _write(n, action="x.anchor", changes=None):
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=None,
                    action=action,
                    object_type="t",
                    object_id=i,
                    changes=changes or {"n": [i, i + 1]},
                )
            )
    return events


def _sealed():
    return list(AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq"))


# --- checkpoints ----------------------------------------------------------------------


def test_each_seal_writes_a_signed_checkpoint_of_the_new_head():
    _write(3)
    audit_seal()
    _write(2)
    audit_seal(batch_size=1)
    checkpoints = list(AuditCheckpoint.objects.order_by("id"))
    assert [(c.seal_seq, c.event_count, c.kind) for c in checkpoints] == [
        (3, 3, "seal"),
        (4, 1, "seal"),
        (5, 1, "seal"),
    ]
    assert checkpoints[-1].hash == _sealed()[-1].hash
    assert all(checkpoint_signature_ok(c) for c in checkpoints)
    assert audit_seal() == 0
    assert AuditCheckpoint.objects.count() == 3, "nothing sealed, no checkpoint"


def test_the_checkpoint_is_logged_and_appended_to_the_file_after_commit(
    settings, tmp_path, caplog, django_capture_on_commit_callbacks
):
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    _write(2)
    with (
        caplog.at_level(logging.INFO, logger="audits.anchor"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        audit_seal()
    checkpoint = AuditCheckpoint.objects.get()
    [line] = [r.getMessage() for r in caplog.records if r.name == "audits.anchor"]
    assert line.startswith(f"audit checkpoint seq=2 hash={checkpoint.hash} at=")
    assert line.endswith(f"count=2 kind=seal sig={checkpoint.signature}")
    [exported] = (tmp_path / "checkpoints.jsonl").read_text().splitlines()
    assert json.loads(exported)["signature"] == checkpoint.signature
    # Both forms parse back into the same signed checkpoint.
    for text in (line, exported):
        parsed = checkpoint_parse(f"noise\n2026-12-01 10:00:00 INFO audits.anchor {text}\n")
        assert (parsed.seal_seq, parsed.hash) == (2, checkpoint.hash)
        assert checkpoint_signature_ok(parsed)


def test_a_rolled_back_seal_leaves_no_checkpoint_and_logs_none(
    caplog, django_capture_on_commit_callbacks
):
    _write(2)
    with (
        caplog.at_level(logging.INFO, logger="audits.anchor"),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        audit_seal()
        raise RuntimeError("crash after sealing, before commit")
    assert not AuditCheckpoint.objects.exists()
    assert not [r for r in caplog.records if "audit checkpoint" in r.getMessage()]


def test_audit_verify_passes_on_an_intact_chain_after_seals(capsys):
    _write(3)
    audit_seal()
    _write(2)
    call_command("audit_verify", "--seal")
    out = capsys.readouterr().out
    assert "Audit chain OK: 5 events verified" in out
    assert "checkpoint (database) at seal_seq=5 matches" in out
    report = audit_verify()
    assert report["ok"] and report["anchors"][0]["ok"] and not report["altered"]


def test_audit_verify_reports_a_deleted_tail_naming_the_missing_range():
    _write(5)
    audit_seal()
    newest = _sealed()[-2:]
    _behind_the_triggers(
        "audits_auditevent",
        f"DELETE FROM audits_auditevent WHERE id IN ({newest[0].pk}, {newest[1].pk})",
    )
    with pytest.raises(CommandError, match=r"truncated tail: sealed events seal_seq 4\.\.5"):
        call_command("audit_verify")
    report = audit_verify()
    assert not report["ok"] and report["broken"] is None and report["checked"] == 3


def test_audit_verify_reports_a_rewritten_tail():
    """The newest sealed row deleted and a row of the attacker's sealed in its place:
    the chain links are fine, the hash at the checkpoint's seal_seq is not."""
    _write(3)
    audit_seal()
    newest = _sealed()[-1]
    _behind_the_triggers(
        "audits_auditevent", f"DELETE FROM audits_auditevent WHERE id = {newest.pk}"
    )
    checkpoint = AuditCheckpoint.objects.get()
    # The sealer will not build on it; sealing it by hand as the attacker would:
    _behind_the_triggers(
        "audits_auditcheckpoint", f"DELETE FROM audits_auditcheckpoint WHERE id = {checkpoint.pk}"
    )
    _write(1, action="x.forged")
    audit_seal()
    _behind_the_triggers("audits_auditcheckpoint", "DELETE FROM audits_auditcheckpoint", "SELECT 1")
    AuditCheckpoint.objects.bulk_create([checkpoint])  # put back the real anchor
    report = audit_verify()
    [anchor] = report["anchors"]
    assert "hash at seal_seq 3 no longer matches" in anchor["reason"]


def test_the_sealer_refuses_to_extend_a_truncated_chain(caplog):
    _write(3)
    audit_seal()
    newest = _sealed()[-1]
    _behind_the_triggers(
        "audits_auditevent", f"DELETE FROM audits_auditevent WHERE id = {newest.pk}"
    )
    _write(1)
    with (
        caplog.at_level(logging.ERROR, logger="audits.anchor"),
        pytest.raises(AuditChainBroken, match="not the latest checkpoint"),
    ):
        audit_seal()
    assert "audit seal refused" in caplog.text
    assert AuditEvent.objects.filter(seal_seq__isnull=True).count() == 1


def test_audit_verify_reports_a_checkpoint_whose_signature_does_not_verify():
    _write(2)
    audit_seal()
    checkpoint = AuditCheckpoint.objects.get()
    _behind_the_triggers(
        "audits_auditcheckpoint",
        f"UPDATE audits_auditcheckpoint SET event_count = 7 WHERE id = {checkpoint.pk}",
    )
    with pytest.raises(CommandError, match="signature does not verify"):
        call_command("audit_verify")
    _write(1)
    with pytest.raises(AuditChainBroken, match="signature does not verify"):
        audit_seal()


def test_a_checkpoint_inserted_without_the_key_is_reported():
    """The application's role may INSERT checkpoints; without the key it cannot sign one
    that hides a truncated tail."""
    _write(3)
    audit_seal()
    head = _sealed()[-1]
    AuditCheckpoint.objects.create(
        seal_seq=head.seal_seq, hash=head.hash, event_count=0, kind="seal", signature="0" * 64
    )
    report = audit_verify()
    assert not report["ok"]
    assert "signature does not verify" in report["anchors"][0]["reason"]


def test_a_checkpoint_signed_with_a_retired_key_verifies_while_it_is_a_fallback(settings):
    settings.AUDIT_CHECKPOINT_KEY = "old-key-" + "x" * 40
    _write(2)
    audit_seal()
    settings.AUDIT_CHECKPOINT_KEY = "new-key-" + "y" * 40
    assert not audit_verify()["ok"]
    settings.AUDIT_CHECKPOINT_KEY_FALLBACKS = ["old-key-" + "x" * 40]
    assert audit_verify()["ok"]
    _write(1)
    audit_seal()  # the pending row's MAC (old key) is accepted too: no flag
    assert not AuditEvent.objects.exclude(seal_flag="").exists()


# --- the off-box checkpoint ----------------------------------------------------------


def test_an_exported_checkpoint_catches_a_truncation_hidden_in_the_database(tmp_path, capsys):
    """The superuser deletes the tail *and* the checkpoints, and re-anchors: the database
    agrees with itself, the checkpoint kept off-box does not."""
    _write(4)
    audit_seal()
    exported = tmp_path / "offbox.jsonl"
    call_command("audit_verify", "--export-checkpoint", str(exported))
    newest = _sealed()[-1]
    _behind_the_triggers(
        "audits_auditevent", f"DELETE FROM audits_auditevent WHERE id = {newest.pk}"
    )
    _behind_the_triggers("audits_auditcheckpoint", "DELETE FROM audits_auditcheckpoint")
    call_command("audit_verify", "--reanchor")
    assert audit_verify()["ok"]
    with pytest.raises(CommandError, match=r"seal_seq=4 \(.*offbox.jsonl.*seal_seq 4 are missing"):
        call_command("audit_verify", "--checkpoint-file", str(exported))


def test_verify_accepts_a_shipped_log_line_and_refuses_a_forged_one(tmp_path):
    _write(2)
    audit_seal()
    checkpoint = AuditCheckpoint.objects.get()
    line = (
        f"2026-12-01 10:00:00,001 INFO audits.anchor audit checkpoint seq=2 "
        f"hash={checkpoint.hash} at={checkpoint.created_at.isoformat()} count=2 kind=seal "
        f"sig={checkpoint.signature}"
    )
    good, forged = tmp_path / "good.log", tmp_path / "forged.log"
    good.write_text(line + "\n")
    forged.write_text(line.replace("count=2", "count=3") + "\n")
    call_command("audit_verify", "--checkpoint-file", str(good))
    with pytest.raises(CommandError, match=r"forged\.log.*signature does not verify"):
        call_command("audit_verify", "--checkpoint-file", str(forged))


def test_reanchor_resumes_sealing_after_an_incident():
    _write(3)
    audit_seal()
    newest = _sealed()[-1]
    _behind_the_triggers(
        "audits_auditevent", f"DELETE FROM audits_auditevent WHERE id = {newest.pk}"
    )
    _write(1)
    with pytest.raises(AuditChainBroken):
        audit_seal()
    call_command("audit_verify", "--reanchor", "--seal")
    kinds = list(AuditCheckpoint.objects.order_by("id").values_list("kind", "seal_seq"))
    assert kinds == [("seal", 3), ("reanchor", 2), ("seal", 3)]
    assert audit_verify()["ok"]


# --- the checkpoint table is append-only ---------------------------------------------


@pytest.mark.parametrize(
    "sql",
    ["UPDATE audits_auditcheckpoint SET seal_seq = 99", "DELETE FROM audits_auditcheckpoint"],
)
def test_the_checkpoint_table_refuses_update_and_delete(sql):
    _write(1)
    audit_seal()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditCheckpoint.objects.get().seal_seq == 1
    checkpoint = AuditCheckpoint.objects.get()
    with pytest.raises(TypeError):
        checkpoint.save()
    with pytest.raises(TypeError):
        AuditCheckpoint.objects.all().delete()


def _anchor_role_owns_the_table():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'audits_auditcheckpoint' "
            "AND schemaname = current_schema()"
        )
        return cursor.fetchone()[0] == "aftersales_audit_anchor"


@postgres_only
def test_the_application_role_can_only_read_and_append_checkpoints():
    """The tests connect as a superuser, whom no privilege stops. The probe role holds
    exactly what was granted to the application's role (it is a member of it) without
    being a superuser: what a production application role would be. (DROP TABLE is not
    in the list: here the application's role owns the database and so the ``public``
    schema, and a schema's owner may drop its tables; the README's production setup
    gives the schema to another role.)"""
    if not _anchor_role_owns_the_table():
        pytest.skip("the migration could not create the anchor role here")
    _write(1)
    audit_seal()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        [app_role] = cursor.fetchone()
        # Roles are cluster-wide but CREATE ROLE is transactional: rolled back after the test.
        cursor.execute("CREATE ROLE aftersales_anchor_probe NOLOGIN NOSUPERUSER")
        cursor.execute(f"GRANT {connection.ops.quote_name(app_role)} TO aftersales_anchor_probe")
        # SET ROLE inside each savepoint: rolling one back also undoes its SET ROLE.
        probe = "SET ROLE aftersales_anchor_probe"
        try:
            cursor.execute(probe)
            cursor.execute("SELECT count(*) FROM audits_auditcheckpoint")
            assert cursor.fetchone()[0] == 1
            refused = [
                "UPDATE audits_auditcheckpoint SET seal_seq = 99",
                "DELETE FROM audits_auditcheckpoint",
                "TRUNCATE audits_auditcheckpoint",
                "ALTER TABLE audits_auditcheckpoint DISABLE TRIGGER USER",
                "CREATE OR REPLACE FUNCTION audits_auditcheckpoint_append_only() "
                "RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
            ]
            for sql in refused:
                with (
                    pytest.raises(DatabaseError, match=r"permission denied|must be owner"),
                    transaction.atomic(),
                ):
                    cursor.execute(probe)
                    cursor.execute(sql)
            cursor.execute(probe)
            cursor.execute(
                "INSERT INTO audits_auditcheckpoint "
                "(created_at, seal_seq, hash, event_count, kind, signature) "
                "VALUES (now(), 1, 'h', 0, 'seal', 's')"
            )
        finally:
            cursor.execute("RESET ROLE")
    assert AuditCheckpoint.objects.count() == 2


# --- the unsealed window: the row MAC ------------------------------------------------


def test_a_row_altered_before_the_sealer_runs_is_detected_and_sealed_flagged(caplog):
    events = _write(3)
    target = events[1]
    _behind_the_triggers(
        "audits_auditevent",
        f"UPDATE audits_auditevent SET changes = '{{\"n\": [0, 999]}}' WHERE id = {target.pk}",
    )
    # Before sealing: verify already names it.
    report = audit_verify()
    assert not report["ok"] and report["altered"] == [{"id": target.pk, "seal_seq": None}]
    with caplog.at_level(logging.ERROR, logger="audits.anchor"):
        assert audit_seal() == 3
    assert f"events altered before sealing, ids [{target.pk}]" in caplog.text
    flags = dict(AuditEvent.objects.values_list("id", "seal_flag"))
    assert flags == {events[0].pk: "", target.pk: "altered", events[2].pk: ""}
    with pytest.raises(CommandError, match=f"altered before they were sealed.*ids {target.pk}"):
        call_command("audit_verify")
    # The finding is part of the chain: erasing it breaks the row's hash.
    _behind_the_triggers(
        "audits_auditevent",
        f"UPDATE audits_auditevent SET seal_flag = '' WHERE id = {target.pk}",
    )
    with pytest.raises(CommandError, match=f"id={target.pk} .*altered"):
        call_command("audit_verify")


def test_a_row_inserted_without_a_mac_is_sealed_as_unsigned_and_reported(capsys):
    _write(1)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audits_auditevent (created_at, action, object_type, object_id, "
            "changes, source, request_id) "
            "VALUES (CURRENT_TIMESTAMP, 'x.raw', 't', '1', '{}', 'system', '')"
        )
    assert audit_seal() == 2
    assert AuditEvent.objects.get(action="x.raw").seal_flag == "unsigned"
    call_command("audit_verify")
    assert "1 events were sealed without a row MAC" in capsys.readouterr().out


def test_the_row_mac_survives_the_round_trip_through_the_database():
    """JSON numbers, keys and text, IPv6 addresses, times as the writer has them and as
    the database gives them back: no false 'altered'."""
    from audits.context import audit_context

    changes = {
        "big": [1e20, 12345678901234567890],
        "small": [0.1, 1.5e-07, -0.0, 2.0],
        "text": ["Zhōu 周", "line\nbreak", 'quote"'],
        1: {"nested": [True, None, {"b": 1, "a": 2}]},
    }
    with audit_context(source="api", request_id="r-1", ip="2001:DB8:0:0:0:0:0:1"):
        _write(1, changes=changes)
        with transaction.atomic():
            audit_records(
                actor=None,
                records=[{"action": "x.bulk", "object_type": "t", "object_id": 9, "ticket_id": None,
                          "changes": changes}],
            )  # fmt: skip
    assert audit_verify()["ok"]
    audit_seal()
    assert not AuditEvent.objects.exclude(seal_flag="").exists()


def test_sealed_events_without_any_checkpoint_are_reported_and_the_sealer_anchors_them(
    caplog,
):
    """After the upgrade (a chain sealed before checkpoints) or a checkpoint table
    emptied: verify says so; the next seal anchors the head, with a warning in the log."""
    _write(2)
    audit_seal()
    _behind_the_triggers("audits_auditcheckpoint", "DELETE FROM audits_auditcheckpoint")
    with pytest.raises(CommandError, match="NOT ANCHORED: no checkpoint although"):
        call_command("audit_verify")
    with caplog.at_level(logging.WARNING, logger="audits.anchor"):
        assert audit_seal() == 0
    assert "no checkpoint yet; anchoring the head seal_seq=2" in caplog.text
    assert AuditCheckpoint.objects.get().seal_seq == 2
    assert audit_verify()["ok"]
