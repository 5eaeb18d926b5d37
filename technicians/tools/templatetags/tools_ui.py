"""Template helpers of the ledger pages."""

from django import template

from ..choices import CalibrationState

register = template.Library()


@register.filter
def calibration_state(instrument, day):
    """The instrument's ``CalibrationState`` on ``day`` (its ``value`` and ``label``)."""
    return CalibrationState(instrument.calibration_state(day))
