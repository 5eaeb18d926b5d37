"""Photos and documents on a ticket: the fault as the customer sent it, the work as the
technician left it, an invoice or a report."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import AttachmentKind, PhotoKind
from .core import ChoiceLabelsMixin, Ticket


def _stored_path(folder, filename):
    # A random name: the storage path tells nothing of the ticket, the customer or what the
    # uploader called the file (kept in ``original_name``), and cannot be guessed.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    today = timezone.localdate()
    return f"tickets/{folder}/{today:%Y/%m}/{uuid.uuid4().hex}.{extension}"


def attachment_path(instance, filename):
    return _stored_path("attachments", filename)


def thumbnail_path(instance, filename):
    return _stored_path("thumbnails", filename)


class TicketAttachmentQuerySet(models.QuerySet):
    def of_ticket(self, ticket):
        return self.filter(ticket=ticket).select_related("uploaded_by").order_by("created_at", "id")


class TicketAttachment(ChoiceLabelsMixin, models.Model):
    """One photo or document of a ticket, stored through Django's storage API.

    Written only by ``tickets.services.ticket_attachment_add`` after the bytes passed
    ``aftersales.uploads`` (type sniffed from the content, images re-encoded, so EXIF and
    GPS positions are gone); a photo gets a server-made ``thumbnail``. Never published
    under ``MEDIA_URL``: the ticket page's file view streams it to whoever may see the
    ticket. ``content_type`` is the sniffed type, ``size`` the stored bytes.
    """

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        related_name="attachments",
        db_index=False,  # served by ticketattachment_ticket_time
        verbose_name=_("ticket"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=thumbnail_path, max_length=200, blank=True
    )
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    photo_kind = models.CharField(
        _("photo of"),
        max_length=16,
        choices=PhotoKind.choices,
        blank=True,
        default="",
        db_default="",  # rows written by code that predates the column stay valid
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = TicketAttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")
        indexes = [
            models.Index(
                fields=["ticket", "created_at", "id"], name="ticketattachment_ticket_time"
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.original_name}"

    @property
    def is_photo(self):
        return self.kind == AttachmentKind.PHOTO
