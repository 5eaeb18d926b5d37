"""The signed work order (派工单) as a download: for whoever may see the ticket (the desk,
supervisors, the assigned technician), and for the customer by a signed link.

The PDF is made by a worker after the confirmation commits; if it is not there yet (the
broker was down), the first download makes it through the same idempotent service.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import services
from ..public import LinkRefused, work_order_link_ticket
from ..selectors import ticket_list, work_order_attachment
from .attachments import _serve


def work_order_response(ticket):
    attachment = work_order_attachment(ticket) or services.work_order_store(ticket_id=ticket.pk)
    if attachment is None:  # not signed off: there is no work order
        raise Http404
    return _serve(
        attachment.file,
        content_type="application/pdf",
        filename=attachment.original_name,
        inline=False,
    )


@require_GET
@login_required
def ticket_work_order_file(request, pk):
    """Staff: the work order of a ticket they may see (else 404, like any other ticket)."""
    ticket = get_object_or_404(
        ticket_list(user=request.user).select_related("customer", "technician", "product__model"),
        pk=pk,
    )
    return work_order_response(ticket)


@never_cache
@require_GET
def public_work_order_file(request, number, token):
    """The customer: their signed work order by the link on the status page (404 for a
    tampered, expired or another ticket's link: one answer)."""
    try:
        ticket = work_order_link_ticket(number=number, token=token)
    except LinkRefused as exc:
        raise Http404 from exc
    return work_order_response(ticket)
