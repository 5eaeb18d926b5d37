"""Service commitments and targets (承诺和目标): a target set per period, its lines (metric,
comparator, value), their break-down per area and outlet, and the period-end results."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Comparator, Outcome, PeriodKind, Scope, TargetSetStatus
from .metrics import METRIC_CHOICES, METRICS


class TargetSetQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=TargetSetStatus.APPROVED)

    def covering(self, day):
        return self.filter(period_start__lte=day, period_end__gte=day)


class TargetSet(models.Model):
    """The targets of one period (a month, quarter or year). Drafted by supervisors,
    submitted, approved by a manager or returned with a reason; an approved set is
    read-only (a revision replaces it). Evaluated once after the period ends."""

    period_kind = models.CharField(_("period"), max_length=16, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), help_text=_("Inclusive."))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    revises = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
        verbose_name=_("revises"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TargetSetStatus.choices, default=TargetSetStatus.DRAFT
    )
    note = models.TextField(_("note"), blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    evaluation_audit = models.OneToOneField(
        "audits.QualityAudit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="target_set",
        verbose_name=_("evaluation audit"),
    )
    version = models.PositiveIntegerField(default=1)

    objects = TargetSetQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "period_kind", "-revision"]
        verbose_name = _("target set")
        verbose_name_plural = _("target sets")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="target_set_period_ordered",
            ),
            # One approved set per period: approving a revision supersedes the old one.
            models.UniqueConstraint(
                fields=["period_kind", "period_start"],
                condition=Q(status="approved"),
                name="target_set_one_approved_per_period",
            ),
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "revision"],
                name="target_set_revision_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "period_end"], name="target_set_status_end")]

    def __str__(self):
        return f"{self.get_period_kind_display()} {self.period_label} r{self.revision}"

    @property
    def period_label(self):
        if self.period_kind == PeriodKind.MONTH:
            return self.period_start.strftime("%Y-%m")
        if self.period_kind == PeriodKind.QUARTER:
            return f"{self.period_start.year}-Q{(self.period_start.month - 1) // 3 + 1}"
        return str(self.period_start.year)

    @property
    def editable(self):
        return self.status in (TargetSetStatus.DRAFT, TargetSetStatus.RETURNED)


class TargetLine(models.Model):
    """One target of a set: ``metric`` ``comparator`` ``value`` overall (e.g. response SLA
    met ≥ 98 %); the break-downs give areas and outlets their own value."""

    target_set = models.ForeignKey(
        TargetSet, on_delete=models.CASCADE, related_name="lines", verbose_name=_("target set")
    )
    metric = models.CharField(_("metric"), max_length=32, choices=METRIC_CHOICES)
    comparator = models.CharField(_("comparator"), max_length=8, choices=Comparator.choices)
    value = models.DecimalField(_("target"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["target_set", "pk"]
        verbose_name = _("target line")
        verbose_name_plural = _("target lines")
        constraints = [
            models.UniqueConstraint(fields=["target_set", "metric"], name="target_line_metric"),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_line_value_positive"),
        ]

    def __str__(self):
        return f"{self.get_metric_display()} {self.get_comparator_display()} {self.value}"

    @property
    def spec(self):
        return METRICS[self.metric]


class TargetBreakdown(models.Model):
    """A line's own value for one area or one outlet (otherwise the line's value applies),
    and optionally who owns a miss there (else the outlet's first dispatcher, the
    configured default, the approving manager)."""

    line = models.ForeignKey(
        TargetLine, on_delete=models.CASCADE, related_name="breakdowns", verbose_name=_("line")
    )
    area = models.ForeignKey(
        "tickets.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    outlet = models.ForeignKey(
        "outlets.Outlet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("outlet"),
    )
    value = models.DecimalField(_("target"), max_digits=6, decimal_places=2)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner of a miss"),
    )

    class Meta:
        ordering = ["line", "pk"]
        verbose_name = _("target break-down")
        verbose_name_plural = _("target break-downs")
        constraints = [
            models.CheckConstraint(
                condition=Q(area__isnull=False, outlet__isnull=True)
                | Q(area__isnull=True, outlet__isnull=False),
                name="target_breakdown_area_xor_outlet",
            ),
            models.UniqueConstraint(fields=["line", "area"], name="target_breakdown_area"),
            models.UniqueConstraint(fields=["line", "outlet"], name="target_breakdown_outlet"),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="target_breakdown_value_positive"
            ),
        ]

    def __str__(self):
        return f"{self.line}: {self.area or self.outlet} {self.value}"


class TargetResult(models.Model):
    """The evaluation of one target (overall, an area or an outlet) at period end, frozen:
    the actual value and sample then, the target, the outcome and the finding a miss opened."""

    target_set = models.ForeignKey(
        TargetSet, on_delete=models.PROTECT, related_name="results", verbose_name=_("target set")
    )
    line = models.ForeignKey(
        TargetLine, on_delete=models.PROTECT, related_name="results", verbose_name=_("line")
    )
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    area = models.ForeignKey(
        "tickets.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outlet = models.ForeignKey(
        "outlets.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target = models.DecimalField(_("target"), max_digits=6, decimal_places=2)
    actual = models.DecimalField(_("actual"), max_digits=6, decimal_places=2, null=True)
    sample = models.PositiveIntegerField(_("sample size"), default=0)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    finding = models.OneToOneField(
        "audits.Finding",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="target_result",
        verbose_name=_("finding"),
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), default=timezone.now)

    class Meta:
        ordering = ["target_set", "line", "scope", "pk"]
        verbose_name = _("target result")
        verbose_name_plural = _("target results")
        constraints = [
            models.UniqueConstraint(
                fields=["line", "scope", "area", "outlet"],
                nulls_distinct=False,
                name="target_result_once",
            ),
        ]

    def __str__(self):
        return f"{self.line} {self.scope}: {self.outcome}"
