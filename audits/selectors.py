"""Reads of the audit trail and the safety net (quality audits and KPIs: audits.quality)."""

import pghistory.models

from .models import AuditEvent


def audit_event_list():
    return AuditEvent.objects.select_related("actor")


def history_for(obj):
    """The safety-net snapshots of ``obj`` (PostgreSQL), oldest first, each with its diff.

    Each item: ``pgh_label`` (insert/update/delete), ``pgh_created_at``, ``pgh_data`` (the
    row) and ``pgh_diff`` (field → [before, after] against the previous snapshot).
    """
    return pghistory.models.Events.objects.tracks(obj).order_by("pgh_created_at", "pgh_id")
