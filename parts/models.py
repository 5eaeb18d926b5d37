"""Spare parts and their stock: parts, locations, levels, the movement ledger, counts.

The ledger (``StockMovement``) is append-only; ``StockLevel`` is its running sum per
part and location, written only by ``parts.services`` under row locks, and guarded by
database check constraints (nothing negative, never more reserved than on hand).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, roles_of

from .choices import CountStatus, LocationKind, MovementKind, RecoveryStatus, ReservationStatus

# Part numbers (SKUs) are the manufacturers' own, in any format (P443450, AC-00123,
# 5304-4863-00): trimmed, unique ignoring case, no control characters. A pattern, when the
# business wants one, is configuration (``PART_NUMBER_PATTERN``), read when a number is
# checked so the ``settings`` fixture and a restart change it, never a migration.
SKU_MAX_LENGTH = 40
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def validate_part_number(value):
    """Refuse a part number with control characters, or not matching the configured
    ``PART_NUMBER_PATTERN`` in full (with ``PART_NUMBER_PATTERN_MESSAGE``, or a general
    message naming the pattern)."""
    if _CONTROL.search(value or ""):
        raise ValidationError(_("A part number cannot contain control characters."))
    pattern = getattr(settings, "PART_NUMBER_PATTERN", "")
    if pattern and not re.fullmatch(pattern, value or ""):
        message = getattr(settings, "PART_NUMBER_PATTERN_MESSAGE", "") or _(
            "A part number must match the pattern %(pattern)s."
        ) % {"pattern": pattern}
        raise ValidationError(message, code="pattern")


class PartQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Part(models.Model):
    """A spare part as catalogued: price list, source certification and reorder rule.

    ``approved`` marks a certified source (认证配件): only approved parts are issued to
    jobs. ``warranty_covered`` says whether the part is free on an in-warranty repair.
    """

    sku = models.CharField(
        max_length=SKU_MAX_LENGTH,
        unique=True,
        validators=[validate_part_number],
        verbose_name=_("SKU"),
        help_text=_("The manufacturer's own part number, as printed on the part."),
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    category = models.ForeignKey(
        "tickets.ProductCategory",
        on_delete=models.PROTECT,
        related_name="parts",
        verbose_name=_("category"),
    )
    compatible_models = models.ManyToManyField(
        "tickets.ProductModel",
        related_name="parts",
        blank=True,
        verbose_name=_("compatible models"),
    )
    unit_cost = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        verbose_name=_("unit cost"),
    )
    unit_price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        verbose_name=_("unit price"),
    )
    approved = models.BooleanField(_("approved source"), default=True)
    warranty_covered = models.BooleanField(default=True, verbose_name=_("warranty covered"))
    # The main-part group with its own warranty (tickets.warranty.WarrantyPartGroup's code,
    # "" for none): a compressor stays free after the unit's warranty ended.
    warranty_group = models.CharField(
        max_length=32, blank=True, default="", verbose_name=_("warranty part group")
    )
    reorder_point = models.PositiveIntegerField(default=0, verbose_name=_("reorder point"))
    reorder_quantity = models.PositiveIntegerField(default=0, verbose_name=_("reorder quantity"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = PartQuerySet.as_manager()

    class Meta:
        ordering = ["sku"]
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="part_cost_nonneg"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="part_price_nonneg"),
            # P443450 and p443450 are one part: what the phone page and search type in
            # either case finds exactly one row.
            models.UniqueConstraint(
                Lower("sku"),
                name="part_sku_ci_unique",
                violation_error_message=_("A part with this number already exists."),
            ),
        ]

    def __str__(self):
        return f"{self.sku} {self.name}"


class StockLocationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Technicians see their own van and the warehouses/outlets they pick from."""
        if user.is_superuser or roles_of(user) - {Role.TECHNICIAN, Role.INTEGRATOR}:
            return self
        if Role.TECHNICIAN in roles_of(user):
            return self.filter(~Q(kind=LocationKind.VAN) | Q(technician__user=user))
        return self.none()


class StockLocation(models.Model):
    """Where stock is kept: a warehouse, a service outlet (网点) or a technician's van."""

    code = models.CharField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(max_length=16, choices=LocationKind.choices, verbose_name=_("kind"))
    technician = models.OneToOneField(
        "technicians.Technician",
        on_delete=models.PROTECT,
        related_name="van",
        null=True,
        blank=True,
        verbose_name=_("technician"),
    )
    area = models.ForeignKey(
        "tickets.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = StockLocationQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=LocationKind.VAN) & Q(technician__isnull=False))
                | (~Q(kind=LocationKind.VAN) & Q(technician__isnull=True)),
                name="location_van_has_technician",
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class StockLevelQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Technicians see only their van's levels; desk roles and auditors see all."""
        if user.is_superuser or roles_of(user) - {Role.TECHNICIAN, Role.INTEGRATOR}:
            return self
        if Role.TECHNICIAN in roles_of(user):
            return self.filter(location__technician__user=user)
        return self.none()


class StockLevel(models.Model):
    """Units of one part at one location: the running sum of the ledger.

    ``available`` = on hand − reserved. ``below_reorder`` is stored (and maintained by
    the stock service with the counts) so the low-stock list is an index lookup rather
    than a comparison across two tables over millions of rows.
    """

    # The unique (part, location) and the (location, id) index serve both foreign keys.
    part = models.ForeignKey(
        Part,
        on_delete=models.PROTECT,
        related_name="levels",
        db_index=False,
        verbose_name=_("part"),
    )
    location = models.ForeignKey(
        StockLocation,
        on_delete=models.PROTECT,
        related_name="levels",
        db_index=False,
        verbose_name=_("location"),
    )
    on_hand = models.IntegerField(default=0, verbose_name=_("on hand"))
    reserved = models.IntegerField(default=0, verbose_name=_("reserved"))
    below_reorder = models.BooleanField(default=False, verbose_name=_("below reorder point"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        ordering = ["part_id", "location_id"]
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["part", "location"], name="stocklevel_part_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stocklevel_on_hand_nonneg"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stocklevel_reserved_nonneg"),
            models.CheckConstraint(
                condition=Q(reserved__lte=models.F("on_hand")),
                name="stocklevel_reserved_lte_on_hand",
            ),
        ]
        # The API lists levels in id order (cursor pagination): (location, id) serves
        # ?location=, the unique (part, location) serves ?part=, and the partial indexes
        # hold only the low-stock rows, in id order, for ?below_reorder=true (with or
        # without ?location=).
        indexes = [
            models.Index(fields=["location", "id"], name="stocklevel_location_id"),
            models.Index(
                fields=["id"], name="stocklevel_below_reorder", condition=Q(below_reorder=True)
            ),
            models.Index(
                fields=["location", "id"],
                name="stocklevel_location_low",
                condition=Q(below_reorder=True),
            ),
        ]

    def __str__(self):
        return f"{self.part_id}@{self.location_id}: {self.on_hand} ({self.reserved} reserved)"

    @property
    def available(self):
        return self.on_hand - self.reserved


class StockMovementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Technicians see movements of their van and of their own jobs."""
        if user.is_superuser or roles_of(user) - {Role.TECHNICIAN, Role.INTEGRATOR}:
            return self
        if Role.TECHNICIAN in roles_of(user):
            return self.filter(
                Q(from_location__technician__user=user)
                | Q(to_location__technician__user=user)
                | Q(ticket__technician__user=user)
            )
        return self.none()


class StockMovement(models.Model):
    """One line of the append-only ledger: ``quantity`` units of ``part`` leave
    ``from_location`` and/or arrive at ``to_location``.

    Never edited or deleted (the admin is read-only, the API has no PUT/PATCH/DELETE);
    a mistake is corrected by a new movement.
    """

    kind = models.CharField(max_length=16, choices=MovementKind.choices, verbose_name=_("kind"))
    # Foreign keys are served by the composite and partial indexes in Meta.
    part = models.ForeignKey(
        Part,
        on_delete=models.PROTECT,
        related_name="movements",
        db_index=False,
        verbose_name=_("part"),
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    from_location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False, verbose_name=_("from location"),
    )  # fmt: skip
    to_location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False, verbose_name=_("to location"),
    )  # fmt: skip
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_movements",
        db_index=False,
        verbose_name=_("ticket"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_pos"),
            models.CheckConstraint(
                condition=Q(from_location__isnull=False) | Q(to_location__isnull=False),
                name="movement_has_location",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="movement_created"),
            models.Index(fields=["part", "created_at"], name="movement_part_created"),
            models.Index(fields=["from_location", "created_at"], name="movement_from_created"),
            models.Index(fields=["to_location", "created_at"], name="movement_to_created"),
            models.Index(
                fields=["ticket"], name="movement_ticket", condition=Q(ticket__isnull=False)
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.quantity} × {self.part_id}"


class StockReservation(models.Model):
    """Units set aside for a dispatched ticket; issued at completion or released."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="stock_reservations",
        verbose_name=_("ticket"),
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    status = models.CharField(
        max_length=16,
        choices=ReservationStatus.choices,
        default=ReservationStatus.OPEN,
        verbose_name=_("status"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_pos"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.part_id} for ticket {self.ticket_id}"


class TicketPart(models.Model):
    """A part used on a job (a line of the work order): fitted, charged or free, and the
    defective part it replaced, recovered for refurbishment or scrap (回收/翻新)."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="parts", verbose_name=_("ticket")
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    # No database foreign key: the movements are partitioned by month (README "Partitions
    # and retention") and a key cannot point at a partitioned table without its month.
    # Movements are append-only and never dropped, so the row it names stays.
    movement = models.OneToOneField(
        StockMovement,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        verbose_name=_("movement"),
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    charged = models.BooleanField(verbose_name=_("charged"))
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, verbose_name=_("unit price"))
    fitted_serial = models.CharField(max_length=64, blank=True, verbose_name=_("fitted serial"))
    removed_serial = models.CharField(max_length=64, blank=True, verbose_name=_("removed serial"))
    recovery_status = models.CharField(
        max_length=16,
        choices=RecoveryStatus.choices,
        blank=True,
        default=RecoveryStatus.NONE,
        verbose_name=_("recovery status"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("part used on a ticket")
        verbose_name_plural = _("parts used on tickets")
        indexes = [
            models.Index(fields=["fitted_serial"], name="ticketpart_fitted_serial"),
            models.Index(fields=["removed_serial"], name="ticketpart_removed_serial"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.part_id} on ticket {self.ticket_id}"

    @property
    def amount(self):
        return self.unit_price * self.quantity if self.charged else 0


class ReorderAlert(models.Model):
    """Raised once when a level's available stock falls to the part's reorder point
    (库存预警), cleared when it is replenished above it."""

    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    available = models.IntegerField(verbose_name=_("available"))
    raised_at = models.DateTimeField(default=timezone.now, verbose_name=_("raised at"))
    cleared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cleared at"))

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("reorder alert")
        verbose_name_plural = _("reorder alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["part", "location"],
                condition=Q(cleared_at__isnull=True),
                name="reorderalert_one_open",
            )
        ]

    def __str__(self):
        return f"{self.part_id}@{self.location_id} ≤ reorder point"


class StockCount(models.Model):
    """A count session at one location (盘点); approving it posts the variances as
    adjustment movements."""

    location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, related_name="counts", verbose_name=_("location")
    )
    status = models.CharField(
        max_length=16,
        choices=CountStatus.choices,
        default=CountStatus.OPEN,
        verbose_name=_("status"),
    )
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")

    def __str__(self):
        return f"Count {self.pk} at {self.location_id}"


class StockCountLine(models.Model):
    """One counted part; ``expected`` is the book quantity when the count was approved."""

    count = models.ForeignKey(
        StockCount, on_delete=models.CASCADE, related_name="lines", verbose_name=_("stock count")
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    counted = models.PositiveIntegerField(verbose_name=_("counted"))
    expected = models.IntegerField(null=True, blank=True, verbose_name=_("expected"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("stock count line")
        verbose_name_plural = _("stock count lines")
        constraints = [
            models.UniqueConstraint(fields=["count", "part"], name="countline_count_part")
        ]

    def __str__(self):
        return f"{self.part_id}: {self.counted}"
