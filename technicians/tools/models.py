"""The instrument ledger (工具和检测仪器台账): kinds of instrument, instruments with their
holder and calibration, the calibration records, the issue/return history, and the tools
each product category requires at a check-in."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, roles_of

from .choices import (
    LEDGER_READERS,
    CalibrationResult,
    CalibrationState,
    HolderChangeKind,
    InstrumentStatus,
)


class InstrumentKind(models.Model):
    """A kind of instrument (multimeter, refrigerant gauge, leak detector…) with how long
    a calibration holds by default."""

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    calibration_interval_months = models.PositiveSmallIntegerField(
        default=12, verbose_name=_("calibration interval (months)")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument kind")
        verbose_name_plural = _("instrument kinds")

    def __str__(self):
        return self.name


class InstrumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Ledger readers see every instrument; a technician the ones they hold."""
        if user is None or not user.is_authenticated:
            return self.none()
        roles = roles_of(user)
        if user.is_superuser or roles & set(LEDGER_READERS):
            return self
        if Role.TECHNICIAN in roles:
            return self.filter(holder__user=user)
        return self.none()

    def current_on(self, day):
        """In service with a calibration that holds on ``day``."""
        return self.filter(status=InstrumentStatus.IN_SERVICE, calibration_due_on__gte=day)

    def due_within(self, day, days):
        """Not retired, due on or before ``day`` + ``days`` (overdue ones included)."""
        return self.exclude(status=InstrumentStatus.RETIRED).filter(
            Q(calibration_due_on__isnull=True)
            | Q(calibration_due_on__lte=day + datetime.timedelta(days=days))
        )


class Instrument(models.Model):
    """One instrument: its number (unique), kind, model and serial, who holds it (a
    technician, else the store location it is kept at), its status and when its
    calibration falls due. ``reminded_for`` / ``due_notice_for`` are the due dates the
    advance reminder and the due-day notice were sent for (each once per due date)."""

    number = models.CharField(max_length=32, unique=True, verbose_name=_("number"))
    kind = models.ForeignKey(
        InstrumentKind, on_delete=models.PROTECT, related_name="instruments", verbose_name=_("kind")
    )
    model = models.CharField(max_length=120, blank=True, verbose_name=_("model"))
    serial = models.CharField(max_length=64, blank=True, verbose_name=_("serial number"))
    holder = models.ForeignKey(
        "technicians.Technician",
        on_delete=models.PROTECT,
        related_name="instruments",
        null=True,
        blank=True,
        verbose_name=_("holder"),
    )
    location = models.ForeignKey(
        "parts.StockLocation",
        on_delete=models.PROTECT,
        related_name="instruments",
        null=True,
        blank=True,
        verbose_name=_("kept at"),
    )
    status = models.CharField(
        max_length=16,
        choices=InstrumentStatus.choices,
        default=InstrumentStatus.IN_SERVICE,
        verbose_name=_("status"),
    )
    last_calibrated_on = models.DateField(null=True, blank=True, verbose_name=_("last calibration"))
    calibration_due_on = models.DateField(
        null=True, blank=True, verbose_name=_("calibration due date")
    )
    reminded_for = models.DateField(null=True, blank=True, verbose_name=_("reminded for due date"))
    due_notice_for = models.DateField(
        null=True, blank=True, verbose_name=_("due-day notice for due date")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        constraints = [
            models.CheckConstraint(
                condition=Q(holder__isnull=True) | Q(location__isnull=True),
                name="instrument_one_holder",
            ),
        ]
        indexes = [
            models.Index(fields=["holder", "kind"], name="instrument_holder_kind"),
            models.Index(fields=["calibration_due_on"], name="instrument_due"),
        ]

    def __str__(self):
        return f"{self.number} {self.kind.name}"

    def calibration_state(self, day=None, *, soon_days=None):
        """``CalibrationState`` on ``day`` (today): missing, overdue, due soon, current."""
        day = day or timezone.localdate()
        if soon_days is None:
            soon_days = settings.TOOLS_CALIBRATION_REMINDER_DAYS
        if self.calibration_due_on is None:
            return CalibrationState.MISSING
        if self.calibration_due_on < day:
            return CalibrationState.OVERDUE
        if (self.calibration_due_on - day).days <= soon_days:
            return CalibrationState.DUE_SOON
        return CalibrationState.CURRENT

    @property
    def calibration_state_label(self):
        return CalibrationState(self.calibration_state()).label


class CalibrationRecord(models.Model):
    """One calibration: when, by whom (which lab), the result, the certificate (checked
    upload, served to ledger readers only) and the next due date it sets."""

    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        related_name="calibrations",
        verbose_name=_("instrument"),
    )
    calibrated_on = models.DateField(verbose_name=_("calibrated on"))
    laboratory = models.CharField(max_length=200, verbose_name=_("by (laboratory)"))
    result = models.CharField(
        max_length=8, choices=CalibrationResult.choices, verbose_name=_("result")
    )
    next_due_on = models.DateField(null=True, blank=True, verbose_name=_("next due date"))
    certificate_number = models.CharField(
        max_length=64, blank=True, verbose_name=_("certificate number")
    )
    certificate = models.FileField(
        upload_to="calibrations/%Y/", blank=True, verbose_name=_("certificate")
    )
    certificate_content_type = models.CharField(
        max_length=64, blank=True, verbose_name=_("certificate content type")
    )
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded at"))

    class Meta:
        ordering = ["-calibrated_on", "-id"]
        verbose_name = _("calibration record")
        verbose_name_plural = _("calibration records")
        indexes = [
            models.Index(fields=["instrument", "calibrated_on"], name="calibration_instrument_day")
        ]

    def __str__(self):
        return f"{self.instrument.number} {self.calibrated_on:%Y-%m-%d}"


class HolderChange(models.Model):
    """An issue to a technician or a return to a store location."""

    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        related_name="holder_changes",
        verbose_name=_("instrument"),
    )
    kind = models.CharField(max_length=8, choices=HolderChangeKind.choices, verbose_name=_("kind"))
    technician = models.ForeignKey(
        "technicians.Technician",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("technician"),
    )
    location = models.ForeignKey(
        "parts.StockLocation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kept at"),
    )
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("holder change")
        verbose_name_plural = _("holder changes")
        indexes = [models.Index(fields=["instrument", "at"], name="holderchange_instrument_at")]

    def __str__(self):
        return f"{self.instrument.number} {self.kind}"


class ToolRequirement(models.Model):
    """A product category needs an instrument of ``kind`` at every job (e.g. air
    conditioners: a refrigerant gauge and a leak detector)."""

    category = models.ForeignKey(
        "tickets.ProductCategory",
        on_delete=models.CASCADE,
        related_name="tool_requirements",
        verbose_name=_("product category"),
    )
    kind = models.ForeignKey(
        InstrumentKind,
        on_delete=models.PROTECT,
        related_name="requirements",
        verbose_name=_("instrument kind"),
    )

    class Meta:
        ordering = ["category_id", "kind_id"]
        verbose_name = _("tool requirement")
        verbose_name_plural = _("tool requirements")
        constraints = [
            models.UniqueConstraint(fields=["category", "kind"], name="toolrequirement_unique")
        ]

    def __str__(self):
        return f"{self.category_id} → {self.kind_id}"
