"""The due times of an incident from ``INCIDENT_TARGETS`` (pure: plain values in and out)."""

import datetime

from django.conf import settings

from .choices import TARGET_KEYS


def incident_targets(grade):
    """Hours per clock (``response``, ``handling``, ``closure``) for ``grade``, from the
    setting; a clock the setting leaves out of a grade is a configuration error."""
    table = settings.INCIDENT_TARGETS[grade]
    return {key: float(table[key]) for key in TARGET_KEYS}


def incident_due_times(grade, declared_at):
    """``{"response": t, "handling": t, "closure": t}``: the declaration plus the hours."""
    return {
        key: declared_at + datetime.timedelta(hours=hours)
        for key, hours in incident_targets(grade).items()
    }
