"""What the customer's own pages read: signed links, the status look-up, the plain timeline.

The customer has no account. Two ways in:

* a **signed link** (``django.core.signing``), one ticket and one purpose each — the salt
  names the purpose, so a confirmation link is no survey link — and bound to the step it
  was sent for (the completion, or the close): once the ticket has moved on the link says
  it was used, a link older than ``PUBLIC_LINK_MAX_AGE_DAYS`` has expired, and a link whose
  ticket is not the one in the address (another ticket's link) or that does not verify
  is refused;
* the **status look-up**: ticket number + the last four digits of the phone, rate-limited
  per client address and per ticket number (cache counters that fail open, like the API
  throttles), with one answer for an unknown number and a wrong phone, and the same work
  done for both (one query, one constant-time comparison).

Nothing here shows more than the ticket needs: the status as a customer-facing label,
the steps' dates, the visit window, the technician's name and employee number.
"""

import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import TicketStatus
from .models import Ticket

logger = logging.getLogger(__name__)

CONFIRM, SURVEY = "confirm", "survey"
PURPOSES = (CONFIRM, SURVEY)
# The page each purpose opens.
URL_NAMES = {CONFIRM: "public-confirm-page", SURVEY: "public-survey-page"}

# The customer's words for each status (the desk's labels speak of triage and dispatch).
STATUS_LABELS = {
    TicketStatus.NEW: _("Request received"),
    TicketStatus.TRIAGED: _("Being arranged"),
    TicketStatus.DISPATCHED: _("Technician visit booked"),
    TicketStatus.ON_SITE: _("Technician at work"),
    TicketStatus.AWAITING_CONFIRMATION: _("Work done: waiting for your confirmation"),
    TicketStatus.CLOSED: _("Completed"),
    TicketStatus.FOLLOWED_UP: _("Completed"),
    TicketStatus.CANCELLED: _("Cancelled"),
}
# (label, ticket field) of each customer-relevant step, in order.
STEPS = (
    (_("Request received"), "created_at"),
    (_("Request assessed"), "triaged_at"),
    (_("Technician visit booked"), "dispatched_at"),
    (_("Technician arrived"), "on_site_at"),
    (pgettext_lazy("customer step", "Work done"), "completed_at"),
    (_("You confirmed the work"), "closed_at"),
    (_("Survey answered"), "followed_up_at"),
    (_("Request cancelled"), "cancelled_at"),
)
# Only the columns the pages show (and the link checks read).
PUBLIC_FIELDS = (
    "id",
    "number",
    "status",
    "appointment_start",
    "appointment_end",
    "satisfaction",
    "follow_up_satisfaction",
    "confirmation_comment",
    "work_done",
    "resolution",
    "customer__language",
    "customer__phone",
    "customer__erased_at",
    "product__model__name",
    "technician__full_name",
    "technician__employee_no",
    *(name for _label, name in STEPS),
)


class LinkRefused(Exception):
    """A link that opens nothing: ``reason`` is ``invalid`` (403: tampered, another ticket's,
    another purpose's), ``expired`` (410) or ``used`` (410: the ticket has moved on)."""

    def __init__(self, reason, ticket=None):
        super().__init__(reason)
        self.reason = reason
        self.ticket = ticket


def _salt(purpose):
    return f"tickets.public.{purpose}"


def _stamp(ticket, purpose):
    """The step a link is bound to: the completion for a confirmation, the close for a survey
    (a rejected and redone job gets a new link; the old one reads as used)."""
    moment = ticket.completed_at if purpose == CONFIRM else ticket.closed_at
    return int(moment.timestamp() * 1000) if moment else None


def public_link_token(ticket, purpose):
    """The signed token of ``purpose`` for ``ticket``'s current step."""
    assert purpose in PURPOSES
    return signing.dumps([ticket.pk, _stamp(ticket, purpose)], salt=_salt(purpose))


def public_link_url(ticket, purpose):
    """The absolute link a message carries (``PUBLIC_SITE_URL`` + the page's path)."""
    path = reverse(URL_NAMES[purpose], args=[ticket.number, public_link_token(ticket, purpose)])
    return settings.PUBLIC_SITE_URL.rstrip("/") + path


def public_tickets():
    """The tickets as the customer's pages read them: only ``PUBLIC_FIELDS``, one query."""
    return Ticket.objects.select_related("customer", "product__model", "technician").only(
        *PUBLIC_FIELDS
    )


def public_link_ticket(*, number, token, purpose):
    """The ticket ``token`` opens for ``purpose`` under ``number``, or ``LinkRefused``.

    Open means: the signature verifies with the purpose's salt, it is younger than
    ``PUBLIC_LINK_MAX_AGE_DAYS``, it names the ticket with this number, and that ticket is
    still at the step the link was sent for (awaiting confirmation, or closed and not yet
    followed up, with the same completion or close time).
    """
    max_age = settings.PUBLIC_LINK_MAX_AGE_DAYS * 86400
    try:
        ticket_id, stamp = signing.loads(token, salt=_salt(purpose), max_age=max_age)
    except signing.SignatureExpired:
        raise LinkRefused("expired") from None
    except (signing.BadSignature, TypeError, ValueError):
        raise LinkRefused("invalid") from None
    ticket = public_tickets().filter(number=number).first()
    if ticket is None or ticket.pk != ticket_id or ticket.customer.erased_at is not None:
        raise LinkRefused("invalid")
    waiting = TicketStatus.AWAITING_CONFIRMATION if purpose == CONFIRM else TicketStatus.CLOSED
    if ticket.status != waiting or _stamp(ticket, purpose) != stamp:
        raise LinkRefused("used", ticket)
    return ticket


# --- The status look-up ------------------------------------------------------------------


def _last_four(phone):
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else None


def public_lookup(*, number, phone_last4):
    """The ticket numbered ``number`` if ``phone_last4`` are its customer's phone's last four
    digits, else None — for an unknown number and a wrong phone alike, after the same work."""
    number = (number or "").strip().upper()
    given = "".join(ch for ch in phone_last4 or "" if ch.isdigit())
    ticket = public_tickets().filter(number=number).first() if number else None
    known = ticket is not None and ticket.customer.erased_at is None
    expected = _last_four(ticket.customer.phone) if known else None
    # Compared in constant time, against a stand-in when there is nothing to compare with.
    matches = hmac.compare_digest((expected or "\0\0\0\0").encode(), given.encode())
    return ticket if known and expected and matches else None


def _window_key(kind, value):
    window = settings.PUBLIC_LOOKUP_WINDOW_MINUTES * 60
    bucket = int(timezone.now().timestamp()) // window
    return f"public-lookup:{kind}:{value}:{bucket}", window


def _count(kind, value):
    key, _window = _window_key(kind, value)
    try:
        return int(cache.get(key) or 0)
    except Exception:  # the counters are a courtesy: the cache down lets the request through
        logger.warning("Look-up counters unavailable; %s not checked", kind)
        return 0


def _bump(kind, value):
    key, window = _window_key(kind, value)
    try:
        if not cache.add(key, 1, timeout=window):
            cache.incr(key)
    except Exception:
        logger.warning("Look-up counters unavailable; %s not counted", kind)


def public_lookup_limited(*, address, number):
    """True when the client at ``address`` has used its tries in the window, or ``number``
    has had too many wrong answers (someone guessing the phone of one ticket)."""
    number = (number or "").strip().upper()
    if _count("address", address or "-") >= settings.PUBLIC_LOOKUP_ADDRESS_LIMIT:
        return True
    return bool(number) and _count("number", number) >= settings.PUBLIC_LOOKUP_NUMBER_LIMIT


def public_lookup_count(*, address, number, found):
    """Count a try: every try against the address, a wrong one against the number too."""
    _bump("address", address or "-")
    number = (number or "").strip().upper()
    if number and not found:
        _bump("number", number)


# --- What the status page shows -----------------------------------------------------------


@dataclass(frozen=True)
class PublicStatus:
    """The status page's facts, all of them safe to show to whoever passed the look-up."""

    number: str
    status: str
    status_label: str
    product: str
    steps: list
    appointment_start: object
    appointment_end: object
    technician_name: str
    technician_no: str
    may_reschedule: bool
    signed_off: bool = False


def public_status(ticket):
    """``PublicStatus`` of a ticket read with ``public_tickets`` (no further query)."""
    steps = [(label, getattr(ticket, name)) for label, name in STEPS if getattr(ticket, name, None)]
    steps.sort(key=lambda step: step[1])
    booked = ticket.status in (TicketStatus.DISPATCHED, TicketStatus.ON_SITE)
    technician = ticket.technician if booked else None
    product = ticket.product.model.name if ticket.product_id else ""
    return PublicStatus(
        number=ticket.number,
        status=ticket.status,
        status_label=STATUS_LABELS.get(ticket.status, _("In progress")),
        product=product,
        steps=steps,
        appointment_start=ticket.appointment_start if booked else None,
        appointment_end=ticket.appointment_end if booked else None,
        technician_name=technician.full_name if technician else "",
        technician_no=technician.employee_no if technician else "",
        may_reschedule=ticket.status == TicketStatus.DISPATCHED,
        signed_off=ticket.status in (TicketStatus.CLOSED, TicketStatus.FOLLOWED_UP),
    )


# --- The signed work order's link ---------------------------------------------------------

WORK_ORDER = "work_order"
WORK_ORDER_STATUSES = (TicketStatus.CLOSED, TicketStatus.FOLLOWED_UP)


def _closed_stamp(ticket):
    return int(ticket.closed_at.timestamp() * 1000) if ticket.closed_at else None


def work_order_link_path(ticket):
    """The customer's link to ``ticket``'s signed work order (one ticket, this purpose,
    bound to its close; the status page shows it once the job is signed off)."""
    token = signing.dumps([ticket.pk, _closed_stamp(ticket)], salt=_salt(WORK_ORDER))
    return reverse("public-work-order-file", args=[ticket.number, token])


def work_order_link_url(ticket):
    """The absolute form of ``work_order_link_path`` a message carries."""
    return settings.PUBLIC_SITE_URL.rstrip("/") + work_order_link_path(ticket)


def work_order_link_ticket(*, number, token):
    """The closed ticket ``token`` opens under ``number`` (its full row), or
    ``LinkRefused``: the same checks as the other signed links, for a closed job."""
    max_age = settings.PUBLIC_LINK_MAX_AGE_DAYS * 86400
    try:
        ticket_id, stamp = signing.loads(token, salt=_salt(WORK_ORDER), max_age=max_age)
    except signing.SignatureExpired:
        raise LinkRefused("expired") from None
    except (signing.BadSignature, TypeError, ValueError):
        raise LinkRefused("invalid") from None
    ticket = (
        Ticket.objects.select_related("customer", "technician", "product__model")
        .filter(number=number)
        .first()
    )
    if ticket is None or ticket.pk != ticket_id or ticket.customer.erased_at is not None:
        raise LinkRefused("invalid")
    if ticket.status not in WORK_ORDER_STATUSES or _closed_stamp(ticket) != stamp:
        raise LinkRefused("invalid")
    return ticket
