"""Codes of service targets: periods, set states, comparators, outcomes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class TargetSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")
    # An approved set replaced by an approved revision of the same period.
    SUPERSEDED = "superseded", _("Superseded")


# The states a supervisor may still edit.
EDITABLE = (TargetSetStatus.DRAFT, TargetSetStatus.RETURNED)


class Comparator(models.TextChoices):
    GTE = "gte", _("at least")
    LTE = "lte", _("at most")


class Scope(models.TextChoices):
    OVERALL = "overall", _("Overall")
    AREA = "area", _("Area")
    OUTLET = "outlet", _("Outlet")


class Outcome(models.TextChoices):
    MET = "met", _("Met")
    AT_RISK = "at_risk", _("At risk")
    MISSED = "missed", _("Missed")
    NO_DATA = "no_data", _("No data")
