"""The hash chain over the audit trail: sealing and verification.

Why a sealer and not a hash computed by the writer: a chain needs one total order, and
computing it at insert time means every transaction that writes an audit event queues on
one lock (a head row or an advisory lock) until it commits — every ticket write in the
system serialised, with deadlock risks between that lock and the ticket row locks.
Instead writers insert with empty seal columns (no extra lock, no extra query), and
``audit_seal`` — run by Celery beat every ``AUDIT_SEAL_INTERVAL_SECONDS`` and by
``manage.py audit_verify --seal`` — takes one lock (a PostgreSQL advisory transaction
lock; SQLite serialises writers anyway), reads the committed unsealed rows in id order
and gives each the next ``seal_seq``, the previous row's hash as ``prev_hash`` and
``hash = sha256(prev_hash + canonical row)``. A row that commits late (lower id, later
commit) is simply sealed in the next batch: the chain order is ``seal_seq``, not id.
The database trigger lets the seal columns be set exactly once and nothing else change.
"""

import hashlib
import json

from django.db import connection, transaction

from .models import AuditEvent

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "ticket_id",
    "changes",
    "source",
    "request_id",
    "ip_address",
)
_SEAL_LOCK = 7_420_001  # pg_advisory_xact_lock key of the sealer


def canonical(row):
    """The bytes hashed for one row: its fields in a fixed order, JSON with sorted keys."""
    values = dict(row)
    values["created_at"] = values["created_at"].isoformat()
    payload = [values[field] for field in HASHED_FIELDS] + [values["seal_seq"]]
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash, row):
    return hashlib.sha256((prev_hash + canonical(row)).encode()).hexdigest()


def _utc(row):
    from datetime import UTC

    row["created_at"] = row["created_at"].astimezone(UTC)
    return row


def audit_seal(*, batch_size=5000, max_batches=None):
    """Seal the committed unsealed audit events into the chain; return how many.

    Each batch is one transaction under the sealer lock, so two sealers never interleave
    and a crash leaves the chain valid up to the last committed batch.
    """
    sealed = batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK])
            head = (
                AuditEvent.objects.filter(seal_seq__isnull=False)
                .order_by("-seal_seq")
                .values_list("seal_seq", "hash")
                .first()
            )
            seq, prev = head or (0, GENESIS)
            rows = list(
                AuditEvent.objects.filter(seal_seq__isnull=True)
                .order_by("id")
                .values(*HASHED_FIELDS)[:batch_size]
            )
            if not rows:
                break
            updates = []
            for row in rows:
                seq += 1
                row = _utc(row)
                row["seal_seq"] = seq
                digest = row_hash(prev, row)
                updates.append((row["id"], seq, prev, digest))
                prev = digest
            _write_seals(updates)
        sealed += len(rows)
        batches += 1
        if len(rows) < batch_size:
            break
    return sealed


def _write_seals(updates):
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            # bandit B608: `table` is the model's own table name, a constant; the values are
            # bound parameters.
            execute_values(
                cursor.cursor,
                f"UPDATE {table} AS a SET seal_seq = v.seq, prev_hash = v.prev, hash = v.hash "  # nosec B608
                "FROM (VALUES %s) AS v(id, seq, prev, hash) WHERE a.id = v.id",
                updates,
                page_size=1000,
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET seal_seq = %s, prev_hash = %s, hash = %s WHERE id = %s",  # nosec B608
                [(seq, prev, digest, pk) for pk, seq, prev, digest in updates],
            )


def audit_verify(*, chunk_size=5000):
    """Walk the sealed chain in ``seal_seq`` order; return a report dict.

    ``ok`` is False at the first broken link: a row whose content no longer matches its
    hash (altered by hand), whose ``prev_hash`` is not the previous row's hash, or a gap
    in ``seal_seq`` (a row deleted). ``broken`` names that row (id, seal_seq, reason).
    """
    prev, expected_seq, checked = GENESIS, 1, 0
    rows = (
        AuditEvent.objects.filter(seal_seq__isnull=False)
        .order_by("seal_seq")
        .values(*HASHED_FIELDS, "seal_seq", "prev_hash", "hash")
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        row = _utc(row)
        reason = None
        if row["seal_seq"] != expected_seq:
            reason = f"seal_seq {expected_seq} missing (row deleted?)"
        elif row["prev_hash"] != prev:
            reason = "prev_hash does not match the previous row's hash"
        elif row_hash(prev, row) != row["hash"]:
            reason = "content does not match its hash (row altered)"
        if reason:
            return {
                "ok": False,
                "checked": checked,
                "broken": {"id": row["id"], "seal_seq": row["seal_seq"], "reason": reason},
                "unsealed": AuditEvent.objects.filter(seal_seq__isnull=True).count(),
            }
        prev, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1
    return {
        "ok": True,
        "checked": checked,
        "head": prev,
        "broken": None,
        "unsealed": AuditEvent.objects.filter(seal_seq__isnull=True).count(),
    }
