"""E-mail intake (受理 by e-mail): the mailboxes' new messages become tickets or replies.

``mailboxes_poll`` (the beat task) polls every enabled mailbox; ``mailbox_poll`` signs
in to one with imap-tools, fetches the messages not yet processed and hands each to
``inbound_email_receive``, which acts on it in one transaction:

- an auto-reply, a bounce, bulk mail or one of our own notices is recorded as ignored;
- a message whose subject names a ticket of the sender (or that answers a message
  already taken) is added to that ticket as a customer contact;
- anything else is a new ticket (channel ``email``), through ``ticket_intake`` like the
  console's, for the customer with the sender's address, registered when new;
- the attachments go through ``ticket_attachment_add`` (its size and type limits); a
  refused one is listed on the record, and the message itself stays on the server.

Why no duplicate can arise: the message's Message-ID is inserted (unique) as the first
write of that transaction. A crash before the commit rolls the ticket back with it, and
the message, not yet marked on the server, is fetched again by the next poll; a crash
after the commit but before the message is marked leaves a known Message-ID, so the next
poll only marks it. Only then, outside any transaction, is the message moved to the
processed folder (or flagged). A second poll overlapping the first waits on the same
unique key and finds the message taken.
"""

import dataclasses
import datetime
import logging
import socket
from imaplib import IMAP4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import MailboxLoginError, UnexpectedCommandStatusError

from audits.services import audit_record

from ..choices import (
    Channel,
    ContactVia,
    EventKind,
    InboundOutcome,
    InboundReason,
    MailboxSecurity,
)
from ..inbound import has_chinese, mail_read, ticket_number_in
from ..models import Customer, InboundEmail, Mailbox, Ticket, TicketEvent
from .attachments import ticket_attachment_add
from .intake import ticket_intake
from .mailboxes import MailboxPasswordMissing, mailbox_password

logger = logging.getLogger(__name__)

# The IMAP keyword a processed message carries (with \Seen), moved or not: the poll
# fetches only messages without it, so a human reading the mailbox changes nothing.
PROCESSED_KEYWORD = "$Aftersales"
EMAIL_REPLY = "email_reply"
# Processed messages are marked on the server this many at a time (two IMAP commands per
# chunk rather than per message); a crash before the mark only leaves known Message-IDs
# for the next poll to mark.
MARK_CHUNK = 50
SUBJECT_MAX_CHARS = 500


@dataclasses.dataclass
class PollResult:
    """What one poll of one mailbox did: counts by outcome, and the error that ended it."""

    mailbox: str
    fetched: int = 0
    created: int = 0
    replies: int = 0
    ignored: int = 0
    known: int = 0
    failed: int = 0
    error: str = ""


# --- One message --------------------------------------------------------------------------


def _reply_target(mail):
    """The ticket this message answers, and why not when it names one it may not reach.

    A ticket number in the subject counts only when the sender is that ticket's
    customer (by address): anyone can type a number, and a stranger's mail must not
    land on someone else's ticket. Failing that, a message it answers (In-Reply-To,
    References) that we took for a ticket of the same sender.
    """
    number = ticket_number_in(mail.subject, prefix=settings.TICKET_NUMBER_PREFIX)
    if number:
        ticket = Ticket.objects.select_related("customer").filter(number=number).first()
        if (
            ticket
            and ticket.customer.erased_at is None
            and (ticket.customer.email.lower() == mail.sender)
        ):
            return ticket, ""
        if ticket:
            return None, InboundReason.OTHER_SENDER
    if mail.references:
        earlier = (
            InboundEmail.objects.filter(
                message_id__in=mail.references[:20], ticket__isnull=False, sender=mail.sender
            )
            .select_related("ticket__customer")
            .order_by("-received_at")
            .first()
        )
        if earlier and earlier.ticket.customer.erased_at is None:
            return earlier.ticket, ""
    return None, ""


def _customer_for(mail):
    """The customer with the sender's address (the newest, when several share it), or the
    fields to register them with (name from the From header, else the address)."""
    customer = Customer.objects.active().filter(email__iexact=mail.sender).order_by("-id").first()
    if customer is not None:
        return customer, None
    name = mail.sender_name or mail.sender.split("@", 1)[0]
    language = "zh-hans" if has_chinese(mail.sender_name, mail.subject, mail.text) else None
    return None, {"name": name[:200], "email": mail.sender, "language": language}


def _description(mail):
    parts = [part for part in (mail.subject, mail.text) if part]
    if not parts:
        return _("(An e-mail without subject or text from %(sender)s.)") % {"sender": mail.sender}
    return "\n\n".join(parts)


def _attach(*, ticket, mail):
    """Store each attachment on ``ticket`` through the attachment service; the refused
    ones come back as ``{name, size, reason}`` (the upload rule's message)."""
    refused = []
    for attachment in mail.attachments:
        try:
            # A savepoint each: a refusal must not spoil the message's transaction.
            with transaction.atomic():
                ticket_attachment_add(
                    ticket=ticket,
                    actor=None,
                    file=ContentFile(attachment.payload, name=attachment.name),
                )
        except ValidationError as exc:
            refused.append(
                {
                    "name": attachment.name[:200],
                    "size": len(attachment.payload),
                    "content_type": attachment.content_type,
                    "reason": " ".join(exc.messages)[:500],
                }
            )
    return refused


def _reply_add(*, ticket, mail, record):
    """The reply as a ``contact`` timeline event (``email_reply``, via e-mail) and a
    ``ticket.email_received`` audit event. It leaves status, version and the SLA clock
    alone: the customer writing is not the service centre responding."""
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.CONTACT,
        action=EMAIL_REPLY,
        payload={
            "via": ContactVia.EMAIL,
            "note": _description(mail),
            "inbound_email": record.pk,
        },
    )
    audit_record(
        actor=None,
        action="ticket.email_received",
        obj=ticket,
        ticket=ticket,
        changes={"inbound_email": record.pk, "message_id": record.message_id},
    )


@transaction.atomic
def inbound_email_receive(*, mailbox, raw, uid=""):
    """Act on one message ``raw`` (its bytes) of ``mailbox``; None if it was taken before.

    Writes, in one transaction: the ``InboundEmail`` record first (its unique Message-ID
    is the guard against duplicates), then either nothing more (ignored: an
    ``email.ignored`` audit event), a ``contact`` event on the ticket it answers, or a
    new ticket through ``ticket_intake`` (the customer found by address or registered;
    owner the mailbox's owner; the intake's own events), and the attachments through
    ``ticket_attachment_add``. Refusals of the intake (``IntakeRejected``) propagate and
    roll everything back, like any other failure, so the message is tried again.
    """
    mail = mail_read(raw)
    record = InboundEmail(
        mailbox=mailbox,
        message_id=mail.message_id,
        uid=str(uid or "")[:32],
        sender=mail.sender,
        subject=mail.subject[:SUBJECT_MAX_CHARS],
        sent_at=mail.sent_at,
        outcome=InboundOutcome.IGNORED,
    )
    try:
        with transaction.atomic():
            record.save(force_insert=True)
    except IntegrityError:
        return None
    reason = mail.ignore_reason
    if not reason and mail.sender == mailbox.username.lower():
        reason = InboundReason.OWN_MESSAGE
    if reason:
        record.reason = reason
        record.save(update_fields=["reason"])
        audit_record(
            actor=None,
            action="email.ignored",
            obj=record,
            changes={"message_id": record.message_id, "reason": reason},
        )
        return record
    ticket, record.reason = _reply_target(mail)
    if ticket is not None:
        record.outcome = InboundOutcome.REPLY
        _reply_add(ticket=ticket, mail=mail, record=record)
    else:
        customer, new_customer = _customer_for(mail)
        ticket = ticket_intake(
            actor=None,
            customer=customer,
            new_customer=new_customer,
            owner=mailbox.owner,
            channel=Channel.EMAIL,
            category=mailbox.category,
            description=_description(mail),
        )
        record.outcome = InboundOutcome.CREATED
    record.ticket = ticket
    record.refused_attachments = _attach(ticket=ticket, mail=mail)
    record.save(update_fields=["outcome", "reason", "ticket", "refused_attachments"])
    return record


# --- One mailbox ----------------------------------------------------------------------------


def _lease(mailbox, now):
    """Take the mailbox for one poll (compare-and-swap on its lease); False when another
    poll holds it. The lease lapses by itself, so a killed worker blocks nobody for long."""
    until = now + datetime.timedelta(seconds=settings.EMAIL_INTAKE_LEASE_SECONDS)
    return bool(
        Mailbox.objects.filter(pk=mailbox.pk, enabled=True)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
        .update(poll_lease_until=until)
    )


class _Fetched(MailMessage):
    """A fetched message kept as its bytes (``mail_read`` parses them once)."""

    def __init__(self, fetch_data):
        self.raw, self._raw_uid_data, self._raw_flag_data = self._get_message_data_parts(fetch_data)


def _connect(mailbox):
    timeout = settings.EMAIL_INTAKE_TIMEOUT_SECONDS
    kind = {
        MailboxSecurity.SSL: MailBox,
        MailboxSecurity.STARTTLS: MailBoxStartTls,
        MailboxSecurity.NONE: MailBoxUnencrypted,
    }[mailbox.security]
    client = kind(mailbox.host, mailbox.port, timeout=timeout)
    return client.login(mailbox.username, mailbox_password(mailbox), initial_folder=mailbox.folder)


def _mark(client, mailbox, uids):
    """Mark processed messages on the server: the keyword and \\Seen, then moved to the
    processed folder when the mailbox has one. Two IMAP commands for the whole list."""
    if not uids:
        return
    client.flag(uids, (PROCESSED_KEYWORD, r"\Seen"), True)
    if mailbox.processed_folder:
        client.move(uids, mailbox.processed_folder)


# Network and protocol failures end a poll quietly (recorded on the mailbox, tried again
# at the next beat); anything else is a bug and is raised.
IMAP_ERRORS = (
    OSError,
    socket.timeout,
    IMAP4.error,
    MailboxLoginError,
    UnexpectedCommandStatusError,
    MailboxPasswordMissing,
)


def mailbox_poll(*, mailbox, limit=None):
    """Poll ``mailbox`` once: at most ``limit`` (``EMAIL_INTAKE_BATCH``) messages not yet
    processed, oldest first, each through ``inbound_email_receive``, then marked
    (``MARK_CHUNK`` at a time).

    Runs outside any transaction (IMAP is slow and remote; each message commits on its
    own). A message whose handling fails is left unmarked and counted as failed, and the
    batch goes on: it is tried again at the next poll. A connection or sign-in failure
    ends the poll and is stored in ``last_error``. Returns a ``PollResult``; a mailbox
    another poll holds is skipped (``error`` says so).
    """
    result = PollResult(mailbox=mailbox.name)
    now = timezone.now()
    if not _lease(mailbox, now):
        result.error = "busy"
        return result
    limit = limit or settings.EMAIL_INTAKE_BATCH
    try:
        with _connect(mailbox) as client:
            if mailbox.processed_folder and not client.folder.exists(mailbox.processed_folder):
                client.folder.create(mailbox.processed_folder)
            client.email_message_class = _Fetched
            processed = []  # committed, not yet marked on the server
            # One message in memory at a time (bulk=False): attachments can be large.
            for message in client.fetch(
                AND(no_keyword=PROCESSED_KEYWORD), mark_seen=False, limit=limit, bulk=False
            ):
                result.fetched += 1
                try:
                    record = inbound_email_receive(
                        mailbox=mailbox, raw=message.raw, uid=message.uid
                    )
                except Exception:
                    logger.exception("E-mail intake: message %s of %s failed", message.uid, mailbox)
                    result.failed += 1
                    continue
                _count(result, record)
                processed.append(message.uid)
                if len(processed) >= MARK_CHUNK:
                    _mark(client, mailbox, processed)
                    processed = []
            _mark(client, mailbox, processed)
    except IMAP_ERRORS as exc:
        logger.warning("E-mail intake: polling %s failed: %s", mailbox, exc)
        result.error = f"{type(exc).__name__}: {exc}"[:1000]
    finally:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            poll_lease_until=None, last_polled_at=timezone.now(), last_error=result.error
        )
    return result


def _count(result, record):
    if record is None:
        result.known += 1
    elif record.outcome == InboundOutcome.CREATED:
        result.created += 1
    elif record.outcome == InboundOutcome.REPLY:
        result.replies += 1
    else:
        result.ignored += 1


def mailboxes_poll(*, limit=None):
    """Poll every enabled mailbox once (the beat task); nothing when none is set up.
    Returns a ``PollResult`` per mailbox polled."""
    return [
        mailbox_poll(mailbox=mailbox, limit=limit)
        for mailbox in Mailbox.objects.filter(enabled=True).select_related("owner").order_by("pk")
    ]
