"""The customer's own answers, from the pages without an account (``/service/...``).

Each goes through the lifecycle's own service with ``actor=None`` (no staff member did
it) and ``via="online"``, so the timeline, the audit trail and the side effects are the
ones a desk-recorded answer gets. The signed link is checked again inside the
transaction (``tickets.public.public_link_ticket``): a link used meanwhile, in another
tab, is refused and changes nothing.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import InvalidTransition
from audits.services import audit_record

from ..choices import ContactVia, EventKind, TicketStatus
from ..models import Ticket, TicketEvent
from ..public import CONFIRM, SURVEY, public_link_ticket
from .lifecycle import ticket_confirm, ticket_follow_up

RESCHEDULE_REQUEST = "reschedule_request"
PERIODS = ("morning", "afternoon", "evening")


def _rating(value, field):
    if value in (None, ""):
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError({field: [_("Choose from 1 to 5.")]})
    return value


def _full(ticket):
    return Ticket.objects.select_related("customer", "technician", "sla_policy").get(pk=ticket.pk)


@transaction.atomic
def ticket_customer_confirm(*, number, token, accepted, satisfaction=None, comment=""):
    """The customer confirms (→ closed) or rejects (→ triaged, the job is redone) the work
    through the completion link, and rates it 1–5 (required to confirm).

    Raises ``tickets.public.LinkRefused`` for a link that opens nothing, and
    ``ValidationError`` for a missing rating or a rejection without a reason.
    Writes what ``ticket_confirm`` writes (timeline, audit, survey invitation on a close).
    """
    ticket = public_link_ticket(number=number, token=token, purpose=CONFIRM)
    satisfaction = _rating(satisfaction, "satisfaction")
    comment = (comment or "").strip()
    if accepted and satisfaction is None:
        raise ValidationError({"satisfaction": [_("Choose a rating from 1 to 5.")]})
    if not accepted and not comment:
        raise ValidationError({"comment": [_("Tell us what is not right, so we can fix it.")]})
    return ticket_confirm(
        ticket=_full(ticket),
        actor=None,
        accepted=accepted,
        satisfaction=satisfaction,
        comment=comment,
        via=ContactVia.ONLINE,
    )


@transaction.atomic
def ticket_customer_survey(*, number, token, satisfaction=None, answers=None, comment=""):
    """The customer answers the follow-up survey (回访) through its link: closed →
    followed up with the answers to the active survey template (``answers``: question key
    → value) or the satisfaction 1–5 alone, and a comment (``ticket_follow_up``)."""
    ticket = public_link_ticket(number=number, token=token, purpose=SURVEY)
    if answers is None:
        satisfaction = _rating(satisfaction, "satisfaction")
        if satisfaction is None:
            raise ValidationError({"satisfaction": [_("Choose a rating from 1 to 5.")]})
    return ticket_follow_up(
        ticket=_full(ticket),
        actor=None,
        satisfaction=satisfaction,
        answers=answers,
        via=ContactVia.ONLINE,
        comment=(comment or "").strip(),
    )


def ticket_reschedule_requested(ticket):
    """The customer's open request for the current booking, if any (its event)."""
    if ticket.appointment_start is None:
        return None
    return (
        TicketEvent.objects.filter(
            ticket_id=ticket.pk,
            action=RESCHEDULE_REQUEST,
            payload__appointment_start=ticket.appointment_start.isoformat(),
        )
        .order_by("-id")
        .first()
    )


@transaction.atomic
def ticket_reschedule_request(*, ticket, preferred_date, period, note=""):
    """The customer asks for another visit time for the booked visit (dispatched only).

    It moves nothing: the dispatcher agrees a time with the customer and reschedules
    (``ticket_reschedule``). Writes a ``contact`` timeline event (``reschedule_request``,
    the proposal and the booking it is about) and a ``ticket.reschedule_requested``
    audit event; once per booking (a second request says it is already in).
    """
    if ticket.status != TicketStatus.DISPATCHED:
        raise InvalidTransition(
            _("Only a booked visit can be moved."),
            extra={"status": ticket.status, "action": RESCHEDULE_REQUEST},
        )
    errors = {}
    today = timezone.localdate()
    if preferred_date is None or preferred_date < today:
        errors["preferred_date"] = [_("Choose a day from today on.")]
    if period not in PERIODS:
        errors["period"] = [_("Choose a time of day.")]
    if errors:
        raise ValidationError(errors)
    if ticket_reschedule_requested(ticket) is not None:
        raise InvalidTransition(
            _("You have already asked to move this visit; we will call you."),
            extra={"status": ticket.status, "action": RESCHEDULE_REQUEST},
        )
    payload = {
        "appointment_start": ticket.appointment_start.isoformat(),
        "preferred_date": preferred_date.isoformat(),
        "period": period,
        "note": (note or "").strip()[:500],
        "via": ContactVia.ONLINE,
    }
    event = TicketEvent.objects.create(
        ticket_id=ticket.pk, kind=EventKind.CONTACT, action=RESCHEDULE_REQUEST, payload=payload
    )
    audit_record(
        actor=None,
        action="ticket.reschedule_requested",
        obj=ticket,
        ticket=ticket,
        changes={key: payload[key] for key in ("preferred_date", "period", "note")},
    )
    return event
