"""The ticket queue (工单列表)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from aftersales.roles import has_role

from ..filtersets import TicketFilterSet
from ..selectors import ticket_list
from .common import DESK, PAGE_SIZE


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


@login_required
def ticket_list_page(request):
    """Filtered list, newest first, keyset-paginated with ``?before=<id>`` (no COUNT(*))."""
    visible = ticket_list(user=request.user)
    filterset = TicketFilterSet(_filled(request.GET), queryset=visible)
    queryset = filterset.qs.order_by("-id") if filterset.is_valid() else visible.none()
    mine = request.GET.get("mine") == "1"
    if mine:
        queryset = queryset.filter(Q(owner=request.user) | Q(technician__user=request.user))
    before = request.GET.get("before", "")
    if before.isdigit():
        queryset = queryset.filter(id__lt=int(before))
    rows = list(queryset[: PAGE_SIZE + 1])
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("before", None)
    now = timezone.now()
    return render(
        request,
        "tickets/ticket_list.html",
        {
            "filterset": filterset,
            "mine": mine,
            "tickets": [(t, t.sla_state(now)) for t in rows],
            "next_before": rows[-1].id if has_more else None,
            "paged": before.isdigit(),
            "query": query.urlencode(),
            "can_create": has_role(request.user, *DESK),
        },
    )
