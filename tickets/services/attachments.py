"""Photos and documents on a ticket: added by the desk or the technician on the job,
removed by whoever added them or a supervisor.

An attachment does not change the ticket, so neither write bumps ``Ticket.version``
(a technician adding a photo never makes the desk's open form stale). Both record a
timeline entry and an audit event in their transaction.
"""

import hashlib
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from aftersales.exceptions import ActionForbidden
from aftersales.roles import DESK_ROLES, Role, acting_user, has_role, roles_of
from aftersales.uploads import TICKET_ATTACHMENT, clean_upload, delete_on_commit, thumbnail_bytes
from audits.services import audit_record

from ..choices import OPEN_STATUSES, AttachmentKind, EventKind, PhotoKind
from ..models import TicketAttachment, TicketEvent

CAPTION_MAX_LENGTH = 200
ADDED, REMOVED = "attachment_add", "attachment_remove"


def _attach_refusal(*, ticket, actor):
    """Why ``actor`` may not add to ``ticket`` (None: they may). The desk may on any
    ticket; a technician on a job assigned to them while it is open; nobody else."""
    if actor is None or actor.is_superuser or roles_of(actor) & DESK_ROLES:
        return None
    if Role.TECHNICIAN in roles_of(actor):
        technician = ticket.technician
        if technician is None or technician.user_id != actor.pk:
            return _("This ticket is not assigned to you.")
        if ticket.status not in OPEN_STATUSES:
            return _("The job is over: photos can no longer be added.")
        return None
    return _("Your role may not add photos or documents to tickets.")


def ticket_attachment_allowed(*, ticket, actor):
    """Whether ``actor`` may add a photo or document to ``ticket`` now."""
    return _attach_refusal(ticket=ticket, actor=actor) is None


def ticket_attachment_removable(*, attachment, ticket, actor):
    """Whether ``actor`` may remove ``attachment`` of ``ticket``: a supervisor, or the one
    who uploaded it while they may still add to the ticket."""
    if actor is None or has_role(actor, Role.SUPERVISOR):
        return True
    return attachment.uploaded_by_id == actor.pk and ticket_attachment_allowed(
        ticket=ticket, actor=actor
    )


def _fit(raw, *, max_side):
    """The photo ``raw`` (re-encoded bytes that passed ``clean_upload``) scaled down so its
    longer side is at most ``max_side`` pixels, in its own format; unchanged if it fits."""
    with Image.open(io.BytesIO(raw)) as image:
        if max(image.size) <= max_side:
            return raw
        fmt = image.format
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format=fmt, **({"quality": 85, "optimize": True} if fmt == "JPEG" else {}))
        return out.getvalue()


def _stem(name):
    return name.rsplit(".", 1)[0]


@transaction.atomic
def ticket_attachment_add(*, ticket, actor, file, caption="", photo_kind=""):
    """Store ``file`` (an upload) on ``ticket`` with an optional ``caption``.

    Preconditions: ``actor`` may add (``ticket_attachment_allowed``: 403 ``forbidden``
    otherwise); the ticket holds fewer than ``TICKET_ATTACHMENTS_MAX`` attachments; the
    file passes the ``ticket_attachment`` upload rule (``aftersales.uploads``: at most
    ``UPLOAD_MAX_TICKET_ATTACHMENT_BYTES``, a PDF, PNG, JPEG or WebP by its content, an
    image that decodes) — else a ``ValidationError`` on ``file``. An image is stored
    re-encoded (no EXIF, no GPS position), scaled down to ``TICKET_PHOTO_MAX_SIDE``
    pixels on its longer side, with a JPEG thumbnail made here; ``photo_kind``
    (``PhotoKind``: before, after, rating plate) says what a photo shows.

    Writes the ``TicketAttachment``, an ``attachment`` timeline event (``attachment_add``)
    and a ``ticket.attachment_added`` audit event with the stored bytes' SHA-256. The
    files are written to storage before the row; if the transaction fails here they are
    deleted again.
    """
    refusal = _attach_refusal(ticket=ticket, actor=actor)
    if refusal:
        raise ActionForbidden(refusal)
    caption = (caption or "").strip()
    if len(caption) > CAPTION_MAX_LENGTH:
        raise ValidationError(
            {"caption": [_("At most %(n)s characters.") % {"n": CAPTION_MAX_LENGTH}]}
        )
    if TicketAttachment.objects.filter(ticket=ticket).count() >= settings.TICKET_ATTACHMENTS_MAX:
        raise ValidationError(
            {
                "file": [
                    _("This ticket already holds %(n)s photos and documents, the most allowed.")
                    % {"n": settings.TICKET_ATTACHMENTS_MAX}
                ]
            }
        )
    if photo_kind and photo_kind not in PhotoKind.values:
        raise ValidationError({"photo_kind": [_("Choose what the photo shows.")]})
    cleaned = clean_upload(file, kind=TICKET_ATTACHMENT, field="file")
    cleaned.seek(0)
    raw = cleaned.read()
    photo = cleaned.file_type.pillow_format is not None
    if photo:
        raw = _fit(raw, max_side=settings.TICKET_PHOTO_MAX_SIDE)
    attachment = TicketAttachment(
        ticket=ticket,
        kind=AttachmentKind.PHOTO if photo else AttachmentKind.DOCUMENT,
        original_name=cleaned.name,
        content_type=cleaned.content_type,
        size=len(raw),
        caption=caption,
        photo_kind=photo_kind if photo else "",
        uploaded_by=acting_user(actor),
    )
    stored = []
    try:
        attachment.file.save(cleaned.name, ContentFile(raw), save=False)
        stored.append(attachment.file.name)
        if photo:
            thumb = thumbnail_bytes(raw)
            attachment.thumbnail.save(f"{_stem(cleaned.name)}.jpg", ContentFile(thumb), save=False)
            stored.append(attachment.thumbnail.name)
        attachment.save(force_insert=True)
        facts = {
            "kind": attachment.kind,
            "name": attachment.original_name,
            "size": attachment.size,
            "content_type": attachment.content_type,
            **({"photo_kind": attachment.photo_kind} if attachment.photo_kind else {}),
        }
        TicketEvent.objects.create(
            ticket=ticket,
            kind=EventKind.ATTACHMENT,
            action=ADDED,
            actor=acting_user(actor),
            created_at=attachment.created_at,
            payload={"attachment": attachment.pk, **facts},
        )
        audit_record(
            actor=actor,
            action="ticket.attachment_added",
            obj=attachment,
            ticket=ticket,
            changes={**facts, "caption": caption, "sha256": hashlib.sha256(raw).hexdigest()},
        )
    except BaseException:
        for name in stored:
            attachment.file.storage.delete(name)
        raise
    return attachment


@transaction.atomic
def ticket_attachment_remove(*, attachment, actor):
    """Remove ``attachment`` from its ticket: the row now, its files once committed.

    Preconditions: ``actor`` may remove it (``ticket_attachment_removable``: 403
    ``forbidden`` otherwise). Writes an ``attachment`` timeline event
    (``attachment_remove``, the name and kind kept) and a ``ticket.attachment_removed``
    audit event. Removing one already gone does nothing.
    """
    ticket = attachment.ticket
    if not ticket_attachment_removable(attachment=attachment, ticket=ticket, actor=actor):
        raise ActionForbidden(_("Only a supervisor or the person who added it may remove it."))
    deleted, _rows = TicketAttachment.objects.filter(pk=attachment.pk).delete()
    if not deleted:
        return
    facts = {"kind": attachment.kind, "name": attachment.original_name}
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.ATTACHMENT,
        action=REMOVED,
        actor=acting_user(actor),
        payload={"attachment": attachment.pk, **facts},
    )
    audit_record(
        actor=actor,
        action="ticket.attachment_removed",
        object_type="tickets.ticketattachment",
        object_id=attachment.pk,
        ticket=ticket,
        changes=facts,
    )
    delete_on_commit(attachment.file)
    delete_on_commit(attachment.thumbnail)
