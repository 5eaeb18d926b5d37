"""How records are shown: the one "mask or show the phone" rule, and the timeline in words.

``customer_phone`` decides what a user sees and notes each unmasked read in a
``PiiReads``; the adapter that showed it (an API view, a page) records the notes with
``audits.services.audit_pii_read`` once the response is built. Presenters and serializers
write nothing themselves.

``timeline_entries`` turns the stored codes of a ticket's events (``kind``, ``action``,
payload values such as ``via`` or ``clock``) into translated titles and labelled facts:
a page never shows a code such as ``notify_customer``.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.platform.models import NotificationChannel, NotificationKind
from audits.personal import mask_value
from audits.services import audit_pii_read

from .choices import (
    Action,
    AttachmentKind,
    Channel,
    ContactVia,
    DepotStage,
    EventKind,
    FaultClass,
    Priority,
    TicketCategory,
    TicketStatus,
    WarrantyDecision,
)
from .phones import mask_phone
from .selectors import can_see_phone


@dataclass
class PiiReads:
    """The unmasked personal values one response showed: (customer id, ticket id) pairs,
    and for each the fields shown (the phone unless noted otherwise)."""

    shown: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)

    def note(self, *, customer_id, ticket_id=None, fields=("phone",)):
        key = (customer_id, ticket_id)
        self.shown.append(key)
        # A second note of the same customer adds its fields (a phone, then an e-mail).
        self.fields[key] = tuple(dict.fromkeys((*self.fields.get(key, ()), *fields)))


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
    customer's phone number (SMS) or e-mail address follows the phone rule above (masked
    for the roles that may not see it, noted when shown), staff addresses are shown, the
    in-app inbox has none. ``ticket`` may be None (a message about no ticket)."""
    if notification.channel == NotificationChannel.INBOX or not notification.address:
        return ""
    if notification.customer_id is None:  # staff addresses are no customer's data
        return notification.address
    sms = notification.channel == NotificationChannel.SMS
    if not can_see_phone(user, ticket=ticket):
        return mask_phone(notification.address) if sms else mask_email(notification.address)
    reads.note(
        customer_id=notification.customer_id,
        ticket_id=ticket.pk if ticket else None,
        fields=("phone",) if sms else ("email",),
    )
    return notification.address


def mask_email(address):
    """``chen.jing@example.com`` → ``c***@example.com``: the domain and a first letter."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


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


# --- The timeline in words ---------------------------------------------------------------

# What happened, by the event's action (transitions and other actions of the table) or,
# for the events no action of the table writes, by its stored action code.
EVENT_TITLES = {
    Action.TRIAGE: _("Triaged"),
    Action.DISPATCH: _("Dispatched"),
    Action.CHECK_IN: _("Technician on site"),
    Action.COMPLETE: _("Work completed"),
    Action.RESOLVE_REMOTELY: _("Resolved remotely"),
    Action.CONFIRM: _("Customer confirmed the work"),
    Action.FOLLOW_UP: _("Followed up"),
    Action.CANCEL: _("Cancelled"),
    Action.CONTACT: _("Customer contact"),
    Action.PAUSE: _("SLA paused"),
    Action.RESUME: _("SLA resumed"),
    Action.RESCHEDULE: _("Rescheduled"),
    Action.ESCALATE: _("Escalated"),
    Action.TRANSFER_OWNER: _("Owner transferred"),
    Action.UPDATE: _("Details updated"),
    "notify_customer": _("Customer notified"),
    "reschedule_request": _("Customer asked to move the visit"),
    "email_reply": _("Customer replied by e-mail"),
    "sla_warning": _("SLA warning"),
    "sla_breach": _("SLA breach"),
    "sla_escalation": _("SLA escalation"),
    # The charges (tickets.charges.services): quotes, payment, refunds.
    "quote_create": _("Quote made"),
    "quote_approve": _("Customer approved the quote"),
    "quote_decline": _("Customer declined the quote"),
    "payment_record": _("Payment recorded, receipt issued"),
    "refund_request": _("Refund requested"),
    "refund_approved": _("Refund approved"),
    "refund_rejected": _("Refund rejected"),
    # The return visit's survey (tickets.surveys): the answers and a low score's task.
    "survey_response": _("Survey answered"),
    "survey_task_opened": _("Low score: follow-up task opened"),
    "survey_task_closed": _("Survey follow-up closed"),
}
CONFIRM_REFUSED_TITLE = _("Customer refused the work")
ATTACHMENT_TITLES = {
    ("attachment_add", AttachmentKind.PHOTO): _("Photo added"),
    ("attachment_add", AttachmentKind.DOCUMENT): _("Document added"),
    ("attachment_remove", AttachmentKind.PHOTO): _("Photo removed"),
    ("attachment_remove", AttachmentKind.DOCUMENT): _("Document removed"),
}
# The SLA clocks the sweep marks (payload "clock").
SLA_CLOCKS = {
    "response": _("Response deadline"),
    "dispatch": _("Dispatch deadline"),
    "resolution": _("Resolution deadline"),
    "follow_up": _("Follow-up deadline"),
    # The workshop's turnaround (tickets.depot): warned and breached by its own sweep.
    "depot": _("Workshop turnaround"),
}
# The notices a "customer notified" event names (payload "template").
NOTICE_TEMPLATES = {
    "dispatch": NotificationKind.DISPATCH_NOTICE.label,
    "completion": NotificationKind.COMPLETION_NOTICE.label,
    "survey": NotificationKind.SURVEY_INVITATION.label,
    "on_my_way": NotificationKind.ON_MY_WAY.label,
}
# A check-in outside the booked window (``services.check_in_window``).
OUTSIDE_WINDOW = {
    "early": _("Checked in before the booked window"),
    "late": _("Checked in after the booked window"),
}
# The times of day a customer may propose for a visit (payload "period").
VISIT_PERIODS = {
    "morning": _("Morning"),
    "afternoon": _("Afternoon"),
    "evening": _("Evening"),
}
# The ticket fields "details updated" names (ticket_update's fields).
UPDATED_FIELDS = {
    "description": _("Description"),
    "product": _("Product"),
    "fault_occurred_at": _("Fault started"),
}


@dataclass
class TimelineEntry:
    """One event as shown: a title, the status move, who, labelled facts, free text."""

    event: object
    title: str
    change: str = ""
    facts: list = field(default_factory=list)
    text: str = ""

    @property
    def created_at(self):
        return self.event.created_at

    @property
    def kind(self):
        return self.event.kind

    @property
    def actor(self):
        return self.event.actor


def _choice(choices, value, fallback=None):
    """The label of a stored ``value`` of ``choices``; an unknown value (a code from a
    later release, or garbage) shows as ``fallback``, never as itself."""
    try:
        return choices(value).label
    except ValueError:
        return fallback if fallback is not None else _("unknown")


def _window(payload):
    try:
        start = datetime.datetime.fromisoformat(payload["appointment_start"])
        end = datetime.datetime.fromisoformat(payload["appointment_end"])
    except (KeyError, TypeError, ValueError):
        return None
    start, end = timezone.localtime(start), timezone.localtime(end)
    end_format = "H:i" if start.date() == end.date() else "Y-m-d H:i"
    return f"{formats.date_format(start, 'Y-m-d H:i')} – {formats.date_format(end, end_format)}"


def _title(event):
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.kind == EventKind.ATTACHMENT:
        key = (event.action, payload.get("kind"))
        return ATTACHMENT_TITLES.get(key, EventKind.ATTACHMENT.label)
    if event.action == Action.CONFIRM and event.to_status == TicketStatus.TRIAGED:
        return CONFIRM_REFUSED_TITLE
    if event.action in EVENT_TITLES:
        return EVENT_TITLES[event.action]
    return _choice(EventKind, event.kind, fallback=_("Other event"))


def _facts(event, payload):
    """The labelled values an event is shown with: each a (label, value) pair."""
    facts = []

    def add(label, value):
        if value not in (None, ""):
            facts.append((label, value))

    def coded(label, choices, key):
        if payload.get(key):
            add(label, _choice(choices, payload[key]))

    action, kind = event.action, event.kind
    if kind == EventKind.CREATED:
        coded(_("Category"), TicketCategory, "category")
        coded(_("Channel"), Channel, "channel")
        coded(_("Priority"), Priority, "priority")
    if action == Action.TRIAGE:
        coded(_("Priority"), Priority, "priority")
        coded(_("Fault class"), FaultClass, "fault_class")
        coded(_("Warranty decision"), WarrantyDecision, "warranty_decision")
    if action in (Action.DISPATCH, Action.RESCHEDULE):
        add(_("Visit window"), _window(payload))
    if action == Action.COMPLETE:
        coded(_("Fault class"), FaultClass, "fault_class")
        add(_("Fault code"), payload.get("fault_code"))
        if payload.get("test_passed") is not None:
            add(_("Test"), _("Passed") if payload["test_passed"] else _("Failed"))
    if action == "survey_response" and isinstance(payload.get("scores"), dict):
        scores = payload["scores"]
        add(_("Overall score"), f"{scores['overall']}/5" if scores.get("overall") else "")
        via_link = payload.get("channel") == "link"
        add(
            pgettext_lazy("survey channel", "Answered"),
            _("by the customer's link") if via_link else _("on the follow-up call"),
        )
    if action == "survey_task_opened" and isinstance(payload.get("low"), list):
        add(_("Low scores"), ", ".join(f"{i.get('key')} {i.get('rating')}" for i in payload["low"]
                                       if isinstance(i, dict)))  # fmt: skip
    if kind == EventKind.ON_MY_WAY and payload.get("eta_minutes"):
        add(_("Estimated arrival"), _("in %(n)s minutes") % {"n": payload["eta_minutes"]})
    if action == Action.CHECK_IN and payload.get("outside_window"):
        add(_("Booked window"), OUTSIDE_WINDOW.get(payload["outside_window"], _("unknown")))
    coded(pgettext_lazy("contact", "Via"), ContactVia, "via")
    if payload.get("satisfaction"):
        add(_("Satisfaction"), f"{payload['satisfaction']}/5")
    if payload.get("level"):
        add(_("Escalation level"), payload["level"])
    if payload.get("clock"):
        add(_("Clock"), SLA_CLOCKS.get(payload["clock"], _("unknown")))
    if action == "reschedule_request":
        add(_("Proposed day"), payload.get("preferred_date"))
        add(_("Time of day"), VISIT_PERIODS.get(payload.get("period"), _("unknown")))
    if action == "notify_customer":
        add(_("Message"), NOTICE_TEMPLATES.get(payload.get("template"), _("unknown")))
        coded(_("Channel"), NotificationChannel, "channel")
    if action in ("quote_create", "quote_approve", "quote_decline"):
        add(_("Quote"), payload.get("number"))
        add(_("Total to pay"), payload.get("total") and f"¥{payload['total']}")
    if action == "payment_record":
        add(_("Receipt"), payload.get("receipt"))
        add(_("Amount"), payload.get("amount") and f"¥{payload['amount']}")
    if action in ("refund_request", "refund_approved", "refund_rejected"):
        add(_("Amount"), payload.get("amount") and f"¥{payload['amount']}")
    if action == Action.UPDATE and payload.get("fields"):
        names = [str(UPDATED_FIELDS.get(name, _("unknown"))) for name in payload["fields"]]
        add(_("Changed"), ", ".join(names))
    if kind == EventKind.ATTACHMENT:
        add(_("File"), payload.get("name"))
    if kind == EventKind.DEPOT_STAGE:
        add(_("Equipment receipt"), payload.get("receipt"))
        coded(_("Stage"), DepotStage, "stage")
        if payload.get("loan_unit"):
            add(_("Loan unit"), payload["loan_unit"])
    add(_("Recorded offline"), _offline_time(payload))
    return facts


def _local(value):
    try:
        return formats.date_format(
            timezone.localtime(datetime.datetime.fromisoformat(value)), "Y-m-d H:i"
        )
    except (TypeError, ValueError):
        return None


def _offline_time(payload):
    """A stage the phone recorded offline: when, by the phone's clock, when it reached
    the server, and which of the two the ticket (and its SLA) counts."""
    device, received = _local(payload.get("device_time")), _local(payload.get("received_at"))
    if device is None or received is None:
        return None
    if payload.get("time_source") == "device":
        return _("on the phone at %(device)s, received %(received)s: the phone's time counts") % {
            "device": device,
            "received": received,
        }
    return _(
        "the phone's clock said %(device)s, which cannot be right (in the future or before "
        "the step before it); the time received, %(received)s, counts"
    ) % {"device": device, "received": received}


def timeline_entries(events):
    """Each of ``events`` (``TicketEvent`` rows, their actor loaded) as a ``TimelineEntry``
    in words: no query, and no stored code shown as it is."""
    entries = []
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        change = ""
        if event.to_status and event.from_status != event.to_status:
            to_label = _choice(TicketStatus, event.to_status)
            change = (
                f"{_choice(TicketStatus, event.from_status)} → {to_label}"
                if event.from_status
                else str(to_label)
            )
        texts = [payload.get(key) for key in ("note", "reason", "comment", "resolution")]
        entries.append(
            TimelineEntry(
                event=event,
                title=_title(event),
                change=change,
                facts=_facts(event, payload),
                text="\n".join(str(t) for t in texts if t),
            )
        )
    return entries
