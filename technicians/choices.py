"""Codes of the technicians app (stored and sent as is; labels are for people)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role


class CertificationStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring within 30 days")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    SICK = "sick", _("Sick leave")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class Ineligibility(models.TextChoices):
    """Why a technician may not take a job (the reasons of 409 ``not_qualified``)."""

    INACTIVE = "inactive", _("the technician is inactive")
    NOT_CERTIFIED = "not_certified", _("no valid certificate for this product category")
    AREA_NOT_COVERED = "area_not_covered", _("the technician does not cover the customer's area")
    NOT_IN_OUTLET = "not_in_outlet", _("not a technician of the outlet the ticket is sent to")
    NOT_WORKING_DAY = "not_working_day", _("not one of the technician's working days")
    ABSENT = "absent", _("the technician is absent then")
    DAY_FULL = "day_full", _("the technician is fully booked that day")
    TRAINING_INCOMPLETE = (
        "training_incomplete",
        _("annual training hours are not complete"),
    )


def reason_label(code):
    """A person's reading of a reason code from eligibility or ranking (translated).

    Eligibility codes are ``Ineligibility`` members; ranking codes carry a value after a
    colon (``jobs_booked:1/6``, ``first_time_fix:92%``, ``satisfaction:4.6``,
    ``area_jobs:14``). Unknown codes are returned as they are.
    """
    name, _sep, value = code.partition(":")
    if name in Ineligibility.values:
        return str(Ineligibility(name).label)
    labels = {
        "jobs_booked": _("%(value)s jobs booked that day"),
        "first_time_fix": _("first-time fix %(value)s"),
        "satisfaction": _("satisfaction %(value)s"),
        "area_jobs": _("%(value)s recent jobs in the area"),
    }
    if name not in labels:
        return code
    if value == "none":
        return str(
            {
                "first_time_fix": _("no first-time-fix record yet"),
                "satisfaction": _("no ratings yet"),
            }.get(name, value)
        )
    return str(labels[name]) % {"value": value}


# Who keeps technicians' records (profiles, certificates, training, absences): the one
# role list the services check and the API's write permission uses.
MANAGER_ROLES = (Role.SUPERVISOR,)
