"""HTML adapter: the desk's ticket list and a ticket's page, on the same selectors as the API."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .filtersets import TicketFilterSet
from .selectors import can_see_phone, ticket_events, ticket_list
from .services import ticket_allowed_actions

PAGE_SIZE = 50


@login_required
def ticket_list_page(request):
    """Filtered list, newest first, keyset-paginated with ``?before=<id>`` (no COUNT(*))."""
    filterset = TicketFilterSet(request.GET, queryset=ticket_list(user=request.user))
    queryset = (
        filterset.qs.order_by("-id")
        if filterset.is_valid()
        else ticket_list(user=request.user).none()
    )
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
            "tickets": [(t, t.sla_state(now)) for t in rows],
            "next_before": rows[-1].id if has_more else None,
            "query": query.urlencode(),
        },
    )


@login_required
def ticket_detail_page(request, pk):
    ticket = get_object_or_404(ticket_list(user=request.user), pk=pk)
    customer = ticket.customer
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "sla_state": ticket.sla_state(),
            "phone": customer.phone
            if can_see_phone(request.user, ticket=ticket)
            else customer.masked_phone,
            "events": ticket_events(ticket=ticket),
            "allowed_actions": ticket_allowed_actions(ticket=ticket, actor=request.user),
        },
    )
