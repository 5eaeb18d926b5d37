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

from .choices import PriceListStatus

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
