"""Reads of the audit trail and the safety net (quality audits and KPIs: audits.quality)."""

import pghistory.models
from django.db.models import Q

from aftersales.text import is_digits

from .anchor import checkpoint_latest, checkpoint_signature_ok
from .chain import GENESIS
from .models import AuditEvent
from .personal import mask_row, may_see_personal, personal_fields, personal_reveal
from .services import VERIFIED, audit_pii_read


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


def history_shown(obj, *, user, latest=None):
    """``history_for(obj)`` as ``user`` may see it: a list of dicts (label, time, data,
    diff) with the personal fields of ``obj``'s type masked unless ``may_see_personal``;
    ``latest``: only the newest that many snapshots (still oldest first)."""
    object_type = obj._meta.label_lower
    may_see = may_see_personal(user)
    shown = []
    snapshots = history_for(obj)
    if latest is not None:
        snapshots = reversed(list(snapshots.order_by("-pgh_created_at", "-pgh_id")[:latest]))
    for event in snapshots:
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


# --- The audit-trail pages (audits.quality.views.trail) -------------------------------------

TRAIL_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 100
UNSEALED_CAP = 10_000  # the chain status counts pending events up to this, then says "10,000+"


def _after_desc(queryset, cursor):
    """Rows after ``cursor`` (created_at, id) in newest-first order: ``created_at <= t``
    keeps the time index's range scan; the exclusion drops the rows already shown."""
    at, pk = cursor
    return queryset.filter(created_at__lte=at).exclude(created_at=at, id__gte=pk)


def _after_asc(queryset, cursor):
    at, pk = cursor
    return queryset.filter(created_at__gte=at).exclude(created_at=at, id__lte=pk)


def _page(queryset, limit):
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, ((rows[-1].created_at, rows[-1].pk) if more and rows else None)


def audit_trail_search(
    *,
    object_type="",
    object_id="",
    ticket_id=None,
    actor_id=None,
    action="",
    source="",
    after=None,
    before=None,
    cursor=None,
    limit=TRAIL_PAGE_SIZE,
):
    """One keyset page of the trail, newest first, and the cursor of the next page (None
    at the end). Every filter is optional; each is served by an index led by its column
    and ending in ``created_at`` (object, ticket, actor, action, source, time), so a page
    costs the same at a thousand events or millions: one query, no COUNT."""
    events = AuditEvent.objects.select_related("actor")
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=str(object_id))
    if ticket_id is not None:
        events = events.filter(ticket_id=ticket_id)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if action:
        events = events.filter(action=action)
    if source:
        events = events.filter(source=source)
    if after is not None:
        events = events.filter(created_at__gte=after)
    if before is not None:
        events = events.filter(created_at__lt=before)
    if cursor is not None:
        events = _after_desc(events, cursor)
    return _page(events.order_by("-created_at", "-id"), limit)


def audit_object_history(*, object_type, object_id, cursor=None, limit=HISTORY_PAGE_SIZE):
    """One page of an object's events, oldest first, and the next page's cursor. A
    ticket's history also holds the events about other records linked to it (its parts,
    its technician's job), as the ticket's timeline does."""
    about = Q(object_type=object_type, object_id=str(object_id))
    if object_type == "tickets.ticket" and is_digits(str(object_id)):
        about |= Q(ticket_id=int(object_id))
    events = AuditEvent.objects.select_related("actor").filter(about)
    if cursor is not None:
        events = _after_asc(events, cursor)
    return _page(events.order_by("created_at", "id"), limit)


def audit_chain_status():
    """What the page says about the hash chain, in a fixed five queries whatever its
    length: the last sealed event (the head), the latest checkpoint and whether it still
    matches the head (signature and hash, ``audits.anchor``), how many events wait for
    the sealer (counted up to ``UNSEALED_CAP``), and the latest recorded verification
    (``audit.chain_verified``, written by ``audits.tasks.audit_verify_task``)."""
    head = (
        AuditEvent.objects.filter(seal_seq__isnull=False)
        .select_related("actor", "ticket")
        .order_by("-seal_seq")
        .first()
    )
    checkpoint = checkpoint_latest()
    anchor_ok = None
    if checkpoint is not None:
        head_key = (head.seal_seq, head.hash) if head else (0, GENESIS)
        anchor_ok = checkpoint_signature_ok(checkpoint) and (
            (checkpoint.seal_seq, checkpoint.hash) == head_key
        )
    unsealed = (
        AuditEvent.objects.filter(seal_seq__isnull=True).values("id")[: UNSEALED_CAP + 1].count()
    )
    verification = AuditEvent.objects.filter(action=VERIFIED).order_by("-created_at", "-id").first()
    return {
        "head": head,
        "checkpoint": checkpoint,
        "anchor_ok": anchor_ok,
        "unsealed": unsealed,
        "unsealed_capped": unsealed > UNSEALED_CAP,
        "verification": verification,
        "verified": verification.changes if verification else None,
    }
