"""The one writer of the audit trail."""

from django.db import transaction

from .context import current
from .models import AuditEvent

SECRET_FIELDS = frozenset({"password", "secret", "token", "key", "signature"})


def _scrub(changes):
    return {
        field: ("<redacted>" if field in SECRET_FIELDS else value)
        for field, value in (changes or {}).items()
    }


def audit_record(
    *, actor, action, obj=None, object_type=None, object_id=None, ticket=None, changes=None
):
    """Append one audit event for ``action`` on ``obj`` (or an explicit type and id).

    Must run inside the transaction of the change it records, so that both commit or
    neither does. ``changes`` maps field → ``[before, after]`` (or a plain value for
    creations); secret fields are redacted. Source, request id and IP come from the
    current audit context.
    """
    assert transaction.get_connection().in_atomic_block, "audit_record needs a transaction"
    ctx = current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        ticket=ticket,
        changes=_scrub(changes),
        source=ctx["source"],
        request_id=ctx["request_id"],
        ip_address=ctx["ip"],
    )


def audit_records(*, actor, records):
    """Append many audit events in one INSERT (batch writers such as the SLA sweep).

    ``records`` are dicts of ``action``, ``obj``, optional ``ticket`` and ``changes``;
    the same rules as ``audit_record`` apply (inside the change's transaction, secrets
    redacted, source from the context).
    """
    assert transaction.get_connection().in_atomic_block, "audit_records needs a transaction"
    ctx = current()
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action=record["action"],
            object_type=record["obj"]._meta.label_lower,
            object_id=str(record["obj"].pk),
            ticket=record.get("ticket"),
            changes=_scrub(record.get("changes")),
            source=ctx["source"],
            request_id=ctx["request_id"],
            ip_address=ctx["ip"],
        )
        for record in records
    )


def diff(instance, before, fields):
    """Field → [before, after] for the fields whose value changed (JSON-safe)."""
    changes = {}
    for field in fields:
        old, new = before.get(field), getattr(instance, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
    return changes


def snapshot(instance, fields):
    return {field: getattr(instance, field) for field in fields}


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)
