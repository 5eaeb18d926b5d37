"""Reads of the audit trail and the safety net (quality audits and KPIs: audits.quality)."""

import pghistory.models

from .models import AuditEvent
from .personal import mask_row, may_see_personal, personal_fields, personal_reveal
from .services import audit_pii_read


def audit_event_list():
    return AuditEvent.objects.select_related("actor")


def audit_event_changes(*, event, user, keys=None):
    """``event.changes`` as ``user`` may see them (``audits.personal``): personal values
    decrypted for desk roles — each such read noted as ``customer.pii_read`` (written by
    the audit middleware, one INSERT per response) — masked for the others."""
    changes, shown = personal_reveal(
        object_type=event.object_type,
        object_id=event.object_id,
        changes=event.changes,
        may_see=may_see_personal(user),
        keys=keys,
    )
    if shown and event.object_type == "tickets.customer":
        audit_pii_read(
            actor=user,
            customer_id=event.object_id,
            fields=sorted(set(changes) & personal_fields(event.object_type)),
        )
    return changes


def history_shown(obj, *, user):
    """``history_for(obj)`` as ``user`` may see it: a list of dicts (label, time, data,
    diff) with the personal fields of ``obj``'s type masked unless ``may_see_personal``."""
    object_type = obj._meta.label_lower
    may_see = may_see_personal(user)
    shown = []
    for event in history_for(obj):
        diff = event.pgh_diff or {}
        shown.append(
            {
                "pgh_label": event.pgh_label,
                "pgh_created_at": event.pgh_created_at,
                "pgh_data": mask_row(object_type, event.pgh_data, may_see=may_see),
                "pgh_diff": mask_row(object_type, diff, may_see=may_see),
            }
        )
    if may_see and shown and object_type == "tickets.customer":
        audit_pii_read(actor=user, customer_id=obj.pk, fields=sorted(personal_fields(object_type)))
    return shown


def history_for(obj):
    """The safety-net snapshots of ``obj`` (PostgreSQL), oldest first, each with its diff.

    Each item: ``pgh_label`` (insert/update/delete), ``pgh_created_at``, ``pgh_data`` (the
    row) and ``pgh_diff`` (field → [before, after] against the previous snapshot).
    """
    return pghistory.models.Events.objects.tracks(obj).order_by("pgh_created_at", "pgh_id")
