"""The control room's daily figures (``TicketDailyStat``): recomputed from the tickets."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from aftersales.dates import local_day_bounds

from ..models import Ticket, TicketDailyStat
from ..selectors import sla_clock_qs


def _grouped(tickets, field, **figures):
    day = TruncDate(field, tzinfo=timezone.get_current_timezone())
    return (
        tickets.annotate(stat_day=day)
        .values("stat_day", "area_id", "channel")
        .annotate(**figures)
        .order_by()
    )


def ticket_daily_stats_refresh(*, first=None, last=None, now=None):
    """Recompute the daily figures of the local days ``first`` … ``last`` (default: the
    last ``TICKET_STATS_REFRESH_DAYS`` days up to today) and return how many rows it wrote.

    Two grouped aggregates (the created_at and closed_at indexes) and, in one transaction,
    the days' rows replaced, so a reader sees the old figures or the new, never half. The
    table is derived and rebuildable, so this writes no audit event (it would be one every
    few minutes, recording nothing anyone did). Safe to overlap: the later run wins.

    A day's figures settle once its tickets' clocks are decided (a day or two; a paused
    ticket longer), and satisfaction answers arrive with the return visit: refreshing the
    last two weeks keeps them right; older days change only by a rebuild.
    """
    now = now or timezone.now()
    last = last or timezone.localdate(now)
    first = first or last - datetime.timedelta(days=settings.TICKET_STATS_REFRESH_DAYS - 1)
    start, end = local_day_bounds(first, last)
    decided, met = sla_clock_qs(now=now)
    satisfaction = Coalesce("follow_up_satisfaction", "satisfaction")
    rows = {}
    opened = _grouped(
        Ticket.objects.filter(created_at__gte=start, created_at__lt=end),
        "created_at",
        opened=Count("id"),
        response_decided=Count("id", filter=decided["response"]),
        response_met=Count("id", filter=met["response"]),
        dispatch_decided=Count("id", filter=decided["dispatch"]),
        dispatch_met=Count("id", filter=met["dispatch"]),
    )
    closed = _grouped(
        Ticket.objects.filter(closed_at__gte=start, closed_at__lt=end),
        "closed_at",
        closed=Count("id"),
        satisfaction_sum=Coalesce(Sum(satisfaction), 0),
        satisfaction_answers=Count(satisfaction),
    )
    for source in (opened, closed):
        for values in source:
            key = (values.pop("stat_day"), values.pop("area_id"), values.pop("channel"))
            rows.setdefault(key, {}).update(values)
    stats = [
        TicketDailyStat(day=day, area_id=area_id, channel=channel, refreshed_at=now, **figures)
        for (day, area_id, channel), figures in sorted(rows.items(), key=_sort_key)
    ]
    with transaction.atomic():
        TicketDailyStat.objects.filter(day__gte=first, day__lte=last).delete()
        TicketDailyStat.objects.bulk_create(stats, batch_size=1000)
    return len(stats)


def _sort_key(item):
    (day, area_id, channel), _ = item
    return (day, area_id or 0, channel)
