"""Service costs (费用管理): the rates that price a ticket's cost, technicians' expense
claims (报销) with their approval steps, and budgets per period, area and cost kind.

A ticket's cost is never stored: it is computed from the ticket's own facts (working time,
parts issued, distance, the outlet that did it), the ``CostRate`` in force on the day it
was completed and the approved claims of the job (``tickets.costs.costing`` for one
ticket, ``tickets.costs.selectors`` in SQL for many).
"""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role

from .choices import ClaimStatus, CostKind, ExpenseKind, StepDecision

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class CostRateQuerySet(models.QuerySet):
    def on(self, day):
        """The rate in force on ``day``: the latest ``effective_from`` on or before it."""
        return self.filter(effective_from__lte=day).order_by("-effective_from").first()


class CostRate(models.Model):
    """The internal cost rates in force from ``effective_from`` until the next version.

    ``labour_hourly_rate`` prices an own technician's working time on site (check-in to
    completion); ``travel_km_rate`` prices the ticket's one-way distance (``travel_km``).
    A partner outlet's job is priced by its outsourced fee instead (the price list's
    ``job_service_fee``, which already holds the partner's labour and call-out), so
    neither rate applies to it. Before the first version both rates are zero.
    """

    effective_from = models.DateField(unique=True, verbose_name=_("effective from"))
    labour_hourly_rate = models.DecimalField(**MONEY, verbose_name=_("labour cost per hour"))
    travel_km_rate = models.DecimalField(**MONEY, verbose_name=_("travel cost per km"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    objects = CostRateQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("cost rate")
        verbose_name_plural = _("cost rates")

    def __str__(self):
        return f"{self.effective_from}: {self.labour_hourly_rate}/h, {self.travel_km_rate}/km"


class ExpenseClaimSequence(models.Model):
    """Per-year counter behind the claim numbers (BX-2026-000123): a row lock makes them
    gapless under concurrency, like ``tickets.TicketNumberSequence``."""

    year = models.PositiveSmallIntegerField(primary_key=True, verbose_name=_("year"))
    last_value = models.PositiveIntegerField(default=0, verbose_name=_("last number issued"))

    class Meta:
        verbose_name = _("expense claim number sequence")
        verbose_name_plural = _("expense claim number sequences")

    def __str__(self):
        return f"{self.year}: {self.last_value}"


def receipt_path(instance, filename):
    # A random name: the storage path tells nothing of the claim or the claimant.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    today = timezone.localdate()
    return f"costs/receipts/{today:%Y/%m}/{uuid.uuid4().hex}.{extension}"


class ExpenseClaimQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=ClaimStatus.APPROVED)

    def pending(self):
        return self.filter(status=ClaimStatus.PENDING)


class ExpenseClaim(models.Model):
    """A technician's expense claim (报销) with its receipt photo and its approval chain.

    ``steps`` is the chain frozen when the claim is filed (role codes, from
    ``EXPENSE_APPROVAL_CHAIN``): a later change of the setting does not move claims under
    way. ``current_step`` is the index of the step waiting for a decision; the claim is
    approved when the last step approves, rejected at the first rejection. Written only by
    ``tickets.costs.services``; ``version`` is bumped by every decision.
    """

    number = models.CharField(max_length=20, unique=True, verbose_name=_("number"))
    technician = models.ForeignKey(
        "technicians.Technician",
        on_delete=models.PROTECT,
        related_name="expense_claims",
        verbose_name=_("technician"),
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="expense_claims",
        verbose_name=_("claimant"),
    )
    kind = models.CharField(max_length=16, choices=ExpenseKind.choices, verbose_name=_("kind"))
    amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        verbose_name=_("amount"),
    )
    spent_on = models.DateField(verbose_name=_("date of the expense"))
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expense_claims",
        verbose_name=_("ticket"),
    )
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    receipt = models.FileField(upload_to=receipt_path, max_length=200, verbose_name=_("receipt"))
    receipt_content_type = models.CharField(max_length=64, verbose_name=_("receipt type"))
    status = models.CharField(
        max_length=16,
        choices=ClaimStatus.choices,
        default=ClaimStatus.PENDING,
        verbose_name=_("status"),
    )
    steps = models.JSONField(default=list, verbose_name=_("approval steps"))
    current_step = models.PositiveSmallIntegerField(default=0, verbose_name=_("current step"))
    # The role of the step waiting (``steps[current_step]``), blank once decided: the
    # approvers' queue filters on it (index ``expenseclaim_waiting``).
    waiting_role = models.CharField(
        max_length=32, blank=True, verbose_name=_("waiting for the role")
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("filed at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    objects = ExpenseClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        indexes = [
            models.Index(fields=["claimant", "-created_at"], name="expenseclaim_claimant"),
            models.Index(fields=["status", "-created_at"], name="expenseclaim_status"),
            models.Index(
                fields=["waiting_role", "created_at"],
                name="expenseclaim_waiting",
                condition=Q(status="pending"),
            ),
            # The approved claims of the jobs in a cost report (joined per ticket).
            models.Index(
                fields=["ticket"],
                name="expenseclaim_ticket_approved",
                condition=Q(status="approved", ticket__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expenseclaim_amount_positive")
        ]

    def __str__(self):
        return f"{self.number} {self.amount}"

    @property
    def waiting_role_label(self):
        return Role(self.waiting_role).label if self.waiting_role in Role.values else ""

    @property
    def step_role(self):
        """The role code of the step waiting for a decision (None once decided)."""
        return self.waiting_role or None


class ExpenseApproval(models.Model):
    """One step's decision on a claim: who, in which role, approve or reject, and why.
    One row per (claim, step): a second decision on the same step cannot be written."""

    claim = models.ForeignKey(
        ExpenseClaim, on_delete=models.PROTECT, related_name="approvals", verbose_name=_("claim")
    )
    step = models.PositiveSmallIntegerField(verbose_name=_("step"))
    role = models.CharField(max_length=32, verbose_name=_("role"))
    decision = models.CharField(
        max_length=16, choices=StepDecision.choices, verbose_name=_("decision")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    comment = models.CharField(max_length=500, blank=True, verbose_name=_("comment"))
    decided_at = models.DateTimeField(default=timezone.now, verbose_name=_("decided at"))

    class Meta:
        ordering = ["claim", "step"]
        verbose_name = _("expense claim decision")
        verbose_name_plural = _("expense claim decisions")
        constraints = [
            models.UniqueConstraint(fields=["claim", "step"], name="expenseapproval_one_per_step")
        ]

    def __str__(self):
        return f"{self.claim_id} #{self.step} {self.role}: {self.decision}"


class Budget(models.Model):
    """The budget of one month, area and cost kind (area None: the centre's costs outside
    any area, such as claims without a ticket). A quarter's or a year's budget is the sum
    of its months."""

    month = models.DateField(
        verbose_name=_("month"), help_text=_("The first day of the budget's month.")
    )
    area = models.ForeignKey(
        "tickets.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    kind = models.CharField(max_length=16, choices=CostKind.choices, verbose_name=_("cost kind"))
    amount = models.DecimalField(**MONEY, verbose_name=_("amount"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-month", "area_id", "kind"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "area", "kind"],
                nulls_distinct=False,
                name="budget_unique",
                violation_error_message=_(
                    "This month already has a budget for that area and kind."
                ),
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="budget_month_first_day"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.area_id or '*'} {self.kind}: {self.amount}"
