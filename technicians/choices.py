"""Codes of the technicians app (stored and sent as is; labels are for people)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    NOT_WORKING_DAY = "not_working_day", _("not one of the technician's working days")
    ABSENT = "absent", _("the technician is absent then")
    DAY_FULL = "day_full", _("the technician is fully booked that day")
    TRAINING_INCOMPLETE = (
        "training_incomplete",
        _("annual training hours are not complete"),
    )
