"""SLA decisions as pure functions of plain values (no database), shared by the API,
the filters and the sweep.

A clock runs from intake until its stop event (first response; dispatch). Targets are
working time on the policy's calendar, counted from the intake instant plus the working
time the ticket spent paused; while paused the clock is frozen at the pause instant.
Deadlines are always recomputed from intake (never shifted), so any deadline can be
replayed from the clock's history.
"""

import datetime
from dataclasses import dataclass

from .calendar import add_working_time
from .choices import SlaState


@dataclass(frozen=True)
class Targets:
    """A policy's targets as plain values (working time)."""

    response: datetime.timedelta
    dispatch: datetime.timedelta
    resolution: datetime.timedelta | None
    warning_fraction: float

    @classmethod
    def of(cls, policy):
        def hours(value):
            return None if value is None else datetime.timedelta(hours=float(value))

        return cls(
            response=hours(policy.response_hours),
            dispatch=hours(policy.dispatch_hours),
            resolution=hours(policy.resolution_hours),
            warning_fraction=float(policy.warning_fraction),
        )

    def warning(self, target):
        # Whole seconds, so that a replay gives exactly the same instant.
        return datetime.timedelta(seconds=round(target.total_seconds() * self.warning_fraction))


@dataclass(frozen=True)
class Deadlines:
    response_due_at: datetime.datetime
    response_warn_at: datetime.datetime
    dispatch_due_at: datetime.datetime
    dispatch_warn_at: datetime.datetime
    resolution_due_at: datetime.datetime | None


def compute_deadlines(received_at, targets, spec, *, paused=datetime.timedelta(0)):
    """Every due and warning instant of a request received at ``received_at``.

    ``paused`` is the working time the ticket has spent paused so far; it is added to
    each target, so pausing never loses or gains time however often it happens.
    """

    def after(amount):
        return add_working_time(received_at, amount + paused, spec)

    return Deadlines(
        response_due_at=after(targets.response),
        response_warn_at=after(targets.warning(targets.response)),
        dispatch_due_at=after(targets.dispatch),
        dispatch_warn_at=after(targets.warning(targets.dispatch)),
        resolution_due_at=after(targets.resolution) if targets.resolution else None,
    )


@dataclass(frozen=True)
class Clock:
    due_at: datetime.datetime
    warn_at: datetime.datetime
    stopped_at: datetime.datetime | None

    def breached(self, now):
        return (self.stopped_at or now) > self.due_at

    def state(self, now):
        if self.breached(now):
            return SlaState.BREACHED
        if self.stopped_at is not None:
            return SlaState.MET
        if now >= self.warn_at:
            return SlaState.AT_RISK
        return SlaState.ON_TRACK


_SEVERITY = [SlaState.MET, SlaState.ON_TRACK, SlaState.AT_RISK, SlaState.BREACHED]


def overall_state(clocks, now):
    """The worst state over the clocks: breached > at risk > on track > met."""
    return max((clock.state(now) for clock in clocks), key=_SEVERITY.index)


def effective_now(now, paused_at):
    """A paused clock is frozen at the pause instant."""
    return paused_at if paused_at is not None else now


@dataclass(frozen=True)
class Countdown:
    """What an SLA badge says: the ticket's state and the one clock it is about.

    ``clock`` is the name of the clock the badge counts (None when every clock is met);
    ``left`` is the time until its deadline for a running clock, ``overdue`` the time
    since the deadline for a breached one; both are judged at the pause instant while
    the ticket is paused (``paused``).
    """

    state: str
    paused: bool = False
    clock: str | None = None
    due_at: datetime.datetime | None = None
    left: datetime.timedelta | None = None
    overdue: datetime.timedelta | None = None


def countdown(clocks, now, paused_at=None):
    """The badge of a ticket with the named ``clocks`` ({name: Clock}) at ``now``.

    Breached: the clock that breached first, and how long ago. Otherwise the running clock
    due first, and the time left (at risk or on track). Met: every clock stopped in time.
    """
    at = effective_now(now, paused_at)
    state = overall_state(clocks.values(), at)
    paused = paused_at is not None
    if state == SlaState.BREACHED:
        name, clock = min(
            ((n, c) for n, c in clocks.items() if c.breached(at)), key=lambda nc: nc[1].due_at
        )
        return Countdown(state, paused, name, clock.due_at, overdue=at - clock.due_at)
    running = [(n, c) for n, c in clocks.items() if c.stopped_at is None]
    if not running:
        return Countdown(state, paused)
    name, clock = min(running, key=lambda nc: nc[1].due_at)
    return Countdown(state, paused, name, clock.due_at, left=clock.due_at - at)


@dataclass(frozen=True)
class ClockPlan:
    """One clock as the sweep sees it: its instants and when (if) it stopped."""

    name: str
    warn_at: datetime.datetime | None
    due_at: datetime.datetime
    # None while the breach has not happened by the instant the clock is judged at: level
    # 3 follows the breach, so it could then neither be marked nor be the next instant.
    level3_at: datetime.datetime | None
    stopped_at: datetime.datetime | None


def sla_marks(clocks, *, now, paused_at=None):
    """The marks due by ``now`` and the next instant to look again (None: nothing pending).

    Marks are ``(kind, clock, level)``: a clock's ``warning`` and ``breach``, and the
    ticket's ``escalation`` levels — 1 at a warning, 2 at a breach, 3 at ``level3_at``.
    A stopped clock is judged at its stop (a breach that happened while no sweep ran is
    still marked); a paused ticket at its pause, with nothing pending until it resumes.
    """
    marks, pending, reached = set(), [], 0
    for clock in clocks:
        stopped = clock.stopped_at is not None
        judged_at = clock.stopped_at if stopped else (paused_at or now)
        for kind, level, at in (
            ("warning", 1, clock.warn_at),
            ("breach", 2, clock.due_at),
            (None, 3, clock.level3_at),
        ):
            if at is None:
                continue
            happened = at < judged_at if stopped else at <= judged_at
            if happened:
                if kind:
                    marks.add((kind, clock.name, 0))
                reached = max(reached, level)
            elif not stopped and paused_at is None:
                pending.append(at)
    marks |= {("escalation", "", level) for level in range(1, reached + 1)}
    return marks, min(pending, default=None)
