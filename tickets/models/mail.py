"""E-mail intake: the IMAP mailboxes polled for requests and every message taken from them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import InboundOutcome, InboundReason, MailboxSecurity, TicketCategory


class Mailbox(models.Model):
    """An IMAP mailbox the beat task polls (``tickets.services.email_intake``).

    The password is either the environment variable named in ``password_env`` (read at
    each poll, never stored) or stored here encrypted with the master key
    (``audits.personal.master_key``); nothing shows it. New messages of ``folder`` become
    tickets of ``category`` owned by ``owner`` (the first-contact owner, 首问负责制);
    each processed message is moved to ``processed_folder``, or only flagged \\Seen and
    ``$Aftersales`` when that is blank. ``poll_lease_until`` keeps two overlapping polls
    off the same mailbox; the outcome of the last poll is kept in ``last_polled_at`` /
    ``last_error``.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    host = models.CharField(_("IMAP host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("connection security"),
        max_length=16,
        choices=MailboxSecurity.choices,
        default=MailboxSecurity.SSL,
    )
    username = models.CharField(_("user name"), max_length=255)
    password_env = models.CharField(
        _("password environment variable"),
        max_length=100,
        blank=True,
        help_text=_("Read the password from this environment variable at each poll."),
    )
    # Fernet token (master key); blank when the password comes from the environment.
    password_encrypted = models.TextField(_("stored password"), blank=True, editable=False)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    processed_folder = models.CharField(
        _("processed folder"),
        max_length=255,
        blank=True,
        default="Processed",
        help_text=_("Processed messages are moved here; leave blank to only flag them."),
    )
    category = models.CharField(
        _("ticket category"),
        max_length=32,
        choices=TicketCategory.choices,
        default=TicketCategory.REPAIR,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner of new tickets"),
    )
    poll_lease_until = models.DateTimeField(
        _("polled until"), null=True, blank=True, editable=False
    )
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self):
        return self.name


class InboundEmail(models.Model):
    """One message taken from a mailbox, recorded in the transaction that acted on it.

    ``message_id`` (the Message-ID header, or a digest of the raw message when it has
    none) is unique: a message fetched again after a crash, a second poll, or the same
    message delivered to two mailboxes is recognised and acts only once. ``outcome``
    says what it did: a new ``ticket``, a reply added to ``ticket``, or ignored (an
    auto-reply, a bounce, an unusable sender); ``refused_attachments`` lists the
    attachments the upload rules turned away (name, size, reason).
    """

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, related_name="messages", verbose_name=_("mailbox")
    )
    message_id = models.CharField(_("Message-ID"), max_length=998)
    uid = models.CharField(_("IMAP UID"), max_length=32, blank=True)
    sender = models.CharField(_("sender"), max_length=320, blank=True)
    subject = models.TextField(_("subject"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=InboundOutcome.choices)
    reason = models.CharField(_("reason"), max_length=64, choices=InboundReason.choices, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ticket"),
    )
    refused_attachments = models.JSONField(_("refused attachments"), default=list, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        constraints = [
            models.UniqueConstraint(fields=["message_id"], name="inboundemail_message_id_unique")
        ]
        indexes = [
            models.Index(fields=["mailbox", "received_at"], name="inboundemail_mailbox_time"),
            models.Index(fields=["ticket"], name="inboundemail_ticket"),
        ]

    def __str__(self):
        return self.message_id
