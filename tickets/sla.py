"""SLA decisions as pure functions of plain values (no database), shared by the API,
the filters and the sweep.

A clock runs from intake until its stop event (first response; dispatch). While the
ticket is paused the clock is frozen at the pause instant; on resume every deadline
still running moves later by the paused duration.
"""

import datetime
from dataclasses import dataclass

from .choices import SlaState


@dataclass(frozen=True)
class Deadlines:
    response_due_at: datetime.datetime
    response_warn_at: datetime.datetime
    dispatch_due_at: datetime.datetime
    dispatch_warn_at: datetime.datetime


def initial_deadlines(received_at, *, response_hours, dispatch_hours, warning_fraction):
    """Due and warning instants for a request received at ``received_at`` (24×7 clock)."""
    response = datetime.timedelta(hours=response_hours)
    dispatch = datetime.timedelta(hours=dispatch_hours)
    return Deadlines(
        response_due_at=received_at + response,
        response_warn_at=received_at + response * warning_fraction,
        dispatch_due_at=received_at + dispatch,
        dispatch_warn_at=received_at + dispatch * warning_fraction,
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
