"""The signed work order (派工单): the PDF of a confirmed job, the basis for settlement.

``ticket_confirm`` (accepted) queues ``work_order_generate_task`` after its transaction
commits; the task calls ``work_order_store``, which renders ``tickets/work_order.html`` in
the customer's language with WeasyPrint (outside any lock: rendering takes about a
second) and stores it as a ``TicketAttachment`` of kind document, with its timeline entry
and audit event. It is idempotent (a second call, a replayed task or the download view's
fallback when the broker was down, finds the stored one and does nothing).
"""

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aftersales.platform.queue import publish_on_commit
from audits.services import audit_record

from ..choices import AttachmentKind, EventKind, TicketStatus
from ..models import Ticket, TicketAttachment, TicketEvent
from ..selectors import work_order_attachment, work_order_summary

WORK_ORDER_TASK = "tickets.tasks.work_order_generate_task"
SIGNED_STATUSES = (TicketStatus.CLOSED, TicketStatus.FOLLOWED_UP)


def work_order_filename(ticket):
    return f"work-order-{ticket.number}.pdf"


def work_order_html(ticket):
    """The work order's HTML, in the customer's language."""
    language = ticket.customer.language or settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string(
            "tickets/work_order.html",
            {"ticket": ticket, "summary": work_order_summary(ticket), "now": timezone.now()},
        )


def weasyprint():
    """The WeasyPrint module, imported on first use (loading pango costs ~0.3 s a
    process) and without its side effect: its import sets Pillow's
    ``LOAD_TRUNCATED_IMAGES``, which would let a truncated photo or signature through
    ``aftersales.uploads`` / ``signature_clean`` in this process. Reset here, always."""
    import weasyprint as module
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return module


def work_order_pdf(ticket):
    """The work order as PDF bytes (WeasyPrint, CJK through the WenQuanYi/Noto fonts)."""
    wp = weasyprint()
    # Only the signature's data URL is ever loaded: no file, no network, whatever a
    # ticket's text holds (it is escaped anyway).
    fetcher = wp.URLFetcher(allowed_protocols={"data"})
    return wp.HTML(string=work_order_html(ticket), url_fetcher=fetcher).write_pdf()


def _ticket(ticket_id):
    return Ticket.objects.select_related("customer", "technician", "product__model").get(
        pk=ticket_id
    )


def work_order_store(*, ticket_id):
    """Render and store the signed work order of ``ticket_id`` once; returns the
    attachment (None when the ticket is not signed off: nothing to settle)."""
    ticket = _ticket(ticket_id)
    if ticket is None:  # a message outliving its ticket's database (tests, restores)
        return None
    existing = work_order_attachment(ticket)
    if existing is not None or ticket.status not in SIGNED_STATUSES:
        return existing
    raw = work_order_pdf(ticket)  # outside the transaction and its lock
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        existing = work_order_attachment(ticket)
        if existing is not None:
            return existing
        attachment = TicketAttachment(
            ticket=ticket,
            kind=AttachmentKind.DOCUMENT,
            original_name=work_order_filename(ticket),
            content_type="application/pdf",
            size=len(raw),
            caption=WORK_ORDER_CAPTION,
        )
        attachment.file.save(attachment.original_name, ContentFile(raw), save=False)
        name = attachment.file.name
        try:
            attachment.save(force_insert=True)
            facts = {
                "kind": attachment.kind,
                "name": attachment.original_name,
                "size": attachment.size,
                "content_type": attachment.content_type,
                "work_order": True,
            }
            TicketEvent.objects.create(
                ticket=ticket,
                kind=EventKind.ATTACHMENT,
                action="attachment_add",
                actor=None,
                created_at=attachment.created_at,
                payload={"attachment": attachment.pk, **facts},
            )
            audit_record(
                actor=None,
                action="ticket.work_order_stored",
                obj=attachment,
                ticket=ticket,
                changes={**facts, "sha256": hashlib.sha256(raw).hexdigest()},
            )
        except Exception:
            attachment.file.storage.delete(name)
            raise
    return attachment


def work_order_queue(*, ticket):
    """After the confirmation commits: have a worker render and store the work order."""
    publish_on_commit(WORK_ORDER_TASK, ticket.pk)


# The caption marks the attachment as the work order (the selector finds it by it).
WORK_ORDER_CAPTION = "work_order"
