"""The chain's anchor: signed checkpoints of its head, and each event's own row MAC.

The hash chain (``audits.chain``) shows a row altered or removed *inside* the sealed
chain, but it cannot show what is missing at its end, nor protect a row before it is
sealed. Two keyed MACs close those gaps; their key is ``AUDIT_CHECKPOINT_KEY`` (or, when
unset, one derived from ``SECRET_KEY``), which lives in the application's environment and
not in the database, so a database superuser who edits the tables cannot forge them:

* a **checkpoint** — ``seal_seq``, ``hash``, time, count, kind, signed — is written at
  each seal to ``AuditCheckpoint`` (append-only, owned by another database role), to the
  log line ``audit checkpoint seq=… hash=… sig=…`` of the ``audits.anchor`` logger and,
  when ``AUDIT_CHECKPOINT_FILE`` is set, appended to that file as a JSON line;
* a **row MAC** over the event's content is computed by the writer
  (``audits.services.audit_record``/``audit_records``) and stored with the row; the
  sealer recomputes it and seals a row whose MAC does not match with
  ``seal_flag = "altered"`` (a row without one: ``"unsigned"``), a finding the chain
  hash then covers.

Key rotation: put the old key in ``AUDIT_CHECKPOINT_KEY_FALLBACKS`` (comma-separated;
when the key derives from ``SECRET_KEY``, ``SECRET_KEY_FALLBACKS`` serve instead) until
the next seal has written a checkpoint with the new one and the pending rows are sealed.
"""

import ipaddress
import json
import logging
import os
import re
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from .choices import CheckpointKind
from .models import AuditCheckpoint

logger = logging.getLogger("audits.anchor")

_ROW_SALT = "aftersales.audits.row_mac"
_CHECKPOINT_SALT = "aftersales.audits.checkpoint"
CONTENT_FIELDS = (
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


def _secrets():
    """The signing secret first, then the ones still accepted when verifying."""
    if settings.AUDIT_CHECKPOINT_KEY:
        return [settings.AUDIT_CHECKPOINT_KEY, *settings.AUDIT_CHECKPOINT_KEY_FALLBACKS]
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _sign(salt, message, secret=None):
    secret = secret or _secrets()[0]
    return salted_hmac(salt, message, secret=secret, algorithm="sha256").hexdigest()


def _signed_by_any(salt, message, signature):
    return any(
        constant_time_compare(_sign(salt, message, secret), signature or "")
        for secret in _secrets()
    )


# --- the row MAC --------------------------------------------------------------------


def _number_form(value):
    """JSON values as PostgreSQL's jsonb gives them back: an integral float comes back as
    an int when it was written in exponent form (1e+20), so every integral float is
    compared as an int, on both sides."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_number_form(item) for item in value]
    if isinstance(value, dict):
        return {key: _number_form(item) for key, item in value.items()}
    return value


def _ip_form(value):
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).exploded
    except ValueError:
        return str(value)


def _optional_int(value):
    return None if value is None else int(value)


def event_content(values):
    """The bytes the row MAC covers: everything but the id (unknown to a bulk writer
    before the INSERT) and the seal columns, in a form the same whether read from the
    writer's unsaved instance or back from the database."""
    created_at = values["created_at"].astimezone(UTC).isoformat()
    changes = _number_form(json.loads(json.dumps(values["changes"])))
    payload = [
        created_at,
        _optional_int(values["actor_id"]),
        str(values["action"]),
        str(values["object_type"]),
        str(values["object_id"]),
        _optional_int(values["ticket_id"]),
        changes,
        str(values["source"]),
        str(values["request_id"] or ""),
        _ip_form(values["ip_address"]),
    ]
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_mac(event):
    """The row MAC of an unsaved ``AuditEvent`` (what the writers store in ``row_mac``)."""
    return _sign(_ROW_SALT, event_content({f: getattr(event, f) for f in CONTENT_FIELDS}))


def event_values_mac(values):
    """The row MAC of an event given as a dict of ``CONTENT_FIELDS`` (a raw writer's)."""
    return _sign(_ROW_SALT, event_content(values))


def event_mac_matches(values):
    """Whether a row read back (``values`` with ``row_mac``) still has its writer's MAC."""
    return _signed_by_any(_ROW_SALT, event_content(values), values["row_mac"])


# --- checkpoints --------------------------------------------------------------------


def _when(value):
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def checkpoint_message(*, seal_seq, hash, created_at, event_count, kind):
    return f"v1|{seal_seq}|{hash}|{_when(created_at)}|{event_count}|{kind}"


def _message_of(checkpoint):
    return checkpoint_message(
        seal_seq=checkpoint.seal_seq,
        hash=checkpoint.hash,
        created_at=checkpoint.created_at,
        event_count=checkpoint.event_count,
        kind=checkpoint.kind,
    )


def checkpoint_signature_ok(checkpoint):
    return _signed_by_any(_CHECKPOINT_SALT, _message_of(checkpoint), checkpoint.signature)


def checkpoint_latest():
    return AuditCheckpoint.objects.latest_first().first()


def checkpoint_record(*, seal_seq, hash, event_count, kind=CheckpointKind.SEAL):
    """Write the signed checkpoint of the chain's head ``(seal_seq, hash)``.

    Runs inside the seal's transaction, so the row commits with the seals it describes
    or not at all; the log line and the file line are written after commit (a rolled-back
    seal must not leave a checkpoint off-box that the chain never reached).
    """
    checkpoint = AuditCheckpoint(
        seal_seq=seal_seq, hash=hash, event_count=event_count, kind=str(kind)
    )
    checkpoint.signature = _sign(_CHECKPOINT_SALT, _message_of(checkpoint))
    checkpoint.save(force_insert=True)
    transaction.on_commit(lambda: _publish(checkpoint))
    return checkpoint


def checkpoint_as_dict(checkpoint):
    return {
        "seal_seq": checkpoint.seal_seq,
        "hash": checkpoint.hash,
        "created_at": _when(checkpoint.created_at),
        "event_count": checkpoint.event_count,
        "kind": checkpoint.kind,
        "signature": checkpoint.signature,
    }


def _publish(checkpoint):
    data = checkpoint_as_dict(checkpoint)
    logger.info(
        "audit checkpoint seq=%(seal_seq)s hash=%(hash)s at=%(created_at)s "
        "count=%(event_count)s kind=%(kind)s sig=%(signature)s",
        data,
    )
    path = settings.AUDIT_CHECKPOINT_FILE
    if not path:
        return
    try:
        checkpoint_append(path, checkpoint)
    except OSError:
        # The database row and the log line exist; a full disk must not stop sealing.
        logger.exception("audit checkpoint not written to %s", path)


def checkpoint_append(path, checkpoint):
    """Append the checkpoint as one JSON line to ``path`` (O_APPEND, fsynced)."""
    line = json.dumps(checkpoint_as_dict(checkpoint), sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


_LOG_LINE = re.compile(r"audit checkpoint (?P<fields>(?:\S+=\S+\s*)+)")
_LOG_KEYS = {"seq": "seal_seq", "at": "created_at", "count": "event_count", "sig": "signature"}


def checkpoint_parse(text):
    """The last checkpoint in ``text``: a JSON line of ``AUDIT_CHECKPOINT_FILE`` or a log
    line ``audit checkpoint seq=… hash=… at=… count=… kind=… sig=…``, as an unsaved
    ``AuditCheckpoint``; ``None`` if there is none."""
    for line in reversed(text.strip().splitlines()):
        data = None
        if match := _LOG_LINE.search(line):
            pairs = (pair.split("=", 1) for pair in match["fields"].split())
            data = {_LOG_KEYS.get(key, key): value for key, value in pairs}
        elif "{" in line:  # a JSON line, possibly behind a log shipper's prefix
            data = json.loads(line[line.index("{") :])
        if data:
            return AuditCheckpoint(
                seal_seq=int(data["seal_seq"]),
                hash=data["hash"],
                created_at=datetime.fromisoformat(data["created_at"].replace("Z", "+00:00")),
                event_count=int(data["event_count"]),
                kind=data["kind"],
                signature=data["signature"],
            )
    return None
