"""When a visit happens against its booking: whether a check-in falls inside the booked
window (a pure rule, used by the check-in and the job page)."""

import datetime

from django.conf import settings
from django.utils import timezone

EARLY, LATE = "early", "late"


def check_in_window(*, ticket, at=None):
    """Whether a check-in at ``at`` (now) is ``"early"`` (before the window's start less
    ``JOB_CHECK_IN_TOLERANCE_MINUTES``), ``"late"`` (after its end) or inside it (None).
    A ticket without a booked window is never outside it."""
    if ticket.appointment_start is None or ticket.appointment_end is None:
        return None
    at = at or timezone.now()
    tolerance = datetime.timedelta(minutes=settings.JOB_CHECK_IN_TOLERANCE_MINUTES)
    if at < ticket.appointment_start - tolerance:
        return EARLY
    if at > ticket.appointment_end + tolerance:
        return LATE
    return None


DEVICE, SERVER = "device", "server"


def stage_time(*, device_time, received_at, not_before, skew_seconds):
    """When a stage the technician's phone recorded (a check-in, a completion, a
    signature) happened, and whose clock says so: ``(instant, "device" | "server")``.

    A change made offline reaches the server later (``received_at``); the phone's own
    time (``device_time``) is used when it is plausible: not after ``received_at`` (a
    clock up to ``skew_seconds`` fast counts as now) and not before ``not_before`` (the
    stage before it: the dispatch for a check-in, the check-in for a completion). An
    implausible or missing device time gives the receive time. Pure: plain values in,
    plain values out.
    """
    if device_time is None:
        return received_at, SERVER
    if device_time > received_at + datetime.timedelta(seconds=skew_seconds):
        return received_at, SERVER
    if not_before is not None and device_time < not_before:
        return received_at, SERVER
    return min(device_time, received_at), DEVICE


def stage_time_facts(*, device_time, received_at, used):
    """The payload keys a stage event keeps about its time (none for an online change)."""
    if device_time is None:
        return {}
    return {
        "device_time": device_time.isoformat(),
        "received_at": received_at.isoformat(),
        "time_source": used,
    }
