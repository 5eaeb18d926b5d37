"""Service outlets (网点): the organisations that carry out service in their areas.

An outlet is either one of the company's own or a partner's (合作伙伴: an external
company under contract). Each has its areas, a stock location for the parts it holds,
its technicians (``Technician.outlet``) and its dispatchers (users of the role
``outlet_dispatcher`` who assign the outlet's tickets to its technicians).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import Grade, OutletKind, ScorecardStatus


class OutletQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def published(self):
        """The outlets customers may choose from (the public outlet list)."""
        return self.filter(active=True, published=True)

    def serving(self, area_id):
        return self.filter(areas=area_id)


class Outlet(models.Model):
    """A service outlet: own or a partner's, with its areas, address, contact and stock."""

    code = models.CharField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(
        max_length=16, choices=OutletKind.choices, default=OutletKind.OWN, verbose_name=_("kind")
    )
    # The contracted company behind a partner outlet (its legal name, for settlement).
    company_name = models.CharField(max_length=200, blank=True, verbose_name=_("company name"))
    contract_number = models.CharField(
        max_length=64, blank=True, verbose_name=_("partner contract number")
    )
    areas = models.ManyToManyField(
        "tickets.Area", related_name="outlets", blank=True, verbose_name=_("areas served")
    )
    address = models.CharField(max_length=300, blank=True, verbose_name=_("address"))
    contact_name = models.CharField(max_length=200, blank=True, verbose_name=_("contact name"))
    contact_phone = models.CharField(max_length=32, blank=True, verbose_name=_("contact phone"))
    contact_email = models.EmailField(blank=True, verbose_name=_("contact e-mail"))
    opening_hours = models.CharField(max_length=200, blank=True, verbose_name=_("opening hours"))
    stock_location = models.OneToOneField(
        "parts.StockLocation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outlet",
        limit_choices_to={"kind": "outlet"},
        verbose_name=_("stock location"),
    )
    dispatchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="dispatching_outlets",
        blank=True,
        verbose_name=_("dispatchers"),
    )
    published = models.BooleanField(
        default=True,
        verbose_name=_("published"),
        help_text=_("Shown to customers in the outlet list of its areas."),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = OutletQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("service outlet")
        verbose_name_plural = _("service outlets")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=OutletKind.OWN) | ~Q(company_name=""),
                name="outlet_partner_has_company",
                violation_error_message=_("A partner outlet needs its company's name."),
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_partner(self):
        return self.kind == OutletKind.PARTNER


class PartnerScorecard(models.Model):
    """Partner evaluation (合作伙伴评估): one outlet's KPIs over a period, the evaluator's
    assessment and the grade, kept as a record.

    The KPI figures are computed from the tickets (``scorecards.scorecard_figures``, the
    KPI report's definitions) while the card is a draft; finalising freezes everything:
    a final card is never written again (the services refuse, the admin is read-only).
    """

    outlet = models.ForeignKey(
        Outlet, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("outlet")
    )
    period_start = models.DateField(verbose_name=_("period start"))
    # Inclusive: the last day of the period (a month: its last day).
    period_end = models.DateField(verbose_name=_("period end"))
    status = models.CharField(
        max_length=16,
        choices=ScorecardStatus.choices,
        default=ScorecardStatus.DRAFT,
        verbose_name=_("status"),
    )
    # The KPI counts (kpi_opened_figures / kpi_closed_figures) as computed, and the
    # percentages derived from them.
    opened = models.PositiveIntegerField(default=0, verbose_name=_("tickets opened"))
    closed = models.PositiveIntegerField(default=0, verbose_name=_("tickets closed"))
    complaints = models.PositiveIntegerField(default=0, verbose_name=_("complaints"))
    first_time_fix_pct = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True, verbose_name=_("first-time fix %")
    )
    avg_satisfaction = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True, verbose_name=_("satisfaction")
    )
    on_time_pct = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True, verbose_name=_("on-time %")
    )
    record_completeness_pct = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        verbose_name=_("record completeness %"),
    )
    figures = models.JSONField(default=dict, blank=True, verbose_name=_("KPI counts"))
    computed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("computed at"))
    # The evaluator's assessment: service capability, technical level and reputation
    # (1–5 each, the domain's selection criteria) and a written opinion.
    capability = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("service capability")
    )
    technical = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("technical level")
    )
    reputation = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("reputation")
    )
    assessment = models.TextField(blank=True, verbose_name=_("assessment"))
    score = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True, verbose_name=_("score")
    )
    grade = models.CharField(
        max_length=1, choices=Grade.choices, blank=True, verbose_name=_("grade")
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("evaluator"),
    )
    finalised_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finalised at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        ordering = ["-period_start", "outlet"]
        verbose_name = _("partner scorecard")
        verbose_name_plural = _("partner scorecards")
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "period_start", "period_end"], name="scorecard_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="scorecard_period_order",
                violation_error_message=_("The period must end on or after its start."),
            ),
        ]

    def __str__(self):
        return f"{self.outlet.code} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    @property
    def is_final(self):
        return self.status == ScorecardStatus.FINAL
