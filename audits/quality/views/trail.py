"""The audit trail for auditors (可追溯): search the events, read one object's history
with its values before and after, and the state of the hash chain.

Auditors and supervisors, as the trail API (``audits.api.views.AUDIT_READERS``); both
read only. Personal values follow ``audits.personal``: masked for auditors, shown to
supervisors (each such read recorded as ``customer.pii_read``). Every page is a GET
form and links, so it works without JavaScript; htmx swaps the search results in place.
"""

from urllib.parse import quote

from django.apps import apps
from django.db import connection
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from aftersales.roles import Role
from aftersales.text import is_digits
from audits.choices import SealFlag
from audits.history import TRACKED
from audits.personal import KeyRing, personal_fields
from audits.selectors import (
    audit_chain_status,
    audit_event_changes,
    audit_object_history,
    audit_trail_search,
    history_shown,
)
from tickets.models import Ticket
from tickets.views.common import role_required

from ..trail_forms import TrailSearchForm, cursor_decode, cursor_encode
from ..trail_labels import (
    CHAIN_OBJECT_TYPE,
    action_label,
    anchor_reason,
    change_rows,
    field_label,
    link_reason,
    object_ref,
    snapshot_label,
    source_label,
)

TRAIL_READERS = (Role.AUDITOR, Role.SUPERVISOR)
SNAPSHOTS_SHOWN = 20  # the safety net's newest row copies on an object's history page


def history_url(object_type, object_id):
    """``/audit-trail/<type>/<id>/`` (``audit-trail-object-page``), built without a
    ``reverse`` per row of the results."""
    return f"{reverse('audit-trail-page')}{quote(str(object_type))}/{quote(str(object_id))}/"


def _ticket_numbers(ids):
    ids = {pk for pk in ids if pk}
    if not ids:
        return {}
    return dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "number"))


def _search_rows(events):
    numbers = _ticket_numbers(event.ticket_id for event in events)
    rows = []
    for event in events:
        changes = event.changes if isinstance(event.changes, dict) else {}
        rows.append(
            {
                "event": event,
                "action": action_label(event.action, event.object_type),
                "object": object_ref(
                    event.object_type, event.object_id, numbers.get(event.ticket_id)
                ),
                "history_url": history_url(event.object_type, event.object_id),
                "ticket_number": numbers.get(event.ticket_id),
                "source": source_label(event.source),
                "fields": [field_label(event.object_type, name) for name in changes],
            }
        )
    return rows


@role_required(*TRAIL_READERS)
def audit_trail_page(request):
    """``/audit-trail/``: the search (every filter optional; ``?cursor=`` the keyset page)
    and the chain status. An htmx request gets the form and its results only."""
    form = TrailSearchForm(request.GET)
    rows, next_cursor, cursor_error = [], None, False
    if form.is_valid():
        try:
            cursor = cursor_decode(request.GET.get("cursor", ""))
        except ValueError:
            cursor, cursor_error = None, True
        events, next_cursor = audit_trail_search(**form.filters(), cursor=cursor)
        rows = _search_rows(events)
    query = request.GET.copy()
    query.pop("cursor", None)
    filled = {key: value for key, value in query.items() if value.strip()}
    context = {
        "form": form,
        "rows": rows,
        "paged": bool(request.GET.get("cursor")) and not cursor_error,
        "cursor_error": cursor_error,
        "first_url": "?" + urlencode(filled) if filled else request.path,
        "next_url": "?" + urlencode({**filled, "cursor": cursor_encode(next_cursor)})
        if next_cursor
        else None,
    }
    if request.htmx:
        return render(request, "quality/_trail_search.html", context)
    context["chain"] = _chain_context(audit_chain_status())
    return render(request, "quality/trail.html", context)


def _chain_context(status):
    """The chain status card: the head, the checkpoint, the pending events, and the
    latest verification with its broken link and failing checkpoints in words."""
    verified = status["verified"]
    broken = anchors = None
    if verified:
        if verified.get("broken"):
            link = verified["broken"]
            broken = {
                **link,
                "reason_text": link_reason(link.get("reason")),
                "object": object_ref(link.get("object_type") or "", link.get("object_id") or ""),
                "history_url": history_url(link["object_type"], link["object_id"])
                if link.get("object_type") and link.get("object_id")
                else None,
            }
        anchors = [
            {**anchor, "reason_text": anchor_reason(anchor["reason"])}
            for anchor in verified.get("anchors") or ()
        ]
    head = status["head"]
    return {
        **status,
        "head_action": action_label(head.action, head.object_type) if head else "",
        "head_object": object_ref(
            head.object_type, head.object_id, head.ticket.number if head.ticket_id else None
        )
        if head
        else "",
        "head_url": history_url(head.object_type, head.object_id) if head else None,
        "broken": broken,
        "anchors": anchors,
        "chain_url": history_url(CHAIN_OBJECT_TYPE, "chain"),
    }


def _snapshots(request, object_type, object_id):
    """The safety net's newest copies of the row (``audits.history``: every write, those
    that bypassed the services included), each with its changed fields, personal values
    masked as in the trail. Two queries; none for an untracked type or on SQLite."""
    if object_type not in TRACKED or connection.vendor != "postgresql":
        return []
    model = apps.get_model(object_type)
    try:
        obj = model._default_manager.filter(pk=object_id).first()
    except (ValueError, TypeError):
        return []
    if obj is None:
        return []
    return [
        {
            "label": snapshot_label(snapshot["pgh_label"]),
            "at": snapshot["pgh_created_at"],
            "rows": change_rows(object_type, snapshot["pgh_diff"] or {}),
        }
        for snapshot in history_shown(obj, user=request.user, latest=SNAPSHOTS_SHOWN)
    ]


@role_required(*TRAIL_READERS)
def audit_trail_object_page(request, object_type, object_id):
    """``/audit-trail/<type>/<id>/``: every event of one object, oldest first, each
    with its fields before and after (changed ones marked), 100 a page (``?cursor=``)."""
    cursor_error = False
    try:
        cursor = cursor_decode(request.GET.get("cursor", ""))
    except ValueError:
        cursor, cursor_error = None, True
    events, next_cursor = audit_object_history(
        object_type=object_type, object_id=object_id, cursor=cursor
    )
    keys = KeyRing()
    keys.preload((e.object_type, e.object_id) for e in events if personal_fields(e.object_type))
    entries = []
    for event in events:
        changes = audit_event_changes(event=event, user=request.user, keys=keys)
        entries.append(
            {
                "event": event,
                "action": action_label(event.action, event.object_type),
                "object": object_ref(event.object_type, event.object_id),
                "other_object": (event.object_type, event.object_id)
                != (object_type, str(object_id)),
                "history_url": history_url(event.object_type, event.object_id),
                "source": source_label(event.source),
                "rows": change_rows(event.object_type, changes),
                "altered": event.seal_flag == SealFlag.ALTERED,
                "flag": SealFlag(event.seal_flag).label if event.seal_flag else "",
            }
        )
    snapshots = _snapshots(request, object_type, object_id) if cursor is None else []
    ticket = None
    if object_type == "tickets.ticket" and is_digits(str(object_id)):
        ticket = Ticket.objects.filter(pk=int(object_id)).only("pk", "number").first()
    title = object_ref(object_type, object_id, ticket.number if ticket else None)
    context = {
        "title": title,
        "object_type": object_type,
        "object_id": object_id,
        "ticket": ticket,
        "entries": entries,
        "snapshots": snapshots,
        "cursor_error": cursor_error,
        "paged": cursor is not None,
        "next_url": "?" + urlencode({"cursor": cursor_encode(next_cursor)})
        if next_cursor
        else None,
        "search_url": reverse("audit-trail-page")
        + "?"
        + urlencode({"object_type": object_type, "object_id": object_id}),
    }
    return render(request, "quality/trail_object.html", context)
