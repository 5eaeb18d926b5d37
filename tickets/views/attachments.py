"""A ticket's photos and documents: the upload and remove forms of the ticket page, and
the files themselves, streamed only to whoever may see the ticket.

Nothing is published under ``MEDIA_URL``: the file view finds the ticket through
``ticket_list(user=...)`` (what the user may not see is a 404, as for the page) and the
attachment among that ticket's own, so neither an id nor a storage name is enough.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from aftersales.exceptions import ActionForbidden
from aftersales.uploads import TICKET_ATTACHMENT, upload_handlers_for_page

from .. import forms, services
from ..models import TicketAttachment
from ..selectors import ticket_list
from .detail import attachment_form, render_detail


def _ticket(request, pk, *, page=False):
    tickets = ticket_list(user=request.user)
    return get_object_or_404(tickets.with_product() if page else tickets, pk=pk)


def _attachment(ticket, attachment_pk):
    return get_object_or_404(
        TicketAttachment.objects.select_related("ticket"), pk=attachment_pk, ticket=ticket
    )


def _back(ticket):
    return redirect(reverse("ticket-detail-page", args=[ticket.pk]) + "#attachments")


@csrf_exempt
@require_POST
def ticket_attachment_add_page(request, pk):
    """Upload one photo or document. A file over the limit is dropped while it streams
    and the page says so next to the field, with the caption kept; CSRF is checked once
    the upload handlers are in place (Django's way to change them per view)."""
    upload_handlers_for_page(request, kind=TICKET_ATTACHMENT)
    return _attachment_add(request, pk)


@csrf_protect
@login_required
def _attachment_add(request, pk):
    ticket = _ticket(request, pk, page=True)
    form = attachment_form(
        ticket,
        request.user,
        data=request.POST,
        files=request.FILES,
        refused="file" in getattr(request, "uploads_refused", ()),
    )
    if form is None:
        raise PermissionDenied
    if form.is_valid():
        try:
            attachment = services.ticket_attachment_add(
                ticket=ticket,
                actor=request.user,
                file=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except ActionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        else:
            if attachment.is_photo:
                text = _("Photo added: %(name)s.")
            else:
                text = _("Document added: %(name)s.")
            messages.success(request, text % {"name": attachment.original_name})
            return _back(ticket)
    return render_detail(request, ticket, upload_form=form, status=400)


@require_POST
@login_required
def ticket_attachment_remove_page(request, pk, attachment_pk):
    ticket = _ticket(request, pk)
    attachment = _attachment(ticket, attachment_pk)
    try:
        services.ticket_attachment_remove(attachment=attachment, actor=request.user)
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("Removed: %(name)s.") % {"name": attachment.original_name})
    return _back(ticket)


def _serve(field_file, *, content_type, filename, inline):
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=not inline, filename=filename, content_type=content_type
    )
    # The type is the one sniffed when the file arrived; never let a browser guess another,
    # and let nothing it renders run (a PDF viewer, an image opened on its own).
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@login_required
def ticket_attachment_file(request, pk, attachment_pk):
    """The stored file: a photo shown in the browser, a document downloaded."""
    attachment = _attachment(_ticket(request, pk), attachment_pk)
    return _serve(
        attachment.file,
        content_type=attachment.content_type,
        filename=attachment.original_name,
        inline=attachment.is_photo,
    )


@require_GET
@login_required
def ticket_attachment_thumbnail(request, pk, attachment_pk):
    """A photo's thumbnail (a JPEG made on upload); documents have none (404)."""
    attachment = _attachment(_ticket(request, pk), attachment_pk)
    if not attachment.thumbnail:
        raise Http404
    stem = attachment.original_name.rsplit(".", 1)[0]
    return _serve(
        attachment.thumbnail,
        content_type="image/jpeg",
        filename=f"{stem}-thumbnail.jpg",
        inline=True,
    )
