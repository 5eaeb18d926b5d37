"""How customers' personal data is shown: the one "mask or show the phone" rule.

``customer_phone`` decides what a user sees and notes each unmasked read in a
``PiiReads``; the adapter that showed it (an API view, a page) records the notes with
``audits.services.audit_pii_read`` once the response is built. Presenters and serializers
write nothing themselves.
"""

from dataclasses import dataclass, field

from aftersales.platform.models import NotificationChannel
from audits.services import audit_pii_read

from .phones import mask_phone
from .selectors import can_see_phone


@dataclass
class PiiReads:
    """The unmasked personal values one response showed: (customer id, ticket id) pairs."""

    shown: list = field(default_factory=list)

    def note(self, *, customer_id, ticket_id=None):
        self.shown.append((customer_id, ticket_id))


def customer_phone(*, user, customer, ticket=None, reads):
    """The phone number of ``customer`` as ``user`` may see it, and whether it is unmasked.

    Desk roles see it in full, a technician on the jobs assigned to them
    (``selectors.can_see_phone``); everyone else gets ``138****5678``. A full number of a
    customer who was not erased is noted in ``reads`` (an erased one holds no personal
    value any more).
    """
    unmasked = can_see_phone(user, customer=customer, ticket=ticket)
    if not unmasked:
        return customer.masked_phone, False
    if customer.erased_at is None:
        reads.note(customer_id=customer.pk, ticket_id=ticket.pk if ticket else None)
    return customer.phone, True


def message_address(*, user, notification, ticket, reads):
    """Where a message of ``ticket``'s communication log went, as ``user`` may see it: a
    customer's phone (SMS) follows the phone rule above, e-mail addresses are shown, the
    in-app inbox has none."""
    if notification.channel == NotificationChannel.INBOX or not notification.address:
        return ""
    if notification.channel != NotificationChannel.SMS:
        return notification.address
    if not can_see_phone(user, ticket=ticket):
        return mask_phone(notification.address)
    if notification.customer_id:
        reads.note(customer_id=notification.customer_id, ticket_id=ticket.pk)
    return notification.address


def pii_reads_record(*, actor, reads):
    """Record what a response showed unmasked (the adapter calls it once it is built).

    Within a request ``audit_pii_read`` only collects; the audit middleware writes the
    whole response's reads in one INSERT (README, "Personal data").
    """
    for customer_id, ticket_id in reads.shown:
        audit_pii_read(actor=actor, customer_id=customer_id, ticket_id=ticket_id)
    reads.shown.clear()
