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
