"""Reads of the platform shared by services, the API and the pages."""

from django.conf import settings
from django.contrib.auth import get_user_model

from aftersales.roles import Role

from .models import Notification
from .notifications.recipients import Recipient

# Not a role group: the service managers of the third escalation level (三级响应).
MANAGER = "manager"


def staff_to_notify(*, role, area_id=None):
    """Who is told, as a supervisor or a manager, about something in ``area_id``.

    - ``Role.SUPERVISOR``: every active user of the ``supervisor`` group. Supervisors are
      not assigned to areas today, so all of them answer for every area (``area_id`` is
      accepted so callers need not change once they are).
    - ``MANAGER`` (level-3 escalations): the ``SLA_MANAGER_EMAILS`` addresses, or the
      supervisors when that setting is empty.

    Returns users (or address ``Recipient`` objects) in a stable order; the channels decide
    how each is reached (a supervisor without an e-mail address still gets the inbox).
    """
    if role == MANAGER:
        if settings.SLA_MANAGER_EMAILS:
            return [Recipient.address(email) for email in settings.SLA_MANAGER_EMAILS]
        role = Role.SUPERVISOR
    if role != Role.SUPERVISOR:
        raise ValueError(f"no staff to notify for role {role!r}")
    users = get_user_model().objects.filter(groups__name=role, is_active=True)
    return list(users.order_by("pk").distinct())


def ticket_notifications(*, ticket):
    """The ticket's communication log: every message about it, oldest first (one query)."""
    return Notification.objects.filter(ticket=ticket).select_related("user").order_by("id")


def customer_notifications(*, customer_id, limit=50):
    """The messages sent to a customer (their communication log across tickets), newest
    first, each with its ticket: one query, at most ``limit`` rows."""
    return (
        Notification.objects.filter(customer_id=customer_id)
        .select_related("ticket")
        .order_by("-id")[:limit]
    )


def inbox(*, user, unread=None):
    """``user``'s in-app messages, newest first; ``unread=True`` only the unread ones."""
    rows = Notification.objects.inbox_of(user)
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    return rows
