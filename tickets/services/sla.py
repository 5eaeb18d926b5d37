"""The SLA clock's writes: deadlines from the matching policy, on its working calendar.

Deadlines are recomputed from the intake instant (plus the working time already spent
paused) whenever what they depend on changes — the classification (priority, category)
or a pause ending — and each computation is kept as an ``SlaClockEntry``. A clock that
has stopped (the first response given, the job dispatched) keeps its deadline: a later
change cannot turn a breach into a success.
"""

import datetime

from django.conf import settings
from django.db import transaction

from aftersales.roles import acting_user

from .. import sla
from ..calendar import working_time_between
from ..models import SlaClockEntry, SlaPolicy, WorkingCalendar, WorkingHours
from ..selectors import sla_policy_for


def sla_policy_matching(*, priority, category, customer_tier):
    """The policy for a request; recreates the 24×7 "Standard" default if it was removed
    (migration 0008 ships it; a default policy must always exist)."""
    try:
        return sla_policy_for(priority=priority, category=category, customer_tier=customer_tier)
    except SlaPolicy.DoesNotExist:
        sla_default_policy_ensure()
        return sla_policy_for(priority=priority, category=category, customer_tier=customer_tier)


def sla_policy_of(ticket, *, priority=None, category=None):
    return sla_policy_matching(
        priority=priority or ticket.priority,
        category=category or ticket.category,
        customer_tier=ticket.customer.tier,
    )


@transaction.atomic
def sla_default_policy_ensure():
    """Create the 24×7 calendar and the Standard 24 h / 48 h default policy if missing."""
    calendar, created = WorkingCalendar.objects.get_or_create(
        code="24x7", defaults={"name": "24×7", "time_zone": settings.TIME_ZONE}
    )
    if created:
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=day, start_minute=0, end_minute=1440)
            for day in range(7)
        )
    policy, _ = SlaPolicy.objects.get_or_create(
        is_default=True,
        defaults={"name": "Standard", "calendar": calendar, "response_hours": 24,
                  "dispatch_hours": 48, "warning_fraction": "0.75", "level3_after_hours": 4},
    )  # fmt: skip
    return policy


def sla_deadlines(*, received_at, policy, paused_seconds=0):
    """The policy's deadlines for a request received at ``received_at``."""
    return sla.compute_deadlines(
        received_at,
        sla.Targets.of(policy),
        policy.calendar.spec(),
        paused=datetime.timedelta(seconds=paused_seconds),
    )


def sla_recompute_changes(*, ticket, policy, paused_seconds):
    """Column changes that re-plan the clocks still running under ``policy``."""
    deadlines = sla_deadlines(
        received_at=ticket.created_at, policy=policy, paused_seconds=paused_seconds
    )
    changes = {"sla_policy": policy, "sla_paused_seconds": paused_seconds}
    if ticket.responded_at is None and ticket.cancelled_at is None:
        changes["response_due_at"] = deadlines.response_due_at
        changes["response_warn_at"] = deadlines.response_warn_at
    if ticket.dispatched_at is None and ticket.completed_at is None and not ticket.cancelled_at:
        changes["dispatch_due_at"] = deadlines.dispatch_due_at
        changes["dispatch_warn_at"] = deadlines.dispatch_warn_at
    if ticket.completed_at is None and ticket.cancelled_at is None:
        changes["resolution_due_at"] = deadlines.resolution_due_at
    # The sweep looks again at the earliest re-planned instant (early is harmless; it may
    # have cleared the check while the ticket was paused, so never keep a stale None).
    instants = [
        changes.get(f) for f in ("response_warn_at", "dispatch_warn_at", "resolution_due_at")
    ]
    instants = [i for i in instants if i is not None]
    changes["next_sla_check_at"] = min(instants, default=ticket.next_sla_check_at)
    return changes


def sla_paused_seconds_after_resume(*, ticket, policy, now):
    """Working seconds paused so far, including the pause that ends ``now``."""
    spent = working_time_between(ticket.sla_paused_at, now, policy.calendar.spec())
    return ticket.sla_paused_seconds + int(spent.total_seconds())


def sla_clock_record(*, ticket, reason, actor):
    """Keep this computation in the clock's history (same transaction as the change)."""
    assert transaction.get_connection().in_atomic_block
    return SlaClockEntry.objects.create(
        ticket=ticket,
        reason=reason,
        policy_id=ticket.sla_policy_id,
        paused_seconds=ticket.sla_paused_seconds,
        response_due_at=ticket.response_due_at,
        dispatch_due_at=ticket.dispatch_due_at,
        resolution_due_at=ticket.resolution_due_at,
        actor=acting_user(actor),
    )
