"""The technician in the field: "on my way" with an estimated arrival, and whether a
check-in falls inside the booked window.

"On my way" does not change the ticket (no version bump: the desk's open forms stay
valid); it writes a timeline entry, an audit event and the customer's notice (SMS and
e-mail through the platform's outbox, in the customer's language, delivered after
commit) in one transaction.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import InvalidTransition
from aftersales.platform.models import NotificationKind
from aftersales.platform.services import notify
from audits.services import audit_record

from ..choices import Action, EventKind, TicketStatus
from ..models import ChecklistItem, FaultCode, TicketEvent
from .lifecycle import ticket_authorize

ETA_CHOICES_MINUTES = (15, 30, 45, 60, 90, 120)


@transaction.atomic
def ticket_on_my_way(*, ticket, actor, eta_minutes):
    """Tell the customer the assigned technician is on the way, arriving in about
    ``eta_minutes`` (one of ``ETA_CHOICES_MINUTES``).

    Preconditions: ``actor`` may check in on the ticket (the assigned technician, or
    the desk for them) and the ticket is ``dispatched`` (409 ``invalid_transition``).
    Writes an ``on_my_way`` timeline event, a ``ticket.on_my_way`` audit event and,
    unless the customer withdrew consent to be contacted, an ``on_my_way`` notification
    per channel (``NOTIFICATION_CHANNELS``: SMS and e-mail). Each press is its own notice
    (the estimate may change). Returns the timeline event.
    """
    ticket_authorize(ticket=ticket, action=Action.CHECK_IN, actor=actor)
    if ticket.status != TicketStatus.DISPATCHED:
        raise InvalidTransition(
            _("The customer can be told you are on the way only before you check in."),
            extra={"status": ticket.status, "action": "on_my_way"},
        )
    if eta_minutes not in ETA_CHOICES_MINUTES:
        raise ValidationError({"eta_minutes": [_("Choose one of the estimates offered.")]})
    now = timezone.now()
    eta = now + datetime.timedelta(minutes=eta_minutes)
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.ON_MY_WAY,
        action="on_my_way",
        actor=actor,
        created_at=now,
        payload={"eta_minutes": eta_minutes, "eta": eta.isoformat()},
    )
    audit_record(
        actor=actor,
        action="ticket.on_my_way",
        obj=ticket,
        ticket=ticket,
        changes={"eta_minutes": eta_minutes, "eta": eta.isoformat()},
    )
    customer, technician = ticket.customer, ticket.technician
    if customer.consent_service and technician is not None:
        notify(
            kind=NotificationKind.ON_MY_WAY,
            recipients=[customer],
            context={
                "customer_name": customer.name,
                "number": ticket.number,
                "technician_name": technician.full_name,
                "employee_no": technician.employee_no,
                "eta": eta,
                "eta_minutes": eta_minutes,
            },
            ticket=ticket,
            dedupe_key=f"on-my-way:{ticket.pk}:{event.pk}",
        )
    return event


def checklist_record(*, ticket, ticked):
    """The completion checklist of ``ticket``'s product category as ticked (``ticked``:
    the ids of the items done), ready for ``ticket_complete(checklist=...)``: a list of
    {item, label (English), done}. A ``required`` item left unticked is refused with a
    ``ValidationError`` on ``checklist``."""
    items = list(checklist_items_for(ticket))
    ticked = {int(value) for value in ticked}
    missing = [item.label for item in items if item.required and item.pk not in ticked]
    if missing:
        raise ValidationError(
            {
                "checklist": [
                    _("Tick what must be done before completing: %(items)s.")
                    % {"items": "; ".join(missing)}
                ]
            }
        )
    return [{"item": item.pk, "label": item.label_en, "done": item.pk in ticked} for item in items]


def _category_id(ticket):
    product = ticket.product
    return product.model.category_id if product is not None else None


def checklist_items_for(ticket):
    """The active checklist items of the ticket's product category, in order (none when
    the unit is unknown)."""
    category_id = _category_id(ticket)
    if category_id is None:
        return ChecklistItem.objects.none()
    return ChecklistItem.objects.filter(category_id=category_id, active=True)


def fault_codes_for(ticket):
    """The active fault codes of the ticket's product category (all when unknown)."""
    return FaultCode.objects.for_category(_category_id(ticket)).select_related("category")
