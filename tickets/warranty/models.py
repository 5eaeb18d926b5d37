"""Warranty terms per product model and scope, part groups, service contracts, and the
warranty decision recorded on each triaged ticket (README "Warranty and service contracts")."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.choices import WarrantyDecision

from .choices import ContractKind, ContractStatus, WarrantyScope

CODE_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]*$", _("Lower-case letters, digits, '-' and '_' only.")
)


class WarrantyPartGroup(models.Model):
    """A group of main parts with its own warranty (compressor, motor, …). A part names its
    group by code (``parts.Part.warranty_group``)."""

    code = models.CharField(
        max_length=32, unique=True, validators=[CODE_VALIDATOR], verbose_name=_("code")
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("warranty part group")
        verbose_name_plural = _("warranty part groups")

    def __str__(self):
        return self.name


class WarrantyTerm(models.Model):
    """How long a product model's warranty runs for one scope, from the purchase date.

    A model without a ``unit`` term uses ``ProductModel.warranty_months`` for the unit; a
    model without a ``labour`` term has its labour (and call-out) follow the unit.
    ``extends_by_repair_days``: the term runs longer by the days the unit spent under
    repair (also switched globally by ``WARRANTY_REPAIR_DAYS_EXTEND``)."""

    product_model = models.ForeignKey(
        "tickets.ProductModel",
        on_delete=models.CASCADE,
        related_name="warranty_terms",
        verbose_name=_("product model"),
    )
    scope = models.CharField(max_length=16, choices=WarrantyScope.choices, verbose_name=_("scope"))
    part_group = models.ForeignKey(
        WarrantyPartGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="terms",
        verbose_name=_("part group"),
    )
    months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], verbose_name=_("months")
    )
    extends_by_repair_days = models.BooleanField(
        default=True, verbose_name=_("extended by days under repair")
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        ordering = ["product_model_id", "scope", "part_group_id"]
        verbose_name = _("warranty term")
        verbose_name_plural = _("warranty terms")
        constraints = [
            models.UniqueConstraint(
                fields=["product_model", "scope"],
                condition=Q(part_group__isnull=True),
                name="warranty_term_unique_scope",
            ),
            models.UniqueConstraint(
                fields=["product_model", "part_group"],
                condition=Q(part_group__isnull=False),
                name="warranty_term_unique_group",
            ),
            models.CheckConstraint(
                condition=(Q(scope=WarrantyScope.PART_GROUP) & Q(part_group__isnull=False))
                | (~Q(scope=WarrantyScope.PART_GROUP) & Q(part_group__isnull=True)),
                name="warranty_term_group_iff_part_scope",
            ),
        ]

    def __str__(self):
        return f"{self.product_model_id} {self.scope} {self.months}"


class ContractNumberSequence(models.Model):
    """The last contract number of a year; locked row by row so numbers have no gaps."""

    year = models.PositiveSmallIntegerField(primary_key=True, verbose_name=_("year"))
    last = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("contract number sequence")
        verbose_name_plural = _("contract number sequences")

    def __str__(self):
        return f"{self.year}: {self.last}"


class ServiceContractQuerySet(models.QuerySet):
    def active_on(self, day):
        return self.filter(status=ContractStatus.ACTIVE, starts_on__lte=day, ends_on__gte=day)


class ServiceContract(models.Model):
    """A customer's paid contract for one or more units: an extended warranty, maintenance
    or installation, with what it makes free (parts, labour, call-out) and how many visits
    (``visits_included``; empty: unlimited) within its period."""

    number = models.CharField(max_length=32, unique=True, verbose_name=_("contract number"))
    customer = models.ForeignKey(
        "tickets.Customer",
        on_delete=models.PROTECT,
        related_name="service_contracts",
        verbose_name=_("customer"),
    )
    products = models.ManyToManyField(
        "tickets.Product", related_name="service_contracts", verbose_name=_("units")
    )
    kind = models.CharField(max_length=24, choices=ContractKind.choices, verbose_name=_("kind"))
    covers_parts = models.BooleanField(default=True, verbose_name=_("covers parts"))
    covers_labour = models.BooleanField(default=True, verbose_name=_("covers labour"))
    covers_callout = models.BooleanField(default=True, verbose_name=_("covers call-out"))
    starts_on = models.DateField(verbose_name=_("starts on"))
    ends_on = models.DateField(verbose_name=_("ends on"))
    fee = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(0)],
        verbose_name=_("fee"),
    )
    visits_included = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("visits included")
    )
    status = models.CharField(
        max_length=16,
        choices=ContractStatus.choices,
        default=ContractStatus.ACTIVE,
        verbose_name=_("status"),
    )
    renewed_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal",
        verbose_name=_("renewal of"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    cancel_reason = models.TextField(blank=True, verbose_name=_("cancel reason"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    reminder_sent_on = models.DateField(
        null=True, blank=True, verbose_name=_("expiry reminder sent on")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    objects = ServiceContractQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="contract_period_order"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="contract_fee_nonneg"),
        ]
        indexes = [
            models.Index(
                fields=["ends_on"],
                condition=Q(status=ContractStatus.ACTIVE),
                name="contract_active_ends",
            ),
        ]

    def __str__(self):
        return self.number


class TicketWarranty(models.Model):
    """The warranty decision taken at a ticket's triage: the fault's part group, what the
    derived decision was, the contract that covered the visit, and a supervisor's goodwill
    override with its reason."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="warranty_record",
        verbose_name=_("ticket"),
    )
    part_group = models.CharField(max_length=32, blank=True, verbose_name=_("fault's part group"))
    derived_decision = models.CharField(
        max_length=16, choices=WarrantyDecision.choices, verbose_name=_("derived decision")
    )
    reasons = models.JSONField(default=list, blank=True, verbose_name=_("reasons"))
    contract = models.ForeignKey(
        ServiceContract,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ticket_records",
        verbose_name=_("contract"),
    )
    goodwill_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("goodwill granted by"),
    )
    goodwill_reason = models.TextField(blank=True, verbose_name=_("goodwill reason"))
    decided_at = models.DateTimeField(verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("ticket warranty decision")
        verbose_name_plural = _("ticket warranty decisions")

    def __str__(self):
        return f"{self.ticket_id}: {self.derived_decision}"
