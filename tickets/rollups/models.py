"""The daily KPI rollups: derived data, rebuilt from the tickets, never the record."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models import SlaFlowCounts


class RollupDimension(models.TextChoices):
    TECHNICIAN = "technician", _("Technician")
    AREA = "area", _("Area")
    CATEGORY = "category", _("Category")
    # One row per rolled-up day, with the day's totals: its presence says the day is
    # rolled up (a day without tickets has this row, with zeros).
    DAY = "day", _("Day")


class KpiCounts(SlaFlowCounts):
    """The additive counts of the KPI report (``tickets.selectors.kpi_opened_conditions``
    and ``kpi_closed_conditions``) of one span × one technician, area or category, never a
    percentage or an average: ``SlaFlowCounts``' counters plus the report's own
    (``complaints``, ``first_time_fixes``, ``satisfaction_sum``, ``complete_records``).
    ``key_id`` is the technician's or area's id (None: tickets without one); ``key_code``
    the category."""

    dimension = models.CharField(
        max_length=16, choices=RollupDimension.choices, verbose_name=_("dimension")
    )
    key_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("key id"))
    key_code = models.CharField(max_length=32, blank=True, default="", verbose_name=_("key code"))
    complaints = models.PositiveIntegerField(default=0, verbose_name=_("complaints"))
    first_time_fixes = models.PositiveIntegerField(default=0, verbose_name=_("first-time fixes"))
    # Not in SlaFlowCounts: a bigint here, an integer column in the control room's table.
    satisfaction_sum = models.PositiveBigIntegerField(
        default=0, verbose_name=_("satisfaction total")
    )
    complete_records = models.PositiveIntegerField(default=0, verbose_name=_("complete records"))
    refreshed_at = models.DateTimeField(verbose_name=_("refreshed at"))

    class Meta:
        abstract = True


class KpiDailyRollup(KpiCounts):
    """One local day (``TIME_ZONE``) × one technician, area or category.

    Tickets *opened* that day give ``opened``, ``complaints`` and the SLA clocks
    (``response_decided`` … ``dispatch_met``, as of ``refreshed_at``); tickets *closed*
    that day give ``closed``, ``first_time_fixes``, ``satisfaction_sum``,
    ``satisfaction_answers`` and ``complete_records``.
    The outlet report sums the technicians' rows by their home outlet at read time, so
    moving a technician moves their history as the live report does.
    """

    day = models.DateField(verbose_name=_("day"))

    class Meta:
        verbose_name = _("daily KPI rollup")
        verbose_name_plural = _("daily KPI rollups")
        constraints = [
            # Also the readers' index: one dimension over a range of days.
            models.UniqueConstraint(
                fields=["dimension", "day", "key_id", "key_code"],
                name="kpidailyrollup_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.day} {self.dimension} {self.key_id or self.key_code}"


class KpiMonthlyRollup(KpiCounts):
    """The sums of a whole month's daily rows, written only once every day of the month
    is rolled up (``month`` is its first day), so a report over two years reads 24
    months' rows and the daily rows of its partial months only."""

    month = models.DateField(verbose_name=_("month"))

    class Meta:
        verbose_name = _("monthly KPI rollup")
        verbose_name_plural = _("monthly KPI rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "month", "key_id", "key_code"],
                name="kpimonthlyrollup_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.dimension} {self.key_id or self.key_code}"


class RollupWatermark(models.Model):
    """Where the incremental refresh stopped: the instant of its last run (one row per
    rollup, ``name``). Its row lock also serialises overlapping runs."""

    name = models.CharField(max_length=32, primary_key=True, verbose_name=_("name"))
    refreshed_at = models.DateTimeField(verbose_name=_("refreshed at"))

    class Meta:
        verbose_name = _("rollup watermark")
        verbose_name_plural = _("rollup watermarks")

    def __str__(self):
        return f"{self.name} @ {self.refreshed_at:%Y-%m-%d %H:%M:%S}"
