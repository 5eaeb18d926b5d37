"""Who hears of an escalation, and how: level 1 the owner and the supervisors, level 2 the
supervisors, level 3 the service managers (SLA_MANAGER_EMAILS, else the supervisors).

Channels are pluggable (SLA_NOTIFICATION_CHANNELS: dotted paths of callables taking
``(recipients, subject, body)``); e-mail through Django's mail backend is the default.
Sent after commit by a Celery task, each escalation once (``notified_at``).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from aftersales.roles import Role

from ..models import SlaEvent


def email_channel(recipients, subject, body):
    if recipients:
        send_mail(subject, body, None, sorted(recipients))


def _supervisor_emails():
    users = get_user_model().objects.filter(groups__name=Role.SUPERVISOR, is_active=True)
    return {email for email in users.values_list("email", flat=True) if email}


def _recipients(event, supervisors):
    if event.level == 1:
        owner = event.ticket.owner.email
        return supervisors | ({owner} if owner else set())
    if event.level == 3:
        return set(settings.SLA_MANAGER_EMAILS) or supervisors
    return supervisors


@transaction.atomic
def sla_notify_pending(*, limit=500):
    """Notify the escalations not yet notified; returns how many were sent."""
    events = list(
        SlaEvent.objects.pending_notification()
        .select_related("ticket", "ticket__owner")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("id")[:limit]
    )
    if not events:
        return 0
    channels = [import_string(path) for path in settings.SLA_NOTIFICATION_CHANNELS]
    supervisors = _supervisor_emails()
    for event in events:
        ticket = event.ticket
        subject = f"[{ticket.number}] SLA escalation level {event.level}"
        body = (
            f"Ticket {ticket.number} ({ticket.get_status_display()}, priority "
            f"{ticket.priority}) reached escalation level {event.level}.\n"
            f"Response due {timezone.localtime(ticket.response_due_at):%Y-%m-%d %H:%M}, "
            f"dispatch due {timezone.localtime(ticket.dispatch_due_at):%Y-%m-%d %H:%M}."
        )
        for channel in channels:
            channel(_recipients(event, supervisors), subject, body)
    SlaEvent.objects.filter(pk__in=[e.pk for e in events]).update(notified_at=timezone.now())
    return len(events)
