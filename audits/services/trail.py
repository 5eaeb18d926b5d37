"""The one writer of the audit trail."""

import json

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from aftersales.roles import acting_user

from ..anchor import CONTENT_FIELDS, event_mac, event_values_mac
from ..context import current, pii_reads
from ..models import AuditEvent
from ..personal import personal_encrypt

# Field names whose values never reach the trail (redacted, the change itself is kept).
SECRET_FIELDS = frozenset(
    {"password", "secret", "token", "key", "signature", "confirmation_signature"}
)
REDACTED = "<redacted>"


def _scrub(changes, *, object_type=None, object_id=None):
    """Secrets redacted, and personal values encrypted with their subject's key."""
    scrubbed = {
        field: (REDACTED if field in SECRET_FIELDS else value)
        for field, value in (changes or {}).items()
    }
    return personal_encrypt(object_type=object_type, object_id=object_id, changes=scrubbed)


def audit_record(
    *, actor, action, obj=None, object_type=None, object_id=None, ticket=None, changes=None
):
    """Append one audit event for ``action`` on ``obj`` (or an explicit type and id).

    Must run inside the transaction of the change it records, so that both commit or
    neither does. ``changes`` maps field → ``[before, after]`` (or a plain value for
    creations); secret fields are redacted, the values of fields declared personal
    (``audits.personal``) encrypted with their subject's key. Source, request id and IP
    come from the current audit context. The row carries its own MAC (``row_mac``,
    audits.anchor) over that stored content and is sealed into the hash chain later
    (audits.chain).
    """
    assert transaction.get_connection().in_atomic_block, "audit_record needs a transaction"
    ctx = current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk
    event = AuditEvent(
        actor=acting_user(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        ticket=ticket,
        changes=_scrub(changes, object_type=object_type, object_id=object_id),
        source=ctx["source"],
        request_id=ctx["request_id"],
        ip_address=ctx["ip"],
    )
    event.row_mac = event_mac(event)
    event.save(force_insert=True)
    return event


def audit_records(*, actor, records):
    """Append many audit events in one INSERT (batch writers such as the SLA sweep).

    ``records`` are dicts of ``action``, ``obj`` (or ``object_type`` and ``object_id``),
    optional ``actor`` (else ``actor``), ``ticket``/``ticket_id`` and ``changes``; the
    same rules as ``audit_record`` apply (inside the change's transaction, secrets
    redacted, personal values encrypted, source from the context, the row MAC). On
    PostgreSQL the rows go as one statement of parallel arrays, built without model
    instances (a 1,000-ticket sweep spent 150 ms of its CPU in ``bulk_create``);
    returns the number written.
    """
    assert transaction.get_connection().in_atomic_block, "audit_records needs a transaction"
    ctx = current()
    now = timezone.now()
    rows = []
    for record in records:
        obj = record.get("obj")
        object_type = obj._meta.label_lower if obj is not None else record["object_type"]
        object_id = str(obj.pk if obj is not None else record["object_id"])
        ticket = record.get("ticket")
        user = acting_user(record.get("actor", actor))
        rows.append(
            {
                "created_at": now,
                "actor_id": user.pk if user is not None else None,
                "action": record["action"],
                "object_type": object_type,
                "object_id": object_id,
                "ticket_id": ticket.pk if ticket else record.get("ticket_id"),
                "changes": _scrub(
                    record.get("changes"), object_type=object_type, object_id=object_id
                ),
                "source": ctx["source"],
                "request_id": ctx["request_id"] or "",
                "ip_address": ctx["ip"],
            }
        )
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        events = [AuditEvent(**row) for row in rows]
        for event in events:
            event.row_mac = event_mac(event)
        AuditEvent.objects.bulk_create(events)
        return len(events)
    with connection.cursor() as cursor:
        cursor.execute(_EVENTS_INSERT, _arrays(rows))
    return len(rows)


def audit_pii_read(*, actor, customer_id, fields=("phone",), ticket_id=None):
    """Note that ``actor`` was shown ``customer_id``'s unmasked personal data.

    Inside an HTTP request the reads are collected and written by the audit middleware
    in one INSERT when the response is ready (a list of 50 tickets costs one statement,
    not 50); outside a request the event is written at once.
    """
    collector = pii_reads()
    key = (customer_id, tuple(fields))
    if collector is not None:
        if key not in collector["seen"]:
            collector["seen"].add(key)
            collector["reads"].append(
                {"actor": actor, "customer_id": customer_id, "fields": list(fields),
                 "ticket_id": ticket_id}
            )  # fmt: skip
        return
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="customer.pii_read",
            object_type="tickets.customer",
            object_id=customer_id,
            changes={"fields": list(fields), "ticket": ticket_id},
        )


# Many events as one statement of parallel arrays: no model instances, no ORM compiler
# (a 50-ticket list wrote 50 read events through bulk_create, a third of its cost).
_EVENTS_INSERT = """
INSERT INTO audits_auditevent
    (created_at, actor_id, action, object_type, object_id, ticket_id, changes, source,
     request_id, ip_address, row_mac)
SELECT * FROM unnest(%s::timestamptz[], %s::integer[], %s::varchar[], %s::varchar[],
                     %s::varchar[], %s::bigint[], %s::jsonb[], %s::varchar[], %s::varchar[],
                     %s::inet[], %s::varchar[])
"""
_COLUMNS = (*CONTENT_FIELDS, "row_mac")  # the order of the INSERT's columns


def _arrays(rows):
    """``_EVENTS_INSERT``'s parameters: each row (a dict of ``CONTENT_FIELDS``) gets its
    row MAC, then the rows are turned into one array per column."""
    columns = {column: [] for column in _COLUMNS}
    for values in rows:
        values["row_mac"] = event_values_mac(values)
        values["changes"] = json.dumps(values["changes"])
        for column in _COLUMNS:
            columns[column].append(values[column])
    return [columns[column] for column in _COLUMNS]


def _pii_reads_insert(reads):
    """The PostgreSQL path of ``pii_reads_flush``: the same rows ``audit_records`` would
    write (secrets rule, encryption, context, row MAC), as one INSERT.

    Outside an atomic block (a request's reads are its last write, alone) the INSERT goes
    in one round trip with its own BEGIN/COMMIT and, with
    ``AUDIT_READ_EVENTS_ASYNC_COMMIT`` (the default), ``synchronous_commit`` off for that
    transaction only: the read is not a change, and waiting for the WAL flush was most of
    a list's latency under load (3.4 ms median, 31 ms p95 here, against 0.6/3.4 ms).
    PostgreSQL still writes it within a fraction of a second and never half of it; a
    crash of the database server itself can lose the reads of that last fraction of a
    second (README, "Personal data"). Changes are never committed this way."""
    ctx = current()
    now = timezone.now()
    rows = []
    for read in reads:
        customer_id = str(read["customer_id"])
        actor = acting_user(read["actor"])
        values = {
            "created_at": now,
            "actor_id": actor.pk if actor is not None else None,
            "action": "customer.pii_read",
            "object_type": "tickets.customer",
            "object_id": customer_id,
            "ticket_id": None,
            "changes": _scrub(
                {"fields": read["fields"], "ticket": read["ticket_id"]},
                object_type="tickets.customer",
                object_id=customer_id,
            ),
            "source": ctx["source"],
            "request_id": ctx["request_id"] or "",
            "ip_address": ctx["ip"],
        }
        rows.append(values)
    arrays = _arrays(rows)
    with connection.cursor() as cursor:
        if connection.in_atomic_block or not settings.AUDIT_READ_EVENTS_ASYNC_COMMIT:
            cursor.execute(_EVENTS_INSERT, arrays)
            return
        try:
            cursor.execute(
                "BEGIN; SET LOCAL synchronous_commit TO off;" + _EVENTS_INSERT + "; COMMIT;",
                arrays,
            )
        except Exception:
            cursor.execute("ROLLBACK")  # the failed statement left the transaction open
            raise


def pii_reads_flush(collector):
    """Write the collected unmasked-data reads of one request (one INSERT); see above."""
    if not collector or not collector["reads"]:
        return
    if connection.vendor == "postgresql":
        _pii_reads_insert(collector["reads"])
        collector["reads"].clear()
        return
    # No savepoint: this is the request's last write, alone in its transaction.
    with transaction.atomic(savepoint=False):
        audit_records(
            actor=None,
            records=[
                {
                    "actor": read["actor"],
                    "action": "customer.pii_read",
                    "object_type": "tickets.customer",
                    "object_id": read["customer_id"],
                    "changes": {"fields": read["fields"], "ticket": read["ticket_id"]},
                }
                for read in collector["reads"]
            ],
        )
    collector["reads"].clear()


def diff(instance, before, fields):
    """Field → [before, after] for the fields whose value changed (JSON-safe)."""
    changes = {}
    for field in fields:
        old, new = before.get(field), getattr(instance, field)
        if old != new:
            changes[field] = [plain(old), plain(new)]
    return changes


def field_values(instance):
    """Every concrete field of ``instance`` (bar the primary key), JSON-safe, by name."""
    return {
        f.name: plain(getattr(instance, f.attname))
        for f in type(instance)._meta.concrete_fields
        if not f.primary_key
    }


def snapshot(instance, fields):
    return {field: getattr(instance, field) for field in fields}


def plain(value):
    """A JSON-safe form of a field value (objects by primary key, times in ISO 8601)."""
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)
