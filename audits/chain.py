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

The anchor (``audits.anchor``): each sealed batch also writes a signed checkpoint of the
new head, and the sealer refuses to extend a chain whose head is not the latest
checkpoint (a tail deleted or rewritten behind its back). Before hashing a row it checks
the row MAC its writer computed; a row altered while it waited is sealed with
``seal_flag`` set, so the chain keeps the finding instead of vouching for the content.
"""

import hashlib
import json
import logging
from datetime import UTC

from django.db import connection, transaction

from .anchor import (
    CONTENT_FIELDS,
    checkpoint_latest,
    checkpoint_record,
    checkpoint_signature_ok,
    event_mac_matches,
)
from .choices import CheckpointKind, SealFlag
from .exceptions import AuditChainBroken
from .models import AuditEvent

logger = logging.getLogger("audits.anchor")

GENESIS = "0" * 64
# The chain hashes the row's id and the content its row MAC covers (audits.anchor).
HASHED_FIELDS = ("id", *CONTENT_FIELDS)
_SEAL_LOCK = 7_420_001  # pg_advisory_xact_lock key of the sealer


def _locked_head():
    """The chain's newest sealed (seal_seq, hash), under the sealer's advisory lock (taken
    for the rest of the caller's transaction; one sealer or re-anchor at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK])
    head = (
        AuditEvent.objects.filter(seal_seq__isnull=False)
        .order_by("-seal_seq")
        .values_list("seal_seq", "hash")
        .first()
    )
    return head or (0, GENESIS)


def canonical(row):
    """The bytes hashed for one row: its fields in a fixed order, JSON with sorted keys,
    then its ``seal_seq`` and, only when the sealer flagged it, its ``seal_flag`` (so rows
    sealed before flags existed hash as they always did)."""
    values = dict(row)
    values["created_at"] = values["created_at"].isoformat()
    payload = [values[field] for field in HASHED_FIELDS] + [values["seal_seq"]]
    if values.get("seal_flag"):
        payload.append(values["seal_flag"])
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash, row):
    return hashlib.sha256((prev_hash + canonical(row)).encode()).hexdigest()


def _utc(row):
    row["created_at"] = row["created_at"].astimezone(UTC)
    return row


def _seal_flag(row):
    if not row["row_mac"]:
        return SealFlag.UNSIGNED.value
    return "" if event_mac_matches(row) else SealFlag.ALTERED.value


def _check_anchor(seq, head_hash):
    """Refuse to seal onto a head that is not the latest checkpoint (see the module);
    return that checkpoint (None when there is none yet)."""
    checkpoint = checkpoint_latest()
    if checkpoint is None:
        if seq:
            # A chain sealed before checkpoints existed (the first seal after the
            # upgrade), or a checkpoint table emptied behind our back: say so off-box.
            logger.warning("audit seal: no checkpoint yet; anchoring the head seal_seq=%s", seq)
        return None
    problem = None
    if not checkpoint_signature_ok(checkpoint):
        problem = f"checkpoint id={checkpoint.pk} signature does not verify"
    elif (checkpoint.seal_seq, checkpoint.hash) != (seq, head_hash):
        problem = (
            f"chain head seal_seq={seq} is not the latest checkpoint "
            f"(id={checkpoint.pk}, seal_seq={checkpoint.seal_seq})"
        )
    if problem:
        logger.error("audit seal refused: %s; run manage.py audit_verify", problem)
        raise AuditChainBroken(f"Audit seal refused: {problem}.")
    return checkpoint


def audit_seal(*, batch_size=5000, max_batches=None):
    """Seal the committed unsealed audit events into the chain; return how many.

    Each batch is one transaction under the sealer lock, so two sealers never interleave
    and a crash leaves the chain valid up to the last committed batch; each writes the
    checkpoint of its new head (``audits.anchor.checkpoint_record``). Raises
    ``AuditChainBroken`` when the head is not the latest checkpoint. Rows whose row MAC
    does not match (or is missing) are sealed flagged and logged as errors (warnings).
    """
    sealed = batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            seq, prev = _locked_head()
            anchored = _check_anchor(seq, prev)
            rows = list(
                AuditEvent.objects.filter(seal_seq__isnull=True)
                .order_by("id")
                .values(*HASHED_FIELDS, "row_mac")[:batch_size]
            )
            if not rows:
                if seq and anchored is None:
                    checkpoint_record(seal_seq=seq, hash=prev, event_count=0)
                break
            updates, flagged = [], []
            for row in rows:
                seq += 1
                row = _utc(row)
                row["seal_seq"] = seq
                row["seal_flag"] = flag = _seal_flag(row)
                digest = row_hash(prev, row)
                updates.append((row["id"], seq, prev, digest, flag))
                if flag:
                    flagged.append((row["id"], flag))
                prev = digest
            _write_seals(updates)
            checkpoint_record(seal_seq=seq, hash=prev, event_count=len(rows))
        _log_flagged(flagged)
        sealed += len(rows)
        batches += 1
        if len(rows) < batch_size:
            break
    return sealed


def _log_flagged(flagged):
    altered = [pk for pk, flag in flagged if flag == SealFlag.ALTERED]
    unsigned = [pk for pk, flag in flagged if flag == SealFlag.UNSIGNED]
    if altered:
        logger.error("audit seal: events altered before sealing, ids %s", altered)
    if unsigned:
        logger.warning(
            "audit seal: %d events without a row MAC, ids %s..%s",
            len(unsigned),
            unsigned[0],
            unsigned[-1],
        )


def _write_seals(updates):
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            # bandit B608: `table` is the model's own table name, a constant; the values are
            # bound parameters.
            execute_values(
                cursor.cursor,
                f"UPDATE {table} AS a SET seal_seq = v.seq, prev_hash = v.prev, hash = v.hash,"  # nosec B608
                " seal_flag = v.flag "
                "FROM (VALUES %s) AS v(id, seq, prev, hash, flag) WHERE a.id = v.id",
                updates,
                page_size=1000,
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET seal_seq = %s, prev_hash = %s, hash = %s, seal_flag = %s "  # nosec B608
                "WHERE id = %s",
                [(seq, prev, digest, flag, pk) for pk, seq, prev, digest, flag in updates],
            )


def audit_verify(*, chunk_size=5000, checkpoints=(), incremental=False):
    """Walk the sealed chain in ``seal_seq`` order; return a report dict.

    ``incremental``: start from the position the last clean verification recorded
    (``verified_position``: its ``head_seq`` and ``head`` hash, kept in the trail itself)
    instead of the genesis, so a run reads only the events sealed since; the row at that
    position must still carry that hash, and the checkpoints behind it are compared with
    their rows directly. Without a recorded position it walks the whole chain. A row
    altered *before* the position is found by the full walk only: run it too (beat, less
    often). ``from_seq`` says where the walk started (0: the genesis).

    ``ok`` is False at the first broken link: a row whose content no longer matches its
    hash (altered by hand), whose ``prev_hash`` is not the previous row's hash, or a gap
    in ``seal_seq`` (a row deleted). ``broken`` names that row (id, seal_seq, reason).

    Past the links it checks the anchor (``anchors``, one entry per checkpoint): the
    latest checkpoint in the database must be signed and be the chain's head — a head
    behind it is a truncated tail (the missing ``seal_seq`` range is named), a different
    hash at its ``seal_seq`` a rewritten one, a head beyond it rows sealed outside the
    sealer; each of ``checkpoints`` (exported ones, e.g. ``--checkpoint-file``) must be
    signed and its ``seal_seq`` reached with its hash; sealed events without any
    checkpoint are reported too. ``altered`` lists the sealed rows
    the sealer flagged and the unsealed rows whose row MAC no longer matches;
    ``unsigned`` counts rows sealed without a MAC (written before MACs or by a bulk
    loader; not a failure). The walk and the checkpoint read share one snapshot.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        start = verified_position() if incremental else None
        return _verify(chunk_size, checkpoints, start)


# The record a clean verification writes (audits.services.verification), read back here.
VERIFIED = "audit.chain_verified"
CHAIN_OBJECT_TYPE = "audits.chain"


def verified_position():
    """``(seal_seq, hash)`` of the chain's head as the latest clean verification recorded
    it (``audits.services.audit_verification_record``: an ``audit.chain_verified`` event,
    itself in the chain and under its row MAC), or None. A record whose MAC no longer
    matches is no position to trust: None (the walk starts from the genesis)."""
    record = (
        AuditEvent.objects.filter(
            action=VERIFIED, object_type=CHAIN_OBJECT_TYPE, changes__ok=True,
            changes__has_key="head_seq",
        )
        .order_by("-created_at", "-id")
        .values(*HASHED_FIELDS, "row_mac")
        .first()
    )  # fmt: skip
    if record is None or not record["row_mac"] or not event_mac_matches(_utc(record)):
        return None
    changes = record["changes"]
    if not changes.get("head_seq") or len(changes.get("head") or "") != 64:
        return None
    return int(changes["head_seq"]), changes["head"]


def _verify(chunk_size, exported, start=None):
    latest = checkpoint_latest()
    anchors = [_Anchor(latest, "database", exact=True)] if latest else []
    anchors += [_Anchor(checkpoint, source) for source, checkpoint in exported]
    watched = {}
    for anchor in anchors:
        watched.setdefault(anchor.checkpoint.seal_seq, []).append(anchor)
    prev, expected_seq, checked = GENESIS, 1, 0
    altered, unsigned, from_seq = [], 0, 0
    if start is not None:
        from_seq, prev = start
        expected_seq = from_seq + 1
        behind = {seq for seq in watched if seq <= from_seq} | {from_seq}
        found = {
            row["seal_seq"]: _utc(row)
            for row in AuditEvent.objects.filter(seal_seq__in=behind).values(
                *HASHED_FIELDS, "seal_seq", "prev_hash", "hash"
            )
        }
        hashes = {seq: row["hash"] for seq, row in found.items()}
        here = found.get(from_seq)
        if here is None or here["hash"] != prev or row_hash(here["prev_hash"], here) != prev:
            return {
                "ok": False,
                "checked": 0,
                "from_seq": from_seq,
                "broken": {
                    "id": AuditEvent.objects.filter(seal_seq=from_seq)
                    .values_list("id", flat=True)
                    .first(),
                    "seal_seq": from_seq,
                    "reason": "the row at the last verified position was altered or deleted "
                    "(run the full verification)",
                },
                "unsealed": AuditEvent.objects.filter(seal_seq__isnull=True).count(),
            }
        for seq in behind & set(watched):
            for anchor in watched[seq]:
                anchor.reached(hashes.get(seq))
    rows = (
        AuditEvent.objects.filter(seal_seq__isnull=False, seal_seq__gt=from_seq)
        .order_by("seal_seq")
        .values(*HASHED_FIELDS, "seal_seq", "prev_hash", "hash", "seal_flag")
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
                "from_seq": from_seq,
                "broken": {"id": row["id"], "seal_seq": row["seal_seq"], "reason": reason},
                "unsealed": AuditEvent.objects.filter(seal_seq__isnull=True).count(),
            }
        if row["seal_flag"]:
            if row["seal_flag"] == SealFlag.ALTERED:
                altered.append({"id": row["id"], "seal_seq": row["seal_seq"]})
            else:
                unsigned += 1
        if row["seal_seq"] in watched:
            for anchor in watched[row["seal_seq"]]:
                anchor.reached(row["hash"])
        prev, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1
    head_seq = expected_seq - 1
    for anchor in anchors:
        anchor.finish(head_seq=head_seq, head_hash=prev)
    if latest is None and head_seq:
        anchors.append(_Anchor(None, "database"))
    unsealed = 0
    pending = (
        AuditEvent.objects.filter(seal_seq__isnull=True)
        .order_by("id")
        .values(*HASHED_FIELDS, "row_mac")
        .iterator(chunk_size=chunk_size)
    )
    for row in pending:
        unsealed += 1
        if row["row_mac"] and not event_mac_matches(_utc(row)):
            altered.append({"id": row["id"], "seal_seq": None})
    anchor_reports = [anchor.report() for anchor in anchors]
    return {
        "ok": not altered and all(report["ok"] for report in anchor_reports),
        "checked": checked,
        "from_seq": from_seq,
        "head_seq": head_seq,
        "head": prev,
        "broken": None,
        "unsealed": unsealed,
        "anchors": anchor_reports,
        "altered": altered,
        "unsigned": unsigned,
    }


class _Anchor:
    """One checkpoint's verdict, gathered while the chain streams past it."""

    def __init__(self, checkpoint, source, *, exact=False):
        self.checkpoint, self.source, self.exact = checkpoint, source, exact
        self.found_hash = None
        self.reason = None

    def reached(self, digest):
        self.found_hash = digest

    def finish(self, *, head_seq, head_hash):
        cp = self.checkpoint
        if cp.seal_seq == 0 and self.found_hash is None:
            self.found_hash = GENESIS  # anchored on an empty chain
        if not checkpoint_signature_ok(cp):
            self.reason = "signature does not verify (checkpoint forged or altered)"
        elif self.found_hash is None:
            first = head_seq + 1
            missing = f"{first}" if first == cp.seal_seq else f"{first}..{cp.seal_seq}"
            self.reason = (
                f"truncated tail: sealed events seal_seq {missing} are missing "
                f"(chain ends at seal_seq {head_seq}, checkpoint at {cp.seal_seq})"
            )
        elif self.found_hash != cp.hash:
            self.reason = (
                f"hash at seal_seq {cp.seal_seq} no longer matches the checkpoint (chain rewritten)"
            )
        elif self.exact and head_seq != cp.seal_seq:
            self.reason = (
                f"{head_seq - cp.seal_seq} sealed events after the latest checkpoint "
                f"(seal_seq {cp.seal_seq + 1}..{head_seq}), sealed outside the sealer"
            )

    def report(self):
        cp = self.checkpoint
        if cp is None:
            return {
                "source": self.source,
                "id": None,
                "seal_seq": None,
                "hash": None,
                "created_at": None,
                "ok": False,
                "reason": "no checkpoint although events are sealed (the checkpoint table "
                "emptied? just upgraded: run audit_verify --seal)",
            }
        return {
            "source": self.source,
            "id": cp.pk,
            "seal_seq": cp.seal_seq,
            "hash": cp.hash,
            "created_at": cp.created_at,
            "ok": self.reason is None,
            "reason": self.reason,
        }


def audit_reanchor():
    """Write a checkpoint at the current head after an incident (``audit_verify
    --reanchor``), once the chain's own links verify; the older checkpoints stay, with
    the record of what was lost. Returns the checkpoint; raises if the links are broken."""
    report = audit_verify()
    if report["broken"]:
        raise AuditChainBroken("Audit chain links are broken; not re-anchoring.")
    with transaction.atomic():
        seq, digest = _locked_head()
        logger.warning("audit chain re-anchored at seal_seq=%s by an operator", seq)
        return checkpoint_record(
            seal_seq=seq, hash=digest, event_count=0, kind=CheckpointKind.REANCHOR
        )
