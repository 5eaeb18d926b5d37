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


# The calendar the platform reasons in. Query parameters outside it are refused (400):
# reports and eligibility add and subtract days and months, and at year 1 or 9999 that
# arithmetic overflows (a 500). Far wider than any service record.
EARLIEST_DAY = datetime.date(1900, 1, 1)
LATEST_DAY = datetime.date(2999, 12, 31)


def day_in_range(day):
    """Whether ``day`` (a date, or a datetime by its date) lies in EARLIEST_DAY … LATEST_DAY."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    return EARLIEST_DAY <= day <= LATEST_DAY
