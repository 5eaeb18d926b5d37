"""Serializer fields every app's API shares, safe on out-of-range input.

Query serializers (report periods, ``?date=``) take dates that the code then shifts by
days and months; at year 1 or 9999 that overflows into a 500. These refuse days outside
``aftersales.dates.EARLIEST_DAY`` … ``LATEST_DAY`` with a 400 on the field.
"""

from django.utils.translation import gettext as _
from rest_framework import serializers

from aftersales.dates import EARLIEST_DAY, LATEST_DAY, day_in_range


class _InRange:
    def to_internal_value(self, data):
        try:
            value = super().to_internal_value(data)
        except OverflowError:  # making year 1 aware in a zone east of UTC
            value = None
        if value is None or not day_in_range(value):
            raise serializers.ValidationError(
                _("Give a date between %(earliest)s and %(latest)s.")
                % {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()},
                code="out_of_range",
            )
        return value


class DateField(_InRange, serializers.DateField):
    """A ``DateField`` within the platform's calendar."""


class DateTimeField(_InRange, serializers.DateTimeField):
    """A ``DateTimeField`` whose day lies within the platform's calendar."""


class PasswordField(serializers.CharField):
    """A new password, write-only; the serializer checks it with Django's password
    validators, and the schema states their minimum length (``aftersales.api.schema``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("style", {"input_type": "password"})
        super().__init__(**kwargs)
