"""Reads of the supervisors' control room (``/dashboard/``): the live state of the open
tickets and the recent flow, for all areas or one.

Current state (tiles, backlog, the lists) is read live from the open tickets, which the
status indexes bound (``ticket_status_created``, ``ticket_area_status``): about ten
thousand rows at a million tickets. The flow over weeks (SLA met %, intake by channel,
satisfaction) is read from ``TicketDailyStat``, a few hundred rows, which beat keeps
fresh (``tickets.services.ticket_daily_stats_refresh``). The query count is fixed,
whatever the data: see ``control_room``.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, F, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import OPEN_STATUSES, Channel, SlaState, TicketCategory, TicketStatus
from .models import Area, Ticket, TicketDailyStat
from .models.core import SLA_DUE
from .selectors import DASHBOARD_GENERATION_KEY, sla_state_q

LIST_LIMIT = 15
LIST_FIELDS = (
    "id", "number", "status", "priority", "category", "escalation_level", "created_at",
    "triaged_at", "owner", "area", "response_due_at", "response_warn_at", "dispatch_due_at",
    "dispatch_warn_at", "responded_at", "dispatched_at", "completed_at", "cancelled_at",
    "sla_paused_at",
)  # fmt: skip
WEEKS = 12
INTAKE_DAYS = 30
SATISFACTION_DAYS = 30
# Customer complaints must reach a supervisor within 4 hours (domain.md, 服务时效): a
# complaint has reached one once it is triaged (supervisors triage) or escalated.
COMPLAINT_REACH = datetime.timedelta(hours=4)


@dataclass
class ComplaintRow:
    ticket: Ticket
    reach_by: datetime.datetime
    reached: bool
    overdue: bool


@dataclass
class ControlRoom:
    now: datetime.datetime
    area: Area | None
    areas: list
    tiles: dict
    by_status: dict
    by_area: list
    weeks: list = field(default_factory=list)
    intake_days: list = field(default_factory=list)
    intake: dict = field(default_factory=dict)
    at_risk: list = field(default_factory=list)
    breached: list = field(default_factory=list)
    escalations: list = field(default_factory=list)
    complaints: list = field(default_factory=list)
    stats_refreshed_at: datetime.datetime | None = None


def _pct(met, decided):
    return round(100 * met / decided, 1) if decided else None


def week_start(day):
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def control_room_areas():
    return list(Area.objects.order_by("code"))


def control_room_cached(*, area=None, areas=None):
    """``control_room`` now, shared by every supervisor polling it: kept for
    ``CONTROL_ROOM_CACHE_SECONDS`` and only until the next ticket write commits (the
    services bump the dashboard's generation; the SLA sweep too), so a ticket that goes
    at risk by the sweep shows on the next poll. 0 seconds: always computed."""
    seconds = settings.CONTROL_ROOM_CACHE_SECONDS
    if not seconds:
        return control_room(area=area, areas=areas)
    generation = cache.get(DASHBOARD_GENERATION_KEY, 0)
    key = f"tickets:control-room:{generation}:{area.pk if area is not None else 'all'}"
    room = cache.get(key)
    if room is None:
        room = control_room(area=area, areas=areas)
        cache.set(key, room, seconds)
    else:
        room.areas = areas if areas is not None else room.areas
    return room


def control_room(*, area=None, areas=None, now=None):
    """Everything the control room shows, for ``area`` (an Area) or every area.

    Eight queries whatever the data: the areas (unless given), one aggregate over the open
    tickets grouped by area, today's intake and closures, the daily figures of
    the last twelve weeks, and the four lists (at risk, breached, escalations,
    complaints), each bounded by LIST_LIMIT.
    """
    now = now or timezone.now()
    areas = control_room_areas() if areas is None else areas
    tickets = Ticket.objects.all() if area is None else Ticket.objects.filter(area=area)
    open_tickets = tickets.filter(status__in=OPEN_STATUSES)
    at_risk_q = sla_state_q(SlaState.AT_RISK, now=now)
    breached_q = sla_state_q(SlaState.BREACHED, now=now)
    complaint_q = Q(category=TicketCategory.COMPLAINT)
    # One pass over the open tickets, grouped by area: the tiles are the column sums.
    per_area = list(
        open_tickets.values("area_id")
        .annotate(
            total=Count("id"),
            at_risk=Count("id", filter=at_risk_q),
            breached=Count("id", filter=breached_q),
            escalated=Count("id", filter=Q(escalation_level__gt=0)),
            complaints=Count("id", filter=complaint_q),
            **{f"status_{s}": Count("id", filter=Q(status=s)) for s in OPEN_STATUSES},
        )
        .order_by()
    )
    counts = {
        key: sum(row[key] for row in per_area)
        for key in (
            "total",
            "at_risk",
            "breached",
            "escalated",
            "complaints",
            *(f"status_{s}" for s in OPEN_STATUSES),
        )
    }
    names = {a.pk: a for a in areas}
    by_area = sorted(
        ((names.get(row["area_id"]), row["total"]) for row in per_area),
        key=lambda pair: (-pair[1], pair[0].name if pair[0] else ""),
    )
    local = timezone.localtime(now)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    today = tickets.filter(Q(created_at__gte=day_start) | Q(closed_at__gte=day_start)).aggregate(
        opened=Count("id", filter=Q(created_at__gte=day_start)),
        closed=Count("id", filter=Q(closed_at__gte=day_start)),
    )
    room = ControlRoom(
        now=now,
        area=area,
        areas=areas,
        tiles={
            "open": counts["total"],
            "at_risk": counts["at_risk"],
            "breached": counts["breached"],
            "escalated": counts["escalated"],
            "complaints": counts["complaints"],
            "opened_today": today["opened"],
            "closed_today": today["closed"],
        },
        by_status={s: counts[f"status_{s}"] for s in OPEN_STATUSES},
        by_area=by_area,
    )
    _flow(room, local.date())
    _lists(room, open_tickets, at_risk_q, breached_q, complaint_q)
    return room


def _flow(room, today):
    """The weekly SLA met %, the intake by channel and satisfaction, from the daily figures."""
    this_week = week_start(today)
    first = this_week - datetime.timedelta(weeks=WEEKS - 1)
    stats = TicketDailyStat.objects.filter(day__gte=first, day__lte=today)
    if room.area is not None:
        stats = stats.filter(area=room.area)
    rows = list(
        stats.values("day", "channel")
        .annotate(
            opened=Sum("opened"),
            response_decided=Sum("response_decided"),
            response_met=Sum("response_met"),
            dispatch_decided=Sum("dispatch_decided"),
            dispatch_met=Sum("dispatch_met"),
            satisfaction_sum=Sum("satisfaction_sum"),
            satisfaction_answers=Sum("satisfaction_answers"),
            refreshed_at=Max("refreshed_at"),
        )
        .order_by()
    )
    weeks = {first + datetime.timedelta(weeks=i): [0, 0, 0, 0] for i in range(WEEKS)}
    intake_first = today - datetime.timedelta(days=INTAKE_DAYS - 1)
    room.intake_days = [intake_first + datetime.timedelta(days=i) for i in range(INTAKE_DAYS)]
    intake = {c: dict.fromkeys(room.intake_days, 0) for c in Channel.values}
    satisfaction_first = today - datetime.timedelta(days=SATISFACTION_DAYS - 1)
    satisfaction = [0, 0]
    for row in rows:
        figures = weeks.get(week_start(row["day"]))
        if figures is not None:
            figures[0] += row["response_decided"]
            figures[1] += row["response_met"]
            figures[2] += row["dispatch_decided"]
            figures[3] += row["dispatch_met"]
        if row["day"] >= intake_first and row["channel"] in intake:
            intake[row["channel"]][row["day"]] += row["opened"]
        if row["day"] >= satisfaction_first:
            satisfaction[0] += row["satisfaction_sum"]
            satisfaction[1] += row["satisfaction_answers"]
        if row["refreshed_at"] and (
            room.stats_refreshed_at is None or row["refreshed_at"] > room.stats_refreshed_at
        ):
            room.stats_refreshed_at = row["refreshed_at"]
    room.weeks = [(start, _pct(f[1], f[0]), _pct(f[3], f[2])) for start, f in sorted(weeks.items())]
    current = weeks[this_week]
    room.tiles["response_met_pct"] = _pct(current[1], current[0])
    room.tiles["dispatch_met_pct"] = _pct(current[3], current[2])
    room.tiles["satisfaction"] = (
        round(satisfaction[0] / satisfaction[1], 2) if satisfaction[1] else None
    )
    room.tiles["satisfaction_answers"] = satisfaction[1]
    room.intake = {c: [per_day[d] for d in room.intake_days] for c, per_day in intake.items()}


def _lists(room, open_tickets, at_risk_q, breached_q, complaint_q):
    # Only what a row shows and its SLA badge reads: the sorts carry narrow rows.
    rows = (
        open_tickets.select_related("owner", "area")
        .only(*LIST_FIELDS, "owner__username", "area__name", "area__code")
        .order_by()
    )
    # At risk: the next running deadline first (the ``ticket_sla_due_id`` expression).
    room.at_risk = list(rows.filter(at_risk_q).order_by(SLA_DUE, "id")[:LIST_LIMIT])
    # Breached: the deadline missed first (the most late) first.
    at = Coalesce(F("sla_paused_at"), Value(room.now))
    missed = Case(
        When(
            response_due_at__lt=Coalesce(F("responded_at"), F("cancelled_at"), at),
            then=F("response_due_at"),
        ),
        default=F("dispatch_due_at"),
    )
    room.breached = list(rows.filter(breached_q).order_by(missed, "id")[:LIST_LIMIT])
    for ticket in (*room.at_risk, *room.breached):
        ticket.reading = ticket.sla_countdown(room.now)
    room.escalations = list(
        rows.filter(escalation_level__gt=0).order_by("-escalation_level", SLA_DUE, "id")[
            :LIST_LIMIT
        ]
    )
    complaints = list(
        rows.filter(complaint_q)
        .annotate(
            unreached=Case(
                When(Q(triaged_at__isnull=True, escalation_level=0), then=Value(0)),
                default=Value(1),
            )
        )
        .order_by("unreached", "created_at", "id")[:LIST_LIMIT]
    )
    room.complaints = []
    for ticket in complaints:
        reach_by = ticket.created_at + COMPLAINT_REACH
        reached = ticket.triaged_at is not None or ticket.escalation_level > 0
        # Reached: was it in time? Not yet: is the 4 hours' deadline past?
        overdue = (ticket.triaged_at or reach_by) > reach_by if reached else room.now > reach_by
        room.complaints.append(ComplaintRow(ticket, reach_by, reached, overdue))


def open_statuses():
    """The open statuses in the lifecycle's order (the backlog chart's bars)."""
    return [s for s in TicketStatus.values if s in OPEN_STATUSES]
