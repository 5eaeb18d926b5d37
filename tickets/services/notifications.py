"""Messages to customers about their tickets, through the platform's notification outbox.

The dispatch notice is queued inside the booking's transaction (``notify``), so a booking
that rolls back tells nobody, and delivered after commit by the platform's worker; the
ticket's timeline records "customer notified" once a channel has delivered it.
"""

from django.db import transaction

from aftersales.platform.models import NotificationKind
from aftersales.platform.notifications.hooks import on_sent
from aftersales.platform.services import notify
from audits.services import audit_record

from ..choices import EventKind
from ..models import Ticket, TicketEvent

DISPATCH_TEMPLATE = "dispatch"


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


@on_sent(NotificationKind.DISPATCH_NOTICE)
def ticket_dispatch_notice_sent(notification):
    """Timeline and audit trail: "customer notified", once per booking and channel.

    Runs in the platform's transaction that records the delivery (the hook the tickets
    floor passes down). Writes a ``notification`` ``TicketEvent`` (``notify_customer``)
    and a ``ticket.customer_notified`` audit event.
    """
    version = notification.context.get("version")
    ticket_id = notification.ticket_id
    already = TicketEvent.objects.filter(
        ticket_id=ticket_id,
        kind=EventKind.NOTIFICATION,
        payload__template=DISPATCH_TEMPLATE,
        payload__version=version,
        payload__channel=notification.channel,
    ).exists()
    if ticket_id is None or already:
        return
    ticket = Ticket.objects.get(pk=ticket_id)
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.NOTIFICATION,
        action="notify_customer",
        payload={
            "template": DISPATCH_TEMPLATE,
            "channel": notification.channel,
            "version": version,
            "technician": notification.context.get("technician"),
            "notification": str(notification.uuid),
        },
    )
    audit_record(
        actor=None,
        action="ticket.customer_notified",
        obj=ticket,
        ticket=ticket,
        changes={"template": DISPATCH_TEMPLATE, "channel": notification.channel},
    )
