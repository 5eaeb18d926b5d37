"""Codes of the instrument ledger."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role

# Who keeps the ledger (adds instruments, records calibrations, issues and returns them,
# sets the tool requirements); auditors and managers read it; technicians read their own.
LEDGER_EDITORS = (Role.SUPERVISOR,)
LEDGER_READERS = (Role.SUPERVISOR, Role.AUDITOR, Role.MANAGER)


class InstrumentStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    IN_CALIBRATION = "in_calibration", _("In calibration")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    RETIRED = "retired", _("Lost or retired")


class CalibrationResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class HolderChangeKind(models.TextChoices):
    ISSUE = "issue", _("Issued to a technician")
    RETURN = "return", _("Returned to stock")


class CalibrationState(models.TextChoices):
    """How an instrument's calibration stands on a day (derived, never stored)."""

    CURRENT = "current", _("Current")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    MISSING = "missing", _("Never calibrated")
