"""Messages to customers. Sent by Celery tasks after commit, never inside a transaction."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from audits.services import audit_record

from ..choices import EventKind
from ..models import Ticket, TicketEvent

DISPATCH_TEMPLATE = "dispatch"


def ticket_notify_customer_dispatch(*, ticket_id, version):
    """Tell the customer who is coming and when (name and employee ID, as the standard asks).

    Sent once per booking: the booking is identified by the ticket version that made it,
    and a redelivered task finds its event and sends nothing. Skipped when the booking
    has since changed, the customer has no e-mail, or withdrew consent to be contacted.
    Returns True when a message was sent.
    """
    ticket = Ticket.objects.select_related("customer", "technician").get(pk=ticket_id)
    customer = ticket.customer
    if ticket.technician is None or not customer.email or not customer.consent_service:
        return False
    already = TicketEvent.objects.filter(
        ticket=ticket,
        kind=EventKind.NOTIFICATION,
        payload__template=DISPATCH_TEMPLATE,
        payload__version=version,
    ).exists()
    if already:
        return False
    start = timezone.localtime(ticket.appointment_start)
    end = timezone.localtime(ticket.appointment_end)
    with translation.override(settings.LANGUAGE_CODE):
        body = (
            f"{customer.name}, your service request {ticket.number} is booked.\n"
            f"Technician: {ticket.technician.full_name}, ID {ticket.technician.employee_no}.\n"
            f"Visit window: {start:%Y-%m-%d %H:%M} – {end:%H:%M}.\n"
            "Please ask to see the technician's ID card on arrival."
        )
    send_mail(f"[{ticket.number}] Your technician visit", body, None, [customer.email])
    with transaction.atomic():
        TicketEvent.objects.create(
            ticket=ticket,
            kind=EventKind.NOTIFICATION,
            action="notify_customer",
            payload={
                "template": DISPATCH_TEMPLATE,
                "channel": "email",
                "version": version,
                "technician": ticket.technician_id,
            },
        )
        audit_record(
            actor=None,
            action="ticket.customer_notified",
            obj=ticket,
            ticket=ticket,
            changes={"template": DISPATCH_TEMPLATE, "channel": "email"},
        )
    return True
