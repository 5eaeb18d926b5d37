"""How customers' personal data is shown: the one "mask or show the phone" rule.

``customer_phone`` decides what a user sees and notes each unmasked read in a
``PiiReads``; the adapter that showed it (an API view, a page) records the notes with
``audits.services.audit_pii_read`` once the response is built. Presenters and serializers
write nothing themselves.
"""

from dataclasses import dataclass, field

from aftersales.platform.models import NotificationChannel
from audits.personal import mask_value
from audits.services import audit_pii_read

from .phones import mask_phone
from .selectors import can_see_phone


@dataclass
class PiiReads:
    """The unmasked personal values one response showed: (customer id, ticket id) pairs,
    and for each the fields shown (the phone unless noted otherwise)."""

    shown: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)

    def note(self, *, customer_id, ticket_id=None, fields=("phone",)):
        self.shown.append((customer_id, ticket_id))
        self.fields[(customer_id, ticket_id)] = tuple(fields)


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


CONTACT_SHOWN = ("phone", "email", "address")


def customer_contact(*, user, customer, reads):
    """``customer``'s phone, e-mail and address as ``user`` may see them, and whether they
    are unmasked: the phone rule of ``customer_phone`` decides for all three (desk roles
    see them, an auditor gets ``138****5678``, ``a***``). An unmasked read is noted in
    ``reads`` once, with the three fields."""
    shown = PiiReads()
    phone, unmasked = customer_phone(user=user, customer=customer, reads=shown)
    for customer_id, ticket_id in shown.shown:
        reads.note(customer_id=customer_id, ticket_id=ticket_id, fields=CONTACT_SHOWN)
    if unmasked:
        return {"phone": phone, "email": customer.email, "address": customer.address}, True
    return {
        "phone": phone,
        "email": mask_value(customer.email),
        "address": mask_value(customer.address),
    }, False


def message_address(*, user, notification, ticket, reads):
    """Where a message of ``ticket``'s communication log went, as ``user`` may see it: a
    customer's phone (SMS) follows the phone rule above, e-mail addresses are shown, the
    in-app inbox has none. ``ticket`` may be None (a message about no ticket)."""
    if notification.channel == NotificationChannel.INBOX or not notification.address:
        return ""
    if notification.channel != NotificationChannel.SMS:
        return notification.address
    if not can_see_phone(user, ticket=ticket):
        return mask_phone(notification.address)
    if notification.customer_id:
        reads.note(customer_id=notification.customer_id, ticket_id=ticket.pk if ticket else None)
    return notification.address


def pii_reads_record(*, actor, reads):
    """Record what a response showed unmasked (the adapter calls it once it is built).

    Within a request ``audit_pii_read`` only collects; the audit middleware writes the
    whole response's reads in one INSERT (README, "Personal data").
    """
    for customer_id, ticket_id in reads.shown:
        fields = reads.fields.get((customer_id, ticket_id), ("phone",))
        audit_pii_read(actor=actor, customer_id=customer_id, fields=fields, ticket_id=ticket_id)
    reads.shown.clear()
    reads.fields.clear()
