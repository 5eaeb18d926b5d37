"""Pre-aggregated ticket figures for the control room's charts (tickets.control_room),
and the abstract ``SlaFlowCounts`` their table shares with the KPI rollups (tickets.rollups)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import Channel
from .core import Area


class SlaFlowCounts(models.Model):
    """The ticket-flow counters the control room's table and the KPI rollups share:
    tickets opened and closed, the SLA clocks decided and met, the satisfaction answers.
    Abstract, no table; inherited by ``TicketDailyStat`` and
    ``tickets.rollups.models.KpiCounts``, whose docstrings say which tickets each counts.

    ``satisfaction_sum`` is not here: the control room's column is a
    ``PositiveIntegerField``, the rollups' a ``PositiveBigIntegerField``, so each model
    keeps its own.
    """

    opened = models.PositiveIntegerField(default=0, verbose_name=_("opened"))
    closed = models.PositiveIntegerField(default=0, verbose_name=_("closed"))
    response_decided = models.PositiveIntegerField(
        default=0, verbose_name=_("response clocks decided")
    )
    response_met = models.PositiveIntegerField(default=0, verbose_name=_("response clocks met"))
    dispatch_decided = models.PositiveIntegerField(
        default=0, verbose_name=_("dispatch clocks decided")
    )
    dispatch_met = models.PositiveIntegerField(default=0, verbose_name=_("dispatch clocks met"))
    satisfaction_answers = models.PositiveIntegerField(
        default=0, verbose_name=_("satisfaction answers")
    )

    class Meta:
        abstract = True


class TicketDailyStat(SlaFlowCounts):
    """One local day × area × channel of ticket flow, rebuilt from the tickets themselves.

    Derived data, never the record: ``tickets.services.ticket_daily_stats_refresh``
    recomputes whole days (beat, every ``TICKET_STATS_REFRESH_SECONDS``, the last
    ``TICKET_STATS_REFRESH_DAYS`` days; ``manage.py ticket_stats_rebuild`` for any range),
    so the charts read a few hundred rows instead of scanning a million tickets.

    The counters are ``SlaFlowCounts``' (plus this model's own ``satisfaction_sum``).
    Tickets received that day give ``opened`` and the SLA clocks (decided and met, as
    ``tickets.selectors.sla_clock_qs`` counts them); tickets closed that day give
    ``closed`` and the satisfaction answers (follow-up answer, else the confirmation's).
    """

    day = models.DateField(verbose_name=_("day"))
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("area"),
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, verbose_name=_("channel"))
    # Not in SlaFlowCounts: an integer column here, a bigint in the rollups.
    satisfaction_sum = models.PositiveIntegerField(default=0, verbose_name=_("satisfaction total"))
    refreshed_at = models.DateTimeField(verbose_name=_("refreshed at"))

    class Meta:
        verbose_name = _("daily ticket figures")
        verbose_name_plural = _("daily ticket figures")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "area", "channel"],
                name="ticketdailystat_day_area_channel",
                nulls_distinct=False,
            )
        ]
        # The charts read a range of days, all areas or one.
        indexes = [models.Index(fields=["area", "day"], name="ticketdailystat_area_day")]

    def __str__(self):
        return f"{self.day} {self.area_id} {self.channel}"
