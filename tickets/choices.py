"""Ticket vocabularies and the declared transition table.

The table is the single statement of who may move a ticket from where to where;
``tickets.services.lifecycle`` enforces it and nothing else writes ``Ticket.status``.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    DISPATCHED = "dispatched", _("Dispatched")
    ON_SITE = "on_site", _("On site")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting confirmation")
    CLOSED = "closed", _("Closed")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.TRIAGED,
    TicketStatus.DISPATCHED,
    TicketStatus.ON_SITE,
    TicketStatus.AWAITING_CONFIRMATION,
)


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web")
    EMAIL = "email", _("Email")
    API = "api", _("API")


class TicketCategory(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    REPAIR = "repair", _("Repair")
    INSTALLATION = "installation", _("Installation")
    MAINTENANCE = "maintenance", _("Maintenance")
    COMPLAINT = "complaint", _("Complaint")
    RETURN_EXCHANGE = "return_exchange", _("Return / exchange")


class Priority(models.TextChoices):
    P1 = "p1", _("P1 – critical")
    P2 = "p2", _("P2 – high")
    P3 = "p3", _("P3 – normal")
    P4 = "p4", _("P4 – low")


class FaultClass(models.TextChoices):
    SOFTWARE = "software", _("Software")
    HARDWARE = "hardware", _("Hardware")
    ELECTRICAL = "electrical", _("Electrical")
    MECHANICAL = "mechanical", _("Mechanical")
    USER_ERROR = "user_error", _("User error")


class WarrantyDecision(models.TextChoices):
    IN_WARRANTY = "in_warranty", _("In warranty (free)")
    OUT_OF_WARRANTY = "out_of_warranty", _("Out of warranty (charged)")
    GOODWILL = "goodwill", _("Goodwill")


class ContactVia(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    VISIT = "visit", _("Visit")
    # The customer's own pages (a signed link, the status page): no staff in between.
    ONLINE = "online", _("Online, by the customer")


# How the desk may say it reached the customer (online answers come by themselves).
STAFF_CONTACT_VIA = [(value, label) for value, label in ContactVia.choices if value != "online"]


class CustomerTier(models.TextChoices):
    STANDARD = "standard", _("Standard")
    VIP = "vip", _("VIP")


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    TRANSITION = "transition", _("Status change")
    CONTACT = "contact", _("Customer contact")
    PAUSE = "pause", _("SLA paused")
    RESUME = "resume", _("SLA resumed")
    RESCHEDULE = "reschedule", _("Rescheduled")
    ESCALATION = "escalation", _("Escalation")
    OWNER_TRANSFER = "owner_transfer", _("Owner transferred")
    UPDATE = "update", _("Details updated")
    NOTIFICATION = "notification", _("Notification sent")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breach")
    ATTACHMENT = "attachment", _("Photo or document")
    ON_MY_WAY = "on_my_way", _("Technician on the way")
    OUTLET_DISPATCH = "outlet_dispatch", _("Sent to a service outlet")
    # Issue 18: service operations on the ticket's timeline.
    KNOWLEDGE = "knowledge", _("Knowledge article used")
    SUPPORT = "support", _("Technical support")
    DEPOT_STAGE = "depot_stage", _("Workshop stage")
    INCIDENT = "incident", _("Service incident")
    SURVEY = "survey", _("Satisfaction survey")


class DepotStage(models.TextChoices):
    """A depot repair's workshop stage (tickets.depot): here, beside the timeline's event
    kinds, so the timeline and the customer's status page can name the stage."""

    RECEIVED = "received", _("Received at the workshop")
    DIAGNOSING = "diagnosing", _("Diagnosing")
    WAITING_PARTS = "waiting_parts", _("Waiting for parts")
    REPAIRING = "repairing", _("Repairing")
    QUALITY_CHECK = "quality_check", _("Quality check")
    READY = "ready", _("Ready for collection")
    RETURNED = "returned", _("Returned to the customer")


class AttachmentKind(models.TextChoices):
    """What a ticket's attachment is, from its sniffed type: an image or a document."""

    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")


class PhotoKind(models.TextChoices):
    """What a job photo shows: the fault before the work, the result after, the rating plate."""

    BEFORE = "before", _("Before the work")
    AFTER = "after", _("After the work")
    NAMEPLATE = "nameplate", _("Rating plate")


class MailboxSecurity(models.TextChoices):
    """How the e-mail intake connects to a mailbox's IMAP server."""

    SSL = "ssl", _("TLS (IMAPS)")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (a trusted local network only)")


class InboundOutcome(models.TextChoices):
    """What the e-mail intake did with one message."""

    CREATED = "created", _("New ticket")
    REPLY = "reply", _("Added to a ticket")
    IGNORED = "ignored", _("Ignored")


class InboundReason(models.TextChoices):
    """Why the e-mail intake ignored a message (or filed a reply as a new ticket)."""

    AUTO_REPLY = "auto_reply", _("Automatic reply")
    BOUNCE = "bounce", _("Delivery failure report")
    BULK = "bulk", _("Bulk or mailing-list mail")
    OWN_MESSAGE = "own_message", _("Sent by this system")
    NO_SENDER = "no_sender", _("No usable sender address")
    OTHER_SENDER = "other_sender", _("Ticket number from another address")


class Action(models.TextChoices):
    TRIAGE = "triage", _("Triage")
    CONTACT = "contact", _("Log contact")
    PAUSE = "pause", _("Pause SLA")
    RESUME = "resume", _("Resume SLA")
    DISPATCH = "dispatch", _("Dispatch")
    RESCHEDULE = "reschedule", _("Reschedule")
    CHECK_IN = "check_in", _("Check in")
    COMPLETE = "complete", _("Complete")
    RESOLVE_REMOTELY = "resolve_remotely", _("Resolve remotely")
    CONFIRM = "confirm", _("Confirm")
    FOLLOW_UP = "follow_up", _("Follow up")
    CANCEL = "cancel", _("Cancel")
    ESCALATE = "escalate", _("Escalate")
    TRANSFER_OWNER = "transfer_owner", _("Transfer owner")
    UPDATE = "update", _("Edit details")


@dataclass(frozen=True)
class Transition:
    """One row of the table.

    ``to_status`` None keeps the status (the action still bumps ``version``);
    ``assigned_only`` means a technician may act only on a ticket assigned to them.
    A confirmation has two outcomes, so ``confirm`` lists its rejection target apart.
    """

    action: str
    from_statuses: tuple
    to_status: str | None
    roles: tuple
    assigned_only: bool = False


S, R = TicketStatus, Role
_DESK = (R.AGENT, R.SUPERVISOR)

TRANSITIONS = {
    t.action: t
    for t in (
        Transition(Action.TRIAGE, (S.NEW,), S.TRIAGED, _DESK),
        Transition(Action.CONTACT, OPEN_STATUSES, None, (*_DESK, R.TECHNICIAN), assigned_only=True),
        Transition(Action.PAUSE, OPEN_STATUSES, None, _DESK),
        Transition(Action.RESUME, OPEN_STATUSES, None, _DESK),
        # An outlet dispatcher only on their outlets' tickets (lifecycle.ticket_authorize).
        Transition(
            Action.DISPATCH, (S.TRIAGED,), S.DISPATCHED, (R.SUPERVISOR, R.OUTLET_DISPATCHER)
        ),
        Transition(Action.RESCHEDULE, (S.DISPATCHED,), None, (R.SUPERVISOR, R.OUTLET_DISPATCHER)),
        Transition(
            Action.CHECK_IN, (S.DISPATCHED,), S.ON_SITE, (R.TECHNICIAN,), assigned_only=True
        ),
        Transition(
            Action.COMPLETE,
            (S.ON_SITE,),
            S.AWAITING_CONFIRMATION,
            (R.TECHNICIAN,),
            assigned_only=True,
        ),
        Transition(Action.RESOLVE_REMOTELY, (S.TRIAGED,), S.AWAITING_CONFIRMATION, _DESK),
        Transition(
            Action.CONFIRM,
            (S.AWAITING_CONFIRMATION,),
            S.CLOSED,
            (*_DESK, R.TECHNICIAN),
            assigned_only=True,
        ),
        Transition(Action.FOLLOW_UP, (S.CLOSED,), S.FOLLOWED_UP, _DESK),
        Transition(Action.CANCEL, (S.NEW, S.TRIAGED, S.DISPATCHED), S.CANCELLED, _DESK),
        Transition(Action.ESCALATE, OPEN_STATUSES, None, _DESK),
        Transition(Action.TRANSFER_OWNER, (*OPEN_STATUSES, S.CLOSED), None, _DESK),
        Transition(Action.UPDATE, (S.NEW, S.TRIAGED, S.DISPATCHED, S.ON_SITE), None, _DESK),
    )
}
CONFIRM_REJECTED_STATUS = S.TRIAGED
