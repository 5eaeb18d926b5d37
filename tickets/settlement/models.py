"""Monthly settlement (结算) with a service outlet: one statement per outlet and month.

A statement is built from the outlet's signed work orders of the month
(``services.statement_build``) and snapshots one line per job: the labour and call-out
fees of the price list in force on the job's completion day and the parts issued. The
lines never follow later changes of prices or tickets; rebuilding a draft replaces them.
Once approved, nothing changes it: the services refuse, and on PostgreSQL a trigger
refuses any UPDATE or DELETE of an approved statement and any change to its lines.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.choices import TicketCategory

from .choices import StatementStatus

MONEY = {"max_digits": 12, "decimal_places": 2, "default": 0}


class StatementQuerySet(models.QuerySet):
    def of_outlets(self, outlet_ids):
        return self.filter(outlet_id__in=outlet_ids)


class Statement(models.Model):
    """An outlet's settlement statement for one calendar month (in ``TIME_ZONE``)."""

    outlet = models.ForeignKey(
        "outlets.Outlet",
        on_delete=models.PROTECT,
        related_name="statements",
        verbose_name=_("outlet"),
    )
    # The first day of the month settled.
    month = models.DateField(verbose_name=_("month"))
    # ST-2026-000001: given at the first submission, kept through returns (gap-free per year).
    number = models.CharField(max_length=32, blank=True, verbose_name=_("statement number"))
    status = models.CharField(
        max_length=16,
        choices=StatementStatus.choices,
        default=StatementStatus.DRAFT,
        verbose_name=_("status"),
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    job_count = models.PositiveIntegerField(default=0, verbose_name=_("jobs"))
    labour_total = models.DecimalField(**MONEY, verbose_name=_("labour fees"))
    callout_total = models.DecimalField(**MONEY, verbose_name=_("call-out fees"))
    parts_quantity = models.PositiveIntegerField(default=0, verbose_name=_("parts issued"))
    parts_value = models.DecimalField(**MONEY, verbose_name=_("value of parts issued"))
    parts_reimbursed = models.DecimalField(**MONEY, verbose_name=_("parts reimbursed"))
    total = models.DecimalField(**MONEY, verbose_name=_("amount payable"))
    built_at = models.DateTimeField(null=True, blank=True, verbose_name=_("built at"))
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("built by"),
    )
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reviewed at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_comment = models.TextField(blank=True, verbose_name=_("review comment"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "outlet_id"]
        verbose_name = _("settlement statement")
        verbose_name_plural = _("settlement statements")
        constraints = [
            models.UniqueConstraint(fields=["outlet", "month"], name="statement_outlet_month"),
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="statement_number_unique"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="statement_month_first_day"),
            models.CheckConstraint(
                condition=Q(status=StatementStatus.DRAFT) | ~Q(number=""),
                name="statement_submitted_has_number",
            ),
        ]
        indexes = [models.Index(fields=["status", "-month"], name="statement_status_month")]

    def __str__(self):
        return self.number or f"{self.outlet_id} {self.month:%Y-%m}"

    @property
    def locked(self):
        return self.status == StatementStatus.APPROVED


class StatementLine(models.Model):
    """One signed work order of the month, priced as it stood when the statement was built."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="lines", verbose_name=_("statement")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("ticket"),
    )
    ticket_number = models.CharField(max_length=32, verbose_name=_("ticket number"))
    closed_at = models.DateTimeField(verbose_name=_("signed at"))
    completed_on = models.DateField(verbose_name=_("completed on"))
    service_type = models.CharField(
        max_length=32, choices=TicketCategory.choices, verbose_name=_("service type")
    )
    product_category = models.CharField(
        max_length=200, blank=True, verbose_name=_("product category")
    )
    technician = models.CharField(max_length=200, blank=True, verbose_name=_("technician"))
    price_list = models.CharField(max_length=32, blank=True, verbose_name=_("price list"))
    travel_km = models.DecimalField(
        max_digits=7, decimal_places=1, null=True, blank=True, verbose_name=_("distance (km)")
    )
    zone = models.CharField(max_length=16, blank=True, verbose_name=_("call-out zone"))
    labour_fee = models.DecimalField(**MONEY, verbose_name=_("labour fee"))
    callout_fee = models.DecimalField(**MONEY, verbose_name=_("call-out fee"))
    parts_quantity = models.PositiveIntegerField(default=0, verbose_name=_("parts issued"))
    parts_value = models.DecimalField(**MONEY, verbose_name=_("value of parts issued"))
    parts_reimbursed = models.DecimalField(**MONEY, verbose_name=_("parts reimbursed"))
    amount = models.DecimalField(**MONEY, verbose_name=_("amount payable"))
    # [{sku, name, quantity, unit_cost, source, charged, reimbursed}] as strings of money.
    parts = models.JSONField(default=list, blank=True, verbose_name=_("parts"))

    class Meta:
        ordering = ["closed_at", "id"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        constraints = [
            models.UniqueConstraint(fields=["statement", "ticket"], name="statementline_once"),
        ]
        indexes = [models.Index(fields=["ticket"], name="statementline_ticket")]

    def __str__(self):
        return f"{self.statement_id}: {self.ticket_number} {self.amount}"


class StatementNumberSequence(models.Model):
    """Per-year counter behind the statement numbers (ST-2026-000001)."""

    year = models.PositiveSmallIntegerField(primary_key=True, verbose_name=_("year"))
    last_value = models.PositiveIntegerField(default=0, verbose_name=_("last number issued"))

    class Meta:
        verbose_name = _("statement number sequence")
        verbose_name_plural = _("statement number sequences")

    def __str__(self):
        return f"{self.year}: {self.last_value}"
