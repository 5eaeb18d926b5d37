"""The workshop's turnaround clock as pure functions of plain values (no database).

The clock runs from intake until the unit is ready, in working time on a calendar
(``tickets.calendar``, the SLA engine's), and stands still while the workshop waits for
parts. Like the ticket's SLA clocks, the due and warning instants are always recomputed
from the intake instant plus the working time spent paused, so pausing never loses or
gains time however often it happens.
"""

import datetime
from dataclasses import dataclass

from tickets.calendar import add_working_time, working_time_between

from .choices import TurnaroundState


@dataclass(frozen=True)
class Plan:
    due_at: datetime.datetime
    warn_at: datetime.datetime


def plan(received_at, *, target_hours, warning_fraction, spec, paused_seconds=0):
    """The due and warning instants of a unit received at ``received_at``."""
    target = datetime.timedelta(hours=float(target_hours))
    warning = datetime.timedelta(seconds=round(target.total_seconds() * float(warning_fraction)))
    paused = datetime.timedelta(seconds=paused_seconds)
    return Plan(
        due_at=add_working_time(received_at, target + paused, spec),
        warn_at=add_working_time(received_at, warning + paused, spec),
    )


def paused_after_resume(*, paused_seconds, paused_at, now, spec):
    """Working seconds paused so far, including the pause that ends ``now``."""
    return paused_seconds + int(working_time_between(paused_at, now, spec).total_seconds())


def state(*, due_at, warn_at, now, ready_at=None, paused_at=None):
    """On track / at risk / breached while running (judged at the pause instant while
    paused); met or breached once the unit is ready (judged at ``ready_at``)."""
    if ready_at is not None:
        return TurnaroundState.BREACHED if ready_at > due_at else TurnaroundState.MET
    at = paused_at or now
    if at > due_at:
        return TurnaroundState.BREACHED
    if at >= warn_at:
        return TurnaroundState.AT_RISK
    return TurnaroundState.ON_TRACK


def left(*, due_at, now, ready_at=None, paused_at=None):
    """Time left until the due instant (negative: overdue); None once ready."""
    if ready_at is not None:
        return None
    return due_at - (paused_at or now)


def marks(*, warn_at, due_at, now, warned, breached, paused=False, stopped=False):
    """What the sweep raises now: ``{"warning", "breach"}`` not raised yet and reached,
    and the next instant to look again (None: nothing pending). A paused or stopped clock
    raises nothing and waits (the resume re-plans it)."""
    if paused or stopped:
        return set(), None
    due = set()
    if not warned and now >= warn_at:
        due.add("warning")
    if not breached and now > due_at:
        due.add("breach")
    # A breach is strictly after the due instant: look again one second later.
    breach_at = due_at + datetime.timedelta(seconds=1)
    pending = [
        at
        for at, done, kind in ((warn_at, warned, "warning"), (breach_at, breached, "breach"))
        if not done and kind not in due
    ]
    return due, min(pending, default=None)
