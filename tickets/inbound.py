"""Reading an e-mail for the intake: pure functions over a message's bytes, no database.

``mail_read`` turns an RFC 5322 message into an ``InboundMail``: the sender, the subject
and text decoded (RFC 2047 words such as ``=?gb2312?b?...?=``, any charset), HTML-only
mail turned into text, the attachments, and ``ignore_reason`` when it must never become
a ticket (an auto-reply, a bounce, bulk mail, one of our own notifications).
``tickets.services.email_intake`` decides what to do with it.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from imap_tools import MailMessage

from .choices import InboundReason

# A ticket's text and a reply's note keep at most this many characters of the mail.
TEXT_MAX_CHARS = 20_000
MESSAGE_ID_MAX_CHARS = 998  # RFC 5322's line limit
ADDRESS_MAX_CHARS = 254  # RFC 5321's path limit, and Customer.email's length
# Senders that are mail systems, never people (RFC 5321 §4.5.1, RFC 2142).
SYSTEM_SENDERS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "noreply-dmarc"})
# The header our own outgoing notifications carry (aftersales.platform.notifications).
OWN_HEADER = "x-aftersales-notification"


@dataclass(frozen=True)
class InboundAttachment:
    """One attachment as the message carries it (nothing checked yet)."""

    name: str
    content_type: str
    payload: bytes


@dataclass(frozen=True)
class InboundMail:
    """What the intake needs of one message."""

    message_id: str
    sender: str  # the address, lower-cased; "" when there is none usable
    sender_name: str
    subject: str
    text: str
    sent_at: datetime.datetime | None
    references: tuple[str, ...] = ()  # In-Reply-To and References, newest first
    attachments: tuple[InboundAttachment, ...] = field(default=())
    ignore_reason: str = ""


def _first(headers, name):
    values = headers.get(name) or ()
    return str(values[0]).strip() if values else ""


def message_ids_in(value):
    """The ``<id>`` tokens of a Message-ID, In-Reply-To or References header."""
    return re.findall(r"<[^<>\s]+>", value or "")


def message_id_of(headers, raw):
    """The message's Message-ID, or a stable stand-in made from its bytes when it has none
    (so the same message fetched twice still has one identity)."""
    ids = message_ids_in(_first(headers, "message-id"))
    if ids and len(ids[0]) <= MESSAGE_ID_MAX_CHARS:
        return ids[0]
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@aftersales.invalid>"


def ignore_reason(headers, sender, content_type=""):
    """Why a message with these ``headers`` (lower-case names → values) from ``sender``
    must not be acted on, or "" — the rules of RFC 3834 (``Auto-Submitted``), the
    ``Precedence`` and ``X-Autoreply`` conventions, bounces (RFC 3464 reports, a null
    return path, mailer-daemon and postmaster), mailing lists and our own notices."""
    if OWN_HEADER in headers:
        return InboundReason.OWN_MESSAGE
    local = sender.rsplit("@", 1)[0] if sender else ""
    return_path = _first(headers, "return-path")
    if (
        local in SYSTEM_SENDERS
        or return_path == "<>"
        or (content_type == "multipart/report" and "delivery-status" in _content_params(headers))
    ):
        return InboundReason.BOUNCE
    auto = _first(headers, "auto-submitted").lower()
    if auto and auto != "no":
        return InboundReason.AUTO_REPLY
    if any(name in headers for name in ("x-autoreply", "x-autorespond", "x-autoresponder")):
        return InboundReason.AUTO_REPLY
    precedence = _first(headers, "precedence").lower()
    if precedence == "auto_reply":
        return InboundReason.AUTO_REPLY
    if precedence in ("bulk", "junk", "list") or "list-id" in headers:
        return InboundReason.BULK
    if not sender:
        return InboundReason.NO_SENDER
    return ""


def _content_params(headers):
    return _first(headers, "content-type").lower()


def ticket_number_in(subject, *, prefix):
    """The ticket number (``AS-2026-000123``) a subject mentions, upper-cased, or None."""
    match = re.search(rf"(?<![\w-]){re.escape(prefix)}-\d{{4}}-\d{{6}}(?!\d)", subject or "", re.I)
    return match.group(0).upper() if match else None


def has_chinese(*texts):
    return any(re.search(r"[\u3400-\u9fff]", text or "") for text in texts)


class _TextExtractor(HTMLParser):
    """The readable text of an HTML body: no markup, scripts or styles; blocks on lines."""

    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "td", "blockquote", "pre", "table", "ul", "ol"}
        | {"h1", "h2", "h3", "h4", "h5", "h6", "section", "article"}
    )
    HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_text(html):
    """Plain text of an HTML mail body, one line per block, blank runs collapsed."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    lines = [
        re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in "".join(parser.parts).split("\n")
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _sender(message):
    """The From address (lower-cased, valid) and display name, or ("", "")."""
    values = message.from_values
    address = (values.email if values else "").strip().lower()
    name = (values.name if values else "").strip()
    try:
        validate_email(address)
    except ValidationError:
        return "", name
    if len(address) > ADDRESS_MAX_CHARS:
        return "", name
    return address, name


def mail_read(raw):
    """The ``InboundMail`` of the message ``raw`` (bytes as the server holds them)."""
    message = MailMessage.from_bytes(raw)
    headers = message.headers
    sender, sender_name = _sender(message)
    text = (message.text or "").strip() or html_text(message.html)
    sent_at = message.date
    if sent_at.year <= 1900 or sent_at.tzinfo is None:  # imap_tools' "no valid Date"
        sent_at = None
    references = [
        *message_ids_in(_first(headers, "in-reply-to")),
        *reversed(message_ids_in(_first(headers, "references"))),
    ]
    attachments = tuple(
        InboundAttachment(
            name=attachment.filename or "attachment",
            content_type=attachment.content_type,
            payload=attachment.payload or b"",
        )
        for attachment in message.attachments
        if attachment.content_type != "message/rfc822"
    )
    return InboundMail(
        message_id=message_id_of(headers, raw),
        sender=sender,
        sender_name=sender_name[:200],
        subject=re.sub(r"\s+", " ", message.subject or "").strip(),
        text=text[:TEXT_MAX_CHARS],
        sent_at=sent_at,
        references=tuple(dict.fromkeys(references)),
        attachments=attachments,
        ignore_reason=ignore_reason(headers, sender, message.obj.get_content_type()),
    )
