"""The charging standards (收费标准): a published price list, versioned by date.

A price list holds labour prices by service type (the ticket category) and product
category, call-out fees by distance zone, and part prices where they differ from the
part's catalogue price. The list in force on a day is the published one with the latest
``effective_from`` on or before it (``tickets.charges.pricing.price_list_on``); a
published list is never edited, a new version is published instead.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.choices import TicketCategory

from .choices import (
    ChargeKind,
    PaymentMethod,
    PriceListStatus,
    QuoteStatus,
    RefundStatus,
    SequenceKind,
)

MONEY = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class PriceListQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PriceListStatus.PUBLISHED)


class PriceList(models.Model):
    """One version of the charging standards, in force from ``effective_from``."""

    code = models.CharField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    effective_from = models.DateField(verbose_name=_("effective from"))
    status = models.CharField(
        max_length=16,
        choices=PriceListStatus.choices,
        default=PriceListStatus.DRAFT,
        verbose_name=_("status"),
    )
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = PriceListQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            # Two published versions in force from the same day would make the price of
            # that day ambiguous.
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(status=PriceListStatus.PUBLISHED),
                name="pricelist_one_published_per_day",
                violation_error_message=_(
                    "A published price list already takes effect on this day."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name} ({self.effective_from})"

    @property
    def is_draft(self):
        return self.status == PriceListStatus.DRAFT


class LabourRate(models.Model):
    """The labour price of a service type for a product category (None: any category)."""

    price_list = models.ForeignKey(
        PriceList,
        on_delete=models.CASCADE,
        related_name="labour_rates",
        verbose_name=_("price list"),
    )
    service_type = models.CharField(
        max_length=32, choices=TicketCategory.choices, verbose_name=_("service type")
    )
    product_category = models.ForeignKey(
        "tickets.ProductCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product category"),
        help_text=_("Leave empty for the price of every category without one of its own."),
    )
    amount = models.DecimalField(**MONEY, verbose_name=_("labour fee"))

    class Meta:
        ordering = ["service_type", "product_category_id"]
        verbose_name = _("labour price")
        verbose_name_plural = _("labour prices")
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "service_type", "product_category"],
                nulls_distinct=False,
                name="labourrate_unique",
                violation_error_message=_("This service type already has a price here."),
            )
        ]

    def __str__(self):
        return f"{self.service_type} {self.product_category_id or '*'}: {self.amount}"


class CalloutZone(models.Model):
    """A distance zone and its call-out fee: up to ``up_to_km`` (None: beyond the rest)."""

    price_list = models.ForeignKey(
        PriceList,
        on_delete=models.CASCADE,
        related_name="callout_zones",
        verbose_name=_("price list"),
    )
    code = models.CharField(max_length=16, verbose_name=_("zone"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    up_to_km = models.DecimalField(
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        verbose_name=_("up to (km)"),
        help_text=_("Leave empty for the zone beyond all others."),
    )
    fee = models.DecimalField(**MONEY, verbose_name=_("call-out fee"))

    class Meta:
        ordering = ["price_list", "up_to_km"]
        verbose_name = _("call-out zone")
        verbose_name_plural = _("call-out zones")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "code"], name="calloutzone_code"),
            models.UniqueConstraint(
                fields=["price_list", "up_to_km"],
                nulls_distinct=False,
                name="calloutzone_limit",
                violation_error_message=_("Another zone of this list ends at this distance."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}: {self.fee}"


class PartPrice(models.Model):
    """A part's price in this list, where it differs from the part's catalogue price."""

    price_list = models.ForeignKey(
        PriceList,
        on_delete=models.CASCADE,
        related_name="part_prices",
        verbose_name=_("price list"),
    )
    part = models.ForeignKey(
        "parts.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    price = models.DecimalField(**MONEY, verbose_name=_("price"))

    class Meta:
        ordering = ["price_list", "part_id"]
        verbose_name = _("part price")
        verbose_name_plural = _("part prices")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "part"], name="partprice_unique")
        ]

    def __str__(self):
        return f"{self.part_id}: {self.price}"


# --- Quotes, the job's charge lines, payments, receipts and refunds -----------------


class ChargeNumberSequence(models.Model):
    """Per-kind, per-year counter behind quote and receipt numbers (RC-2026-000001).

    Its row is locked (``select_for_update``) while a number is drawn, so concurrent
    writers queue on it until their transaction commits: numbers have no gap and no
    duplicate, and a rolled-back transaction gives its number back."""

    kind = models.CharField(max_length=16, choices=SequenceKind.choices, verbose_name=_("kind"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    last_value = models.PositiveIntegerField(default=0, verbose_name=_("last number issued"))

    class Meta:
        verbose_name = _("charge number sequence")
        verbose_name_plural = _("charge number sequences")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="chargesequence_kind_year")
        ]

    def __str__(self):
        return f"{self.kind} {self.year}: {self.last_value}"


class LineFields(models.Model):
    """What a quote line and a charge line share: one priced item, free or charged."""

    kind = models.CharField(max_length=16, choices=ChargeKind.choices, verbose_name=_("kind"))
    part = models.ForeignKey(
        "parts.Part",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("part"),
    )
    description = models.CharField(max_length=200, verbose_name=_("description"))
    quantity = models.PositiveIntegerField(default=1, verbose_name=_("quantity"))
    # The standard's price of one item, also on free lines (what the cover saved).
    unit_price = models.DecimalField(**MONEY, verbose_name=_("unit price"))
    # What the customer pays for the line: zero when free.
    amount = models.DecimalField(**MONEY, verbose_name=_("amount"))
    free = models.BooleanField(default=False, verbose_name=_("free"))
    free_reason = models.CharField(max_length=500, blank=True, verbose_name=_("why free"))

    class Meta:
        abstract = True


class Quote(models.Model):
    """A quote before repair (报价): the charged work priced under the standards in force,
    approved by the customer's signature or declined."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="quotes", verbose_name=_("ticket")
    )
    number = models.CharField(max_length=32, unique=True, verbose_name=_("number"))
    status = models.CharField(
        max_length=16,
        choices=QuoteStatus.choices,
        default=QuoteStatus.PENDING,
        verbose_name=_("status"),
    )
    price_list = models.ForeignKey(
        PriceList, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("price list")
    )
    travel_km = models.DecimalField(
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        verbose_name=_("travel distance (km)"),
    )
    zone_code = models.CharField(max_length=16, blank=True, verbose_name=_("zone"))
    total = models.DecimalField(**MONEY, verbose_name=_("total to pay"))
    callout_amount = models.DecimalField(**MONEY, verbose_name=_("call-out fee"))
    signature = models.TextField(blank=True, verbose_name=_("customer signature"))
    signer_name = models.CharField(max_length=100, blank=True, verbose_name=_("signed by"))
    decline_reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status__in=["pending", "approved", "declined"]),
                name="quote_one_current_per_ticket",
            )
        ]

    def __str__(self):
        return self.number


class QuoteLine(LineFields):
    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("quote")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")

    def __str__(self):
        return f"{self.quote_id} {self.kind} {self.amount}"


class Payment(models.Model):
    """A payment as recorded (not processed): amount, method, reference, who and when."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("ticket"),
    )
    amount = models.DecimalField(**MONEY, verbose_name=_("amount"))
    method = models.CharField(
        max_length=16, choices=PaymentMethod.choices, verbose_name=_("payment method")
    )
    reference = models.CharField(max_length=100, blank=True, verbose_name=_("reference"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.amount} {self.method}"


class Receipt(models.Model):
    """A receipt (收据) for a job's charged lines, issued when their payment is recorded."""

    number = models.CharField(max_length=32, unique=True, verbose_name=_("number"))
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("ticket"),
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="receipt", verbose_name=_("payment")
    )
    amount = models.DecimalField(**MONEY, verbose_name=_("amount"))
    issued_at = models.DateTimeField(verbose_name=_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self):
        return self.number


class ChargeLine(LineFields):
    """A line of the job's charges on its work order, written when the work is recorded."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="charge_lines",
        verbose_name=_("ticket"),
    )
    quote = models.ForeignKey(
        Quote,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charge_lines",
        verbose_name=_("quote"),
    )
    receipt = models.ForeignKey(
        Receipt,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
        verbose_name=_("receipt"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("charge line")
        verbose_name_plural = _("charge lines")
        indexes = [models.Index(fields=["ticket", "id"], name="chargeline_ticket")]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.amount}"


class Refund(models.Model):
    """A refund of (part of) a payment: requested with a reason, approved by a supervisor
    or finance; approved and pending refunds never exceed what was paid."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    amount = models.DecimalField(**MONEY, verbose_name=_("amount"))
    reason = models.CharField(max_length=500, verbose_name=_("reason"))
    status = models.CharField(
        max_length=16,
        choices=RefundStatus.choices,
        default=RefundStatus.REQUESTED,
        verbose_name=_("status"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(verbose_name=_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")
        ]

    def __str__(self):
        return f"{self.payment_id} {self.amount} {self.status}"
