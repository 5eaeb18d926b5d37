"""The ticket queue (工单列表): saved views with their counts, sortable columns on keyset
pages, SLA countdowns, bulk transfer and escalation, and a table that refreshes itself.

Everything is a link or a form, so the page works without JavaScript; htmx polls the same
URL and the view answers the rows, tabs and pager as a fragment (``request.htmx``).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from aftersales.exceptions import ApplicationError
from aftersales.roles import EXPORT_ROLES, has_role

from .. import services
from ..choices import Action
from ..filtersets import TicketFilterSet
from ..forms import BulkActionForm
from ..listing import (
    COUNT_CAP,
    SAVED_VIEWS,
    SORT_KEYS,
    cursor_decode,
    keyset_page,
    mine_q,
    parse_sort,
    saved_view,
    saved_view_counts,
    saved_view_q,
)
from ..selectors import ticket_list
from .common import DESK, PAGE_SIZE

PAGE_KEYS = ("after", "before")
# The columns of the table, in order: (label, sort key or None, CSS class).
COLUMNS = (
    (gettext_lazy("Ticket"), "created", "num"),
    (gettext_lazy("Status"), "status", ""),
    (gettext_lazy("SLA"), "sla_due", ""),
    (gettext_lazy("Priority"), "priority", ""),
    (gettext_lazy("Customer"), "customer", ""),
    (gettext_lazy("Category"), None, ""),
    (gettext_lazy("Technician / visit"), None, ""),
    (gettext_lazy("Owner"), "owner", ""),
    (gettext_lazy("Received"), None, ""),
)
# A header's first click sorts newest first for creation, ascending for the rest.
FIRST_DESCENDING = {"created"}
# The sort menu (phones show it in the filters, where the table has no header row).
SORT_CHOICES = (
    ("-created", gettext_lazy("Newest first")),
    ("created", gettext_lazy("Oldest first")),
    ("sla_due", gettext_lazy("SLA due: soonest first")),
    ("-sla_due", gettext_lazy("SLA due: latest first")),
    ("priority", gettext_lazy("Priority: P1 first")),
    ("-priority", gettext_lazy("Priority: P4 first")),
    ("status", gettext_lazy("Status: in lifecycle order")),
    ("-status", gettext_lazy("Status: in reverse order")),
    ("customer", gettext_lazy("Customer: A to Z")),
    ("-customer", gettext_lazy("Customer: Z to A")),
    ("owner", gettext_lazy("Owner: A to Z")),
    ("-owner", gettext_lazy("Owner: Z to A")),
)
assert {value.removeprefix("-") for value, _label in SORT_CHOICES} == set(SORT_KEYS)


def _filled(query):
    """The filters a person actually set: the form's "Any status" / "Any priority" options
    send empty values, which mean "no filter", not an invalid choice."""
    filled = query.copy()
    for key in list(filled):
        values = [value for value in filled.getlist(key) if value.strip()]
        if values:
            filled.setlist(key, values)
        else:
            del filled[key]
    return filled


def _with(query, **changes):
    """``query`` as a query string with ``changes`` applied (None removes a key)."""
    changed = query.copy()
    for key, value in changes.items():
        changed.pop(key, None)
        if value is not None:
            changed[key] = value
    return changed.urlencode()


def _count_label(count):
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def _tabs(view, counts):
    return [
        {
            "slug": v.slug,
            "label": v.label,
            "count": _count_label(counts[v.slug]) if v.counted else None,
            "query": "" if v.slug == "all" else QueryDict.fromkeys(["view"], v.slug).urlencode(),
            "current": v.slug == view.slug,
        }
        for v in SAVED_VIEWS
    ]


def _headers(query, key, descending):
    unpaged = dict.fromkeys(PAGE_KEYS)
    headers = []
    for label, slug, css in COLUMNS:
        header = {"label": label, "css": css, "sort": None, "url": None}
        if slug is not None:
            current = slug == key.slug
            if current:
                header["sort"] = "descending" if descending else "ascending"
                next_descending = not descending
            else:
                next_descending = slug in FIRST_DESCENDING
            header["url"] = "?" + _with(
                query, sort=("-" if next_descending else "") + slug, **unpaged
            )
            header["next"] = "descending" if next_descending else "ascending"
        headers.append(header)
    return headers


@login_required
def ticket_list_page(request):
    """The queue: ``?view=`` a saved view, the filters, ``?sort=`` a column, ``?after=`` /
    ``?before=`` a keyset cursor. An htmx request (the poll) gets the rows, tabs and pager."""
    return _render_list(request, request.GET)


def queue_tickets(*, user, query, now, tickets=None):
    """The queue's selection for ``query`` (the saved view, the filters, "only mine"):
    ``(view, filterset, queryset, mine)``; the queryset is empty when a filter is invalid.
    The list and its export (``tickets.bulk``) share it, so both hold the same tickets.
    ``tickets``: the base queryset (default ``ticket_list(user=user)``)."""
    view = saved_view(query.get("view"))
    base = ticket_list(user=user) if tickets is None else tickets
    in_view = base.filter(saved_view_q(view, user=user, now=now))
    filterset = TicketFilterSet(_filled(query), queryset=in_view)
    queryset = filterset.qs if filterset.is_valid() else in_view.none()
    mine = query.get("mine") == "1"
    if mine:
        queryset = queryset.filter(mine_q(user))
    return view, filterset, queryset, mine


def _render_list(request, query, *, bulk_form=None, status=200):
    user = request.user
    now = timezone.now()
    view, filterset, queryset, mine = queue_tickets(user=user, query=query, now=now)
    key, descending = parse_sort(query.get("sort"), default=view.default_sort)
    after = cursor_decode(query.get("after"), key)
    before = None if after is not None else cursor_decode(query.get("before"), key)
    page = keyset_page(
        queryset, key=key, descending=descending, size=PAGE_SIZE, after=after, before=before
    )
    counts = saved_view_counts(user=user)
    sort = ("-" if descending else "") + key.slug
    unpaged = dict.fromkeys(PAGE_KEYS)
    list_url = reverse("ticket-list-page")
    can_bulk = has_role(user, *DESK)
    if can_bulk and bulk_form is None:
        bulk_form = BulkActionForm(initial={"list_query": query.urlencode()}, auto_id="bulk_%s")
    # The poll's fragment holds the rows, not the bulk form: no owner menu to read for it.
    fragment = bool(request.htmx) and request.method == "GET"
    selected, owner_choices = set(), []
    if bulk_form is not None and not fragment:
        owner_choices = [(str(v), label) for v, label in bulk_form.fields["owner"].choices if v]
        if bulk_form.is_bound:
            selected = {value.split(":")[0] for value in bulk_form.data.getlist("ticket")}
    context = {
        "view": view,
        "tabs": _tabs(view, counts),
        "headers": _headers(query, key, descending),
        "sort": sort,
        "sort_choices": SORT_CHOICES,
        "filterset": filterset,
        "list_params": query,
        "mine": mine,
        "now": now,
        "tickets": page.rows,
        "next_query": _with(query, after=page.next_cursor, before=None)
        if page.next_cursor
        else None,
        "previous_query": _with(query, before=page.previous_cursor, after=None)
        if page.previous_cursor
        else None,
        "first_query": _with(query, **unpaged)
        if (page.previous_cursor or before or after)
        else None,
        "list_url": list_url,
        "poll_url": list_url + "?" + query.urlencode(),
        "poll_seconds": settings.TICKET_LIST_POLL_SECONDS,
        "reset_query": "" if view.slug == "all" else _with(QueryDict(), view=view.slug),
        "can_create": can_bulk,
        "can_export": has_role(user, *EXPORT_ROLES),
        "export_query": _with(query, **unpaged, sort=None),
        "bulk_form": bulk_form,
        "selected": selected,
        "owner_choices": owner_choices,
        "owner_selected": str(bulk_form["owner"].value() or "") if bulk_form else "",
    }
    template = "tickets/_ticket_list_poll.html" if fragment else "tickets/ticket_list.html"
    return render(request, template, context, status=status)


# --- Bulk actions ------------------------------------------------------------------------------

_DONE = {
    Action.TRANSFER_OWNER: gettext_lazy("%(number)s: transferred to %(owner)s."),
    Action.ESCALATE: gettext_lazy("%(number)s: escalated to level %(level)s."),
}
_REFUSED = {
    Action.TRANSFER_OWNER: gettext_lazy("%(number)s: not transferred. %(reason)s"),
    Action.ESCALATE: gettext_lazy("%(number)s: not escalated. %(reason)s"),
}


def _refusal(exc):
    """What a person reads when a service refuses one ticket (never an error code)."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if exc.code == "stale_version":
        return _(
            "Someone else changed it after the list was loaded; reload the list and try again."
        )
    return exc.message


def _bulk_apply(*, user, action, selected, owner, reason):
    """Call the action's service for each selected ticket, one at a time, each with the
    version the list showed. Returns ``[(done, message)]`` in the order of the list."""
    tickets = ticket_list(user=user).in_bulk([pk for pk, _version in selected])
    outcomes = []
    for pk, version in selected:
        ticket = tickets.get(pk)
        if ticket is None:
            outcomes.append(
                (False, _("A selected ticket no longer exists or is not yours to see."))
            )
            continue
        try:
            if action == Action.TRANSFER_OWNER:
                updated = services.ticket_transfer_owner(
                    ticket=ticket, actor=user, owner=owner, reason=reason, expected_version=version
                )
            else:
                updated = services.ticket_escalate(
                    ticket=ticket, actor=user, reason=reason, expected_version=version
                )
        except (ValidationError, ApplicationError) as exc:
            text = _REFUSED[action] % {"number": ticket.number, "reason": _refusal(exc)}
            outcomes.append((False, text))
        else:
            text = _DONE[action] % {
                "number": ticket.number,
                "owner": (owner.get_full_name() or owner.get_username()) if owner else "",
                "level": updated.escalation_level,
            }
            outcomes.append((True, text))
    return outcomes


@require_POST
@login_required
def ticket_bulk_page(request):
    """Transfer or escalate the selected tickets, then back to the same list with one line
    per ticket: what was done, and what was refused and why (the services decide, with the
    roles and states they always enforce)."""
    form = BulkActionForm(request.POST, auto_id="bulk_%s")
    query = QueryDict(request.POST.get("list_query", ""))
    if not form.is_valid():
        return _render_list(request, query, bulk_form=form, status=400)
    action = form.cleaned_data["action"]
    outcomes = _bulk_apply(
        user=request.user,
        action=action,
        selected=form.selected(),
        owner=form.cleaned_data["owner"],
        reason=form.cleaned_data["reason"],
    )
    done = sum(1 for ok, _text in outcomes if ok)
    refused = len(outcomes) - done
    summary = {
        Action.TRANSFER_OWNER: ngettext(
            "Transfer owner: %(done)s ticket done, %(refused)s refused.",
            "Transfer owner: %(done)s tickets done, %(refused)s refused.",
            done,
        ),
        Action.ESCALATE: ngettext(
            "Escalate: %(done)s ticket done, %(refused)s refused.",
            "Escalate: %(done)s tickets done, %(refused)s refused.",
            done,
        ),
    }[action] % {"done": done, "refused": refused}
    (messages.success if not refused else messages.warning)(request, summary)
    for ok, text in outcomes:
        (messages.success if ok else messages.error)(request, text)
    return redirect(reverse("ticket-list-page") + ("?" + query.urlencode() if query else ""))
