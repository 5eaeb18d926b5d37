"""Messages to customers about their tickets, through the platform's notification outbox.

Each notice is queued inside the transaction of the step it tells about (``notify``), so a
step that rolls back tells nobody, and delivered after commit by the platform's worker, by
SMS and e-mail (``NOTIFICATION_CUSTOMER_CHANNELS``), rendered in the customer's language;
the ticket's timeline records "customer notified" once a channel has delivered it:

* the dispatch notice (the booking: window, technician's name and employee number, and
  the link to the status page);
* the completion notice (the work is done: the signed link to confirm or reject and rate);
* the survey invitation (the ticket is closed: the signed link to the satisfaction survey).
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from aftersales.platform.models import NotificationKind
from aftersales.platform.notifications.hooks import on_sent
from aftersales.platform.services import notify
from audits.services import audit_record

from ..choices import EventKind
from ..models import Ticket, TicketEvent
from ..public import CONFIRM, SURVEY, public_link_url, work_order_link_url

DISPATCH_TEMPLATE = "dispatch"
COMPLETION_TEMPLATE = "completion"
SURVEY_TEMPLATE = "survey"


def _status_page_url():
    return settings.PUBLIC_SITE_URL.rstrip("/") + reverse("public-lookup-page")


def ticket_dispatch_notice_queue(*, ticket, version=None):
    """Queue the customer's notice of a booking: the technician's name and employee
    number and the visit window (as the standard asks). Inside the booking's transaction.

    Once per booking: the booking is the ticket ``version`` that made it (the current
    one by default), which is the notice's ``dedupe_key``. Nothing is queued when the
    ticket has no technician or the customer withdrew consent to be contacted
    (``consent_service``); a customer without an address for a channel gets a
    ``no_recipient`` row (on the communication log). Returns True when rows were written.
    """
    customer = ticket.customer
    if ticket.technician_id is None or not customer.consent_service:
        return False
    version = ticket.version if version is None else version
    technician = ticket.technician
    rows = notify(
        kind=NotificationKind.DISPATCH_NOTICE,
        recipients=[customer],
        context={
            "customer_name": customer.name,
            "number": ticket.number,
            "technician_name": technician.full_name,
            "employee_no": technician.employee_no,
            "start": ticket.appointment_start,
            "end": ticket.appointment_end,
            "version": version,
            "technician": technician.pk,
            "status_url": _status_page_url(),
        },
        ticket=ticket,
        dedupe_key=f"dispatch:{ticket.pk}:{version}",
    )
    return bool(rows)


@transaction.atomic
def ticket_notify_customer_dispatch(*, ticket_id, version):
    """Queue the dispatch notice of the booking made at ``version`` unless it already is.

    Kept for callers and messages of the former ``ticket_notify_dispatch_task``; the
    lifecycle queues the notice itself. Returns True when something was queued.
    """
    ticket = Ticket.objects.select_related("customer", "technician").get(pk=ticket_id)
    return ticket_dispatch_notice_queue(ticket=ticket, version=version)


def _customer_link_notice_queue(*, ticket, kind, purpose, stamp, extra=None):
    customer = ticket.customer
    if not customer.consent_service:
        return False
    rows = notify(
        kind=kind,
        recipients=[customer],
        context={
            "customer_name": customer.name,
            "number": ticket.number,
            "link": public_link_url(ticket, purpose),
            "days": settings.PUBLIC_LINK_MAX_AGE_DAYS,
            **(extra or {}),
        },
        ticket=ticket,
        dedupe_key=f"{purpose}:{ticket.pk}:{stamp.isoformat()}",
    )
    return bool(rows)


def ticket_completion_notice_queue(*, ticket):
    """Queue the customer's notice that the work is done, with the signed link to confirm
    or reject it and rate it (``tickets.public``). Inside the completion's transaction;
    once per completion (a redone job sends a new link). Nothing without consent."""
    return _customer_link_notice_queue(
        ticket=ticket,
        kind=NotificationKind.COMPLETION_NOTICE,
        purpose=CONFIRM,
        stamp=ticket.completed_at,
    )


def ticket_survey_invitation_queue(*, ticket):
    """Queue the invitation to the satisfaction survey (回访) once the ticket is closed, with
    its signed link. Inside the close's transaction; once per close."""
    return _customer_link_notice_queue(
        ticket=ticket,
        kind=NotificationKind.SURVEY_INVITATION,
        purpose=SURVEY,
        stamp=ticket.closed_at,
        # The signed work order (派工单) to keep: made by a worker after this commits.
        extra={"work_order_link": work_order_link_url(ticket)},
    )


def _customer_notified(notification, template):
    """Timeline and audit trail: "customer notified", once per notice and channel.

    Runs in the platform's transaction that records the delivery (the hook the tickets
    floor passes down). Writes a ``notification`` ``TicketEvent`` (``notify_customer``)
    and a ``ticket.customer_notified`` audit event.
    """
    version = notification.context.get("version")
    ticket_id = notification.ticket_id
    # One per booking (the dispatch notice's version) or per link notice (its dedupe key).
    which = (
        {"payload__version": version}
        if template == DISPATCH_TEMPLATE
        else {"payload__dedupe": notification.dedupe_key}
    )
    already = TicketEvent.objects.filter(
        ticket_id=ticket_id,
        kind=EventKind.NOTIFICATION,
        payload__template=template,
        payload__channel=notification.channel,
        **which,
    ).exists()
    if ticket_id is None or already:
        return
    ticket = Ticket.objects.get(pk=ticket_id)
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.NOTIFICATION,
        action="notify_customer",
        payload={
            "template": template,
            "channel": notification.channel,
            "version": version,
            "technician": notification.context.get("technician"),
            "notification": str(notification.uuid),
            "dedupe": notification.dedupe_key,
        },
    )
    audit_record(
        actor=None,
        action="ticket.customer_notified",
        obj=ticket,
        ticket=ticket,
        changes={"template": template, "channel": notification.channel},
    )


@on_sent(NotificationKind.DISPATCH_NOTICE)
def ticket_dispatch_notice_sent(notification):
    _customer_notified(notification, DISPATCH_TEMPLATE)


@on_sent(NotificationKind.COMPLETION_NOTICE)
def ticket_completion_notice_sent(notification):
    _customer_notified(notification, COMPLETION_TEMPLATE)


@on_sent(NotificationKind.SURVEY_INVITATION)
def ticket_survey_invitation_sent(notification):
    _customer_notified(notification, SURVEY_TEMPLATE)
