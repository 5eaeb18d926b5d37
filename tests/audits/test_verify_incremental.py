"""audit_verify --incremental: from the last clean verification's recorded head, the
events sealed since; the full mode still walks from the genesis. Tampering is done as a
database superuser would: with the triggers disabled (tests.audits.test_anchor)."""

import pytest
from django.core.management import CommandError, call_command

from audits.chain import audit_seal, audit_verify, verified_position
from audits.models import AuditEvent
from audits.services import audit_verification_record
from tests.audits.test_anchor import _behind_the_triggers, _write

pytestmark = pytest.mark.django_db


def _tamper(seal_seq):
    _behind_the_triggers(
        "audits_auditevent",
        f"UPDATE audits_auditevent SET changes = '{{\"n\": [7, 7]}}' WHERE seal_seq = {seal_seq}",
    )


def _verified(**options):
    """Verify as beat does (and record the verdict); the report."""
    report = audit_verify(**options)
    audit_verification_record(report=report)
    return report


def _history():
    """Ten events sealed, verified in full (the position), then five more sealed."""
    _write(10)
    audit_seal()
    first = _verified()
    assert first["ok"] and first["from_seq"] == 0 and first["head_seq"] == 10
    _write(5)
    audit_seal()  # the five, and the verification's own event
    return first


def test_the_incremental_mode_reads_only_what_was_sealed_since_the_last_verification():
    _history()
    assert verified_position()[0] == 10
    report = _verified(incremental=True)
    assert report["ok"], report
    assert (report["from_seq"], report["checked"], report["head_seq"]) == (10, 6, 16)
    assert report["anchors"][0]["ok"]  # the latest checkpoint is the head
    # The next run starts from this one's head.
    _write(2)
    audit_seal()
    again = audit_verify(incremental=True)
    assert (again["ok"], again["from_seq"], again["checked"]) == (True, 16, 3)
    # The full mode still walks everything.
    assert audit_verify()["checked"] == 19


def test_tampering_after_the_position_is_found_by_the_incremental_mode():
    _history()
    _tamper(13)
    report = audit_verify(incremental=True)
    assert not report["ok"]
    assert report["broken"]["seal_seq"] == 13
    assert "altered" in report["broken"]["reason"]


def test_tampering_before_the_position_is_found_by_the_full_mode_only():
    _history()
    _tamper(4)
    assert audit_verify(incremental=True)["ok"]  # behind the position: not read again
    full = audit_verify()
    assert not full["ok"] and full["broken"]["seal_seq"] == 4


def test_the_row_at_the_position_itself_must_still_carry_the_recorded_hash():
    _history()
    _tamper(10)
    report = audit_verify(incremental=True)
    assert not report["ok"] and report["broken"]["seal_seq"] == 10
    assert "last verified position" in report["broken"]["reason"]


def test_an_altered_verification_record_is_no_position_the_walk_starts_from_the_genesis():
    _history()
    record = AuditEvent.objects.filter(action="audit.chain_verified").get()
    _behind_the_triggers(
        "audits_auditevent",
        "UPDATE audits_auditevent SET changes = jsonb_set(changes, '{head_seq}', '15') "
        f"WHERE id = {record.pk}",
    )
    assert verified_position() is None
    report = audit_verify(incremental=True)
    assert report["from_seq"] == 0 and not report["ok"]  # the full walk finds the record


def test_a_failed_verification_moves_no_position():
    _history()
    _tamper(13)
    _verified(incremental=True)
    assert verified_position()[0] == 10


def test_the_command_records_its_incremental_run_and_says_where_it_started(capsys):
    _write(3)
    audit_seal()
    call_command("audit_verify", "--incremental")
    assert "3 events verified" in capsys.readouterr().out
    assert verified_position()[0] == 3
    _write(2)
    call_command("audit_verify", "--seal", "--incremental")
    out = capsys.readouterr().out
    assert "3 events verified after the last verified position (seal_seq 3)" in out
    _write(2)
    audit_seal()  # the last verification's event (7) and the two (8, 9)
    _tamper(8)
    with pytest.raises(CommandError, match="seal_seq=8"):
        call_command("audit_verify", "--incremental")
