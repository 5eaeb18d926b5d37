"""Query-parameter filters every filterset shares (django-filter), safe on bad input.

``IsoDateTimeFilter`` is the one date-time filter of every ``<Model>FilterSet``:
django-filter's keeps whatever UTC offset the client wrote, and PostgreSQL refuses an
offset beyond ±15:59 with an error that surfaces as a 500. This one refuses offsets no
place on Earth uses (outside −12:00 … +14:00) and instants out of range with a 400, and
hands the database the instant in UTC. ``DateFilter`` refuses days outside
``aftersales.dates.EARLIEST_DAY`` … ``LATEST_DAY`` (date arithmetic at year 1 or 9999
overflows).
"""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField as _IsoDateTimeField

from aftersales.dates import EARLIEST_DAY, LATEST_DAY, day_in_range

# The extremes of civil time: Baker Island (−12:00) and Kiribati's Line Islands (+14:00).
MIN_UTC_OFFSET = datetime.timedelta(hours=-12)
MAX_UTC_OFFSET = datetime.timedelta(hours=14)


def utc_instant(value):
    """``value`` (an aware datetime) in UTC; ``ValueError`` for an offset outside
    −12:00 … +14:00 and ``OverflowError`` for an instant UTC cannot hold."""
    offset = value.utcoffset()
    if offset is not None and not MIN_UTC_OFFSET <= offset <= MAX_UTC_OFFSET:
        raise ValueError("UTC offset out of range")
    return value.astimezone(datetime.UTC)


class IsoDateTimeField(_IsoDateTimeField):
    """django-filter's ISO 8601 field, answering the instant in UTC or a clear error."""

    default_error_messages = {
        "offset": _("Use a UTC offset between -12:00 and +14:00 (e.g. 2026-01-01T08:00+08:00)."),
        "overflow": _("This date and time is out of range."),
    }

    def to_python(self, value):
        try:
            value = super().to_python(value)
        except OverflowError as exc:
            raise forms.ValidationError(self.error_messages["overflow"], code="overflow") from exc
        if value is None:
            return None
        if not day_in_range(value):
            raise forms.ValidationError(_range_message(), code="out_of_range")
        try:
            return utc_instant(value)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["offset"], code="offset") from exc
        except OverflowError as exc:
            raise forms.ValidationError(self.error_messages["overflow"], code="overflow") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """The date-time filter of every filterset (``after``, ``created_after``, …)."""

    field_class = IsoDateTimeField


def _range_message():
    return _("Give a date between %(earliest)s and %(latest)s.") % {
        "earliest": EARLIEST_DAY.isoformat(),
        "latest": LATEST_DAY.isoformat(),
    }


class DateField(forms.DateField):
    """A form date within the platform's calendar (``aftersales.dates.day_in_range``)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not day_in_range(value):
            raise forms.ValidationError(_range_message(), code="out_of_range")
        return value


class DateFilter(django_filters.DateFilter):
    """The date filter of every filterset (``available_on``, ``expires_before``, …)."""

    field_class = DateField
