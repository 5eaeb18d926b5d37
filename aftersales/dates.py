"""Local calendar days as instants (the ``TIME_ZONE`` setting, DST-safe)."""

import datetime

from django.utils import timezone


def local_day_bounds(first, last=None):
    """[start, end) of the local days ``first`` … ``last`` (inclusive; default one day) as
    aware datetimes: midnight of ``first`` to midnight after ``last``."""
    last = last or first
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    )
    return start, end
