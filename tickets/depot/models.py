"""Models of tickets.depot: the equipment receipt (设备收条) of a unit taken in for workshop
repair, its photos, the loan units (备用机) and the receipts' gap-free numbers.

Every write goes through ``tickets.depot.services``; a closed receipt (the unit returned
with the customer's signature) never changes again.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, roles_of
from tickets.models import ProductModel, Ticket, WorkingCalendar

from .choices import ACCESSORIES, CONDITION_CHECKS, DepotStage, LoanStatus, ReceiptStatus

# Who sees the workshop's receipts (and their photos): the desk, auditors, the workshop.
RECEIPT_READERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.WORKSHOP})


def photo_path(instance, filename):
    # A random name: the path tells nothing of the ticket or the customer.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"depot/photos/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class ReceiptNumberSequence(models.Model):
    """The last equipment-receipt number of a year (``aftersales.sequences``)."""

    year = models.PositiveSmallIntegerField(primary_key=True, verbose_name=_("year"))
    last = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("equipment receipt number sequence")
        verbose_name_plural = _("equipment receipt number sequences")

    def __str__(self):
        return f"{self.year}: {self.last}"


class LoanUnitQuerySet(models.QuerySet):
    def available(self):
        return self.filter(status=LoanStatus.AVAILABLE)


class LoanUnit(models.Model):
    """A unit the service centre lends while the customer's own is in the workshop.

    ``status`` moves only through the services, with a conditional update, so one unit is
    never lent twice; a partial unique index on the receipts holds the same at rest.
    """

    number = models.CharField(max_length=32, unique=True, verbose_name=_("number"))
    product_model = models.ForeignKey(
        ProductModel, on_delete=models.PROTECT, related_name="+", verbose_name=_("model")
    )
    serial_number = models.CharField(max_length=64, verbose_name=_("serial number"))
    status = models.CharField(
        max_length=16,
        choices=LoanStatus.choices,
        default=LoanStatus.AVAILABLE,
        verbose_name=_("status"),
    )
    notes = models.CharField(max_length=400, blank=True, verbose_name=_("notes"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    objects = LoanUnitQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("loan unit")
        verbose_name_plural = _("loan units")

    def __str__(self):
        return self.number


class EquipmentReceiptQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ReceiptStatus.OPEN)

    def visible_to(self, user):
        """The desk, auditors and the workshop see every receipt; a technician the
        receipts of their own jobs; anyone else none."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser or roles_of(user) & RECEIPT_READERS:
            return self
        if Role.TECHNICIAN in roles_of(user):
            return self.filter(ticket__technician__user=user)
        return self.none()

    def with_related(self):
        return self.select_related(
            "ticket", "ticket__customer", "ticket__product", "ticket__product__model",
            "loan_unit", "received_by", "returned_by",
        )  # fmt: skip


class EquipmentReceipt(models.Model):
    """The equipment receipt of one unit taken in for workshop repair on a ticket.

    Numbered ``ER-<year>-<n>`` gap-free at intake; carries what the customer handed over
    (serial, condition, accessories, photos) signed by them, the workshop stage, the
    turnaround clock (working time on a calendar, standing still while waiting for parts)
    and an optional loan unit. The return closes it with a second signature; from then on
    it is read-only. At most one open receipt per ticket.
    """

    number = models.CharField(max_length=32, unique=True, verbose_name=_("number"))
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="depot_receipts", verbose_name=_("ticket")
    )
    status = models.CharField(
        max_length=8,
        choices=ReceiptStatus.choices,
        default=ReceiptStatus.OPEN,
        verbose_name=_("status"),
    )
    stage = models.CharField(
        max_length=16,
        choices=DepotStage.choices,
        default=DepotStage.RECEIVED,
        verbose_name=_("stage"),
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    brought_by_technician = models.BooleanField(
        default=False, verbose_name=_("brought in by a technician")
    )
    serial_number = models.CharField(max_length=64, verbose_name=_("serial number"))
    condition_checks = models.JSONField(default=list, blank=True, verbose_name=_("condition"))
    condition_notes = models.TextField(blank=True, verbose_name=_("condition notes"))
    accessories = models.JSONField(default=list, blank=True, verbose_name=_("accessories"))
    accessories_other = models.CharField(
        max_length=200, blank=True, verbose_name=_("other accessories")
    )
    intake_signature = models.TextField(verbose_name=_("customer's signature at intake"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    # The turnaround clock (tickets.depot.turnaround): working time on ``calendar``.
    calendar = models.ForeignKey(
        WorkingCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("calendar"),
    )
    target_hours = models.DecimalField(
        max_digits=6, decimal_places=2, verbose_name=_("turnaround target (hours)")
    )
    warning_fraction = models.DecimalField(
        max_digits=3, decimal_places=2, default="0.75", verbose_name=_("warning fraction")
    )
    due_at = models.DateTimeField(verbose_name=_("turnaround due at"))
    warn_at = models.DateTimeField(verbose_name=_("turnaround warning at"))
    paused_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paused at"))
    paused_seconds = models.PositiveIntegerField(default=0, verbose_name=_("paused (seconds)"))
    ready_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ready at"))
    warned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("warning raised at"))
    breached_at = models.DateTimeField(null=True, blank=True, verbose_name=_("breach raised at"))
    next_check_at = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("next check at")
    )
    loan_unit = models.ForeignKey(
        LoanUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("loan unit"),
    )
    loan_lent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("loan unit lent at"))
    loan_returned_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("loan unit back at")
    )
    return_signature = models.TextField(
        blank=True, verbose_name=_("customer's signature at return")
    )
    returned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("returned at"))
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returned by"),
    )
    return_notes = models.TextField(blank=True, verbose_name=_("return notes"))

    objects = EquipmentReceiptQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("equipment receipt")
        verbose_name_plural = _("equipment receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="open"),
                name="depot_one_open_receipt_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["loan_unit"],
                condition=Q(loan_unit__isnull=False, loan_returned_at__isnull=True),
                name="depot_loan_unit_lent_once",
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | (Q(returned_at__isnull=False) & ~Q(return_signature="")),
                name="depot_closed_receipt_signed",
            ),
        ]
        indexes = [models.Index(fields=["stage", "received_at"], name="depot_stage_received")]

    def __str__(self):
        return self.number

    @property
    def is_open(self):
        return self.status == ReceiptStatus.OPEN

    @property
    def condition_labels(self):
        return [CONDITION_CHECKS.get(code, code) for code in self.condition_checks or []]

    @property
    def accessory_labels(self):
        labels = [ACCESSORIES.get(code, code) for code in self.accessories or []]
        return [*labels, self.accessories_other] if self.accessories_other else labels


class ReceiptPhoto(models.Model):
    """A photo of the unit as it was handed over (scratches, dents…), cleaned by
    ``aftersales.uploads`` and served only to those who may see the receipt."""

    receipt = models.ForeignKey(
        EquipmentReceipt, on_delete=models.CASCADE, related_name="photos", verbose_name=_("receipt")
    )
    file = models.FileField(_("file"), upload_to=photo_path, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("receipt photo")
        verbose_name_plural = _("receipt photos")

    def __str__(self):
        return f"{self.receipt_id}: {self.file.name}"
