"""The dispatch eligibility rule and the other pure decisions of the technicians app.

Plain values in, plain values out: no database, so they are tested without one and the
single dispatch and the ranked list of 2,000 candidates decide alike
(``selectors.eligibility_facts`` gathers the facts, ``technician_eligibility`` asks).
"""

import datetime
from decimal import Decimal
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from django.conf import settings

from .choices import Ineligibility


class EligibilityFacts(NamedTuple):
    """What the rule needs to know about one technician for one job on one day (a named
    tuple: the ranked list builds 2,000 of them, and a frozen dataclass costs several
    times as much to build)."""

    covers_area: bool
    certified: bool
    absent: bool
    booked: int
    training_compliant: bool
    # The ticket is dispatched to a service outlet and the technician is not one of its.
    in_outlet: bool = True


# The codes as plain strings, read once: an enum member's ``.value`` is a descriptor call,
# and the ranked list of 2,000 candidates asks the rule 2,000 times.
_INACTIVE = Ineligibility.INACTIVE.value
_NOT_CERTIFIED = Ineligibility.NOT_CERTIFIED.value
_AREA_NOT_COVERED = Ineligibility.AREA_NOT_COVERED.value
_NOT_IN_OUTLET = Ineligibility.NOT_IN_OUTLET.value
_NOT_WORKING_DAY = Ineligibility.NOT_WORKING_DAY.value
_ABSENT = Ineligibility.ABSENT.value
_DAY_FULL = Ineligibility.DAY_FULL.value
_TRAINING_INCOMPLETE = Ineligibility.TRAINING_INCOMPLETE.value


def eligibility_reasons(*, technician, day, facts, training_blocks=False):
    """The rule, on plain facts: reason codes against sending ``technician``; empty = eligible.

    In order: inactive, no valid certificate for the product category on ``day``, area
    not covered, not of the service outlet the ticket is sent to, not a working day,
    absent, day full, and — only when ``training_blocks`` — annual training incomplete.
    """
    reasons = []
    if not technician.active:
        reasons.append(_INACTIVE)
    if not facts.certified:
        reasons.append(_NOT_CERTIFIED)
    if not facts.covers_area:
        reasons.append(_AREA_NOT_COVERED)
    if not facts.in_outlet:
        reasons.append(_NOT_IN_OUTLET)
    if str(day.isoweekday()) not in technician.working_days:
        reasons.append(_NOT_WORKING_DAY)
    if facts.absent:
        reasons.append(_ABSENT)
    if facts.booked >= technician.max_jobs_per_day:
        reasons.append(_DAY_FULL)
    if training_blocks and not facts.training_compliant:
        reasons.append(_TRAINING_INCOMPLETE)
    return reasons


def training_year(day):
    """The training cycle ending on ``day``: the 365 days up to and including it.

    A rolling year rather than the calendar year, so compliance does not drop for
    everyone on 1 January.
    """
    return day - datetime.timedelta(days=364), day


def training_minimum():
    """The annual hours a technician must have completed: (theory, practical), as
    ``Decimal`` (TRAINING_MIN_THEORY_HOURS, TRAINING_MIN_PRACTICAL_HOURS)."""
    return (
        Decimal(settings.TRAINING_MIN_THEORY_HOURS),
        Decimal(settings.TRAINING_MIN_PRACTICAL_HOURS),
    )


def training_compliant(theory, practical, *, minimum=None):
    """Pure: do these annual hours meet the thresholds (``training_minimum()``)?

    ``minimum``: the thresholds read once by a caller that asks for many technicians (the
    ranked list of 2,000 read the settings twice per technician)."""
    min_theory, min_practical = minimum or training_minimum()
    return Decimal(theory or 0) >= min_theory and Decimal(practical or 0) >= min_practical


def certification_latest_expiry(*, type, issued_on):
    """The expiry a certificate of ``type`` issued on ``issued_on`` gets by default, and
    may not exceed: the type's validity in calendar months."""
    return issued_on + relativedelta(months=type.validity_months)
