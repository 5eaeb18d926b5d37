"""Who hears of an SLA escalation (三级响应): level 1 the owner and the supervisors, level 2
the supervisors, level 3 the service managers (``SLA_MANAGER_EMAILS``, else the
supervisors) — ``aftersales.platform.selectors.staff_to_notify`` answers who they are.

Messages go through the platform's notification outbox (channels per
``NOTIFICATION_CHANNELS``), each escalation once: ``notified_at`` is set in the
transaction that queues its messages, and nothing is sent while the rows are locked;
``delivered_at`` once a channel accepted the first of them (``sla_escalation_delivered``).
"""

from django.db import transaction
from django.utils import timezone

from aftersales.platform.models import NotificationKind
from aftersales.platform.notifications.hooks import on_sent
from aftersales.platform.selectors import MANAGER, staff_to_notify
from aftersales.platform.services import notify
from aftersales.roles import Role

from ..choices import Priority, TicketStatus
from ..models import SlaEvent

SLA_NOTIFY_TASK = "tickets.tasks.sla_notify_task"
DEDUPE_PREFIX = "sla-escalation:"  # the notifications of escalation <id>


def _recipients(event, supervisors, managers):
    if event.level == 1:
        return [*supervisors, event.ticket.owner]
    if event.level == 3:
        return managers
    return supervisors


@transaction.atomic
def sla_notify_pending(*, limit=500):
    """Queue the messages of the escalations not yet notified; returns how many.

    Takes up to ``limit`` pending escalations under ``SKIP LOCKED`` (two runs never take
    one), writes their ``Notification`` rows (``dedupe_key`` ``sla-escalation:<id>``) and
    sets ``notified_at``, all in one short transaction; delivery follows its commit. Run
    after each sweep that escalated (``sla_notify_task``) and by beat, which catches an
    escalation whose task was lost.
    """
    events = list(
        SlaEvent.objects.pending_notification()
        .select_related("ticket", "ticket__owner")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("id")[:limit]
    )
    if not events:
        return 0
    supervisors = staff_to_notify(role=Role.SUPERVISOR)
    managers = staff_to_notify(role=MANAGER)
    for event in events:
        ticket = event.ticket
        notify(
            kind=NotificationKind.SLA_ESCALATION,
            recipients=_recipients(event, supervisors, managers),
            context={
                "number": ticket.number,
                "status": TicketStatus(ticket.status).label,
                "priority": Priority(ticket.priority).label,  # a label: "P2 – high"
                "level": event.level,
                "response_due_at": ticket.response_due_at,
                "dispatch_due_at": ticket.dispatch_due_at,
            },
            ticket=ticket,
            dedupe_key=f"{DEDUPE_PREFIX}{event.pk}",
        )
    SlaEvent.objects.filter(pk__in=[e.pk for e in events]).update(notified_at=timezone.now())
    return len(events)


@on_sent(NotificationKind.SLA_ESCALATION)
def sla_escalation_delivered(notification):
    """An escalation counts as delivered when a channel first accepted one of its messages
    (runs in the platform's transaction that records the delivery)."""
    key = notification.dedupe_key or ""
    if key.startswith(DEDUPE_PREFIX):
        SlaEvent.objects.filter(
            pk=int(key.removeprefix(DEDUPE_PREFIX)), delivered_at__isnull=True
        ).update(delivered_at=notification.sent_at or timezone.now())
