"""The daily KPI rollups (tickets.rollups): maintained incrementally they equal a full
recomputation, and the KPI report read from them equals the live one, after random
histories across days, local midnights and a daylight-saving change."""

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.dates import local_day_bounds
from audits.choices import KpiGrouping
from audits.quality.selectors import (
    KPI_GROUP_FIELDS,
    _kpi_labels,
    _kpi_row,
    kpi_rows,
)
from tests.parts.factories import LocationFactory
from tests.tickets.factories import AreaFactory, ProductFactory, TechnicianFactory, make_ticket
from tickets.models import Ticket, TicketEvent
from tickets.rollups.models import KpiDailyRollup, KpiMonthlyRollup
from tickets.rollups.services import kpi_rollups_recompute, kpi_rollups_refresh
from tickets.selectors import kpi_closed_figures, kpi_opened_figures

pytestmark = pytest.mark.django_db

GROUPINGS = ("technician", "area", "category", "outlet")
FIGURES = (
    "opened", "complaints", "response_decided", "response_met", "dispatch_decided",
    "dispatch_met", "closed", "first_time_fixes", "satisfaction_sum",
    "satisfaction_answers", "complete_records",
)  # fmt: skip
HAPPY_PATH = ("respond", "dispatch", "complete", "confirm", "close", "follow_up")
MINUTES = st.sampled_from([0, 20, 180, 600, 1400, 2900, 4400])
# A history: tickets, each opened at some minute of three weeks and taken some way along
# the lifecycle (each step after a delay; a rejected confirmation redoes the job), with
# pauses, resumes and reassignments on the way, and refreshes at random minutes;
# everything happens in time order.
histories = st.tuples(
    st.lists(
        st.tuples(
            st.integers(0, 21 * 24 * 60),  # opened at (minutes after the start)
            st.integers(0, 3),  # a product (0: none; 2, 3: the same) / area / category
            st.integers(0, len(HAPPY_PATH)),  # how far along the lifecycle
            st.booleans(),  # the customer rejects the first confirmation
            st.lists(MINUTES, min_size=9, max_size=9),  # the delays between the steps
            st.lists(
                st.tuples(
                    st.sampled_from(["pause", "resume", "reassign"]), MINUTES, st.integers(0, 3)
                ),
                max_size=3,
            ),
        ),
        min_size=1,
        max_size=7,
    ),
    st.lists(st.integers(0, 28 * 24 * 60), max_size=8),  # refreshes
)


def timeline(history, start):
    """The history's steps in time order: (instant, action, ticket number, pick)."""
    lifecycles, refreshes = history
    events = [(start + datetime.timedelta(minutes=m), "refresh", None, 0) for m in refreshes]
    for number, (opened, pick, depth, rejected, delays, extras) in enumerate(lifecycles):
        opened_at = when = start + datetime.timedelta(minutes=opened)
        events.append((when, "intake", number, pick))
        path = list(HAPPY_PATH[:depth])
        if rejected and "confirm" in path:
            path[3:3] = ["reject", "complete"]
        for action, delay in zip(path, delays, strict=False):
            when += datetime.timedelta(minutes=delay)
            events.append((when, action, number, pick))
        for action, delay, extra_pick in extras:
            events.append((opened_at + datetime.timedelta(minutes=delay), action, number,
                           extra_pick))  # fmt: skip
    order = {"intake": 0}
    return sorted(events, key=lambda event: (event[0], order.get(event[1], 1)))


class Rollback(Exception):
    pass


@pytest.fixture
def world(agent):
    outlet = LocationFactory(kind="outlet", code="OUT-1")
    technicians = [
        TechnicianFactory(full_name="Alice", home_outlet=outlet),
        TechnicianFactory(full_name="Bob"),
    ]
    return {
        "agent": agent,
        "areas": [AreaFactory(code="north"), AreaFactory(code="south")],
        "technicians": technicians,
        "products": [None, ProductFactory(), ProductFactory()],
    }


def _write(ticket, now, **fields):
    """A ticket write as the services make it: the fields, and ``updated_at``."""
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now, **fields)
    ticket.refresh_from_db()


def apply(step, world, tickets):
    now, action, number, pick = step
    if action == "intake":
        product = world["products"][min(pick, 2)] if pick else None
        ticket = make_ticket(
            actor=world["agent"], product=product,
            category=("repair", "complaint", "installation", "repair")[pick],
        )  # fmt: skip
        _write(
            ticket, now, created_at=now, area=world["areas"][pick % 2], technician=None,
            response_due_at=now + datetime.timedelta(hours=2 + 3 * pick),
            dispatch_due_at=now + datetime.timedelta(hours=5 + 7 * pick),
            responded_at=None, dispatched_at=None, sla_paused_at=None, cancelled_at=None,
            completed_at=None, closed_at=None, satisfaction=None, fault_code="",
            confirmation_signature="", status="new",
        )  # fmt: skip
        tickets[number] = ticket
        return
    if action == "refresh":
        kpi_rollups_refresh(now=now)
        return
    ticket = tickets[number]
    if ticket.closed_at and action not in ("follow_up", "reassign"):
        return
    if action == "respond" and not ticket.responded_at:
        _write(ticket, now, responded_at=now, status="triaged")
    elif action == "dispatch" and not ticket.dispatched_at:
        _write(ticket, now, responded_at=ticket.responded_at or now, dispatched_at=now,
               technician=world["technicians"][pick % 2], status="dispatched")  # fmt: skip
    elif action == "complete" and not ticket.completed_at:
        _write(ticket, now, completed_at=now, fault_code="E1" if pick % 2 else "",
               status="awaiting_confirmation")  # fmt: skip
    elif action == "reject" and ticket.completed_at:
        TicketEvent.objects.create(
            ticket=ticket,
            kind="transition",
            action="confirm",
            from_status="awaiting_confirmation",
            to_status="triaged",
        )
        _write(ticket, now, completed_at=None, status="triaged",
               confirmations_refused=ticket.confirmations_refused + 1)  # fmt: skip
    elif action == "confirm" and ticket.completed_at and not ticket.confirmation_signature:
        _write(ticket, now, confirmation_signature="sig", satisfaction=pick + 2 if pick else None)
    elif action == "close" and ticket.completed_at:
        _write(ticket, now, closed_at=now, status="closed", sla_paused_at=None)
    elif action == "follow_up" and ticket.closed_at and ticket.follow_up_satisfaction is None:
        _write(ticket, now, follow_up_satisfaction=pick + 1, status="followed_up")
    elif action == "pause" and not ticket.sla_paused_at:
        _write(ticket, now, sla_paused_at=now)
    elif action == "resume" and ticket.sla_paused_at:
        _write(ticket, now, sla_paused_at=None)
    elif action == "reassign":
        _write(ticket, now, technician=world["technicians"][pick % 2] if pick < 3 else None,
               area=world["areas"][pick % 2])  # fmt: skip


def stored():
    """Every rollup row's counts: the daily rows and the whole months'."""
    return {
        **{
            (r.day, r.dimension, r.key_id, r.key_code): tuple(getattr(r, f) for f in FIGURES)
            for r in KpiDailyRollup.objects.all()
        },
        **{
            ("month", r.month, r.dimension, r.key_id, r.key_code): tuple(
                getattr(r, f) for f in FIGURES
            )
            for r in KpiMonthlyRollup.objects.all()
        },
    }


def reference_kpi_rows(*, start, end, group_by, now):
    """The KPI report as computed before the rollups: two aggregates over the tickets."""
    key = KPI_GROUP_FIELDS[KpiGrouping(group_by)]
    rows = {}
    for field, figures in (("created_at", kpi_opened_figures(now=now)),
                           ("closed_at", kpi_closed_figures())):  # fmt: skip
        period = {f"{field}__gte": start, f"{field}__lt": end}
        for values in Ticket.objects.filter(**period).values(key).annotate(**figures).order_by():
            rows.setdefault(values.pop(key), {}).update(values)
    labels = _kpi_labels(group_by, [k for k in rows if k is not None])
    result = [_kpi_row(k, labels.get(k), figures) for k, figures in rows.items()]
    result.sort(key=lambda row: (row["key"] is None, str(row["label"] or "")))
    return result


def ticket_days():
    """The local days on which some ticket opened or closed."""
    days = set()
    for created, closed in Ticket.objects.values_list("created_at", "closed_at"):
        days.add(timezone.localdate(created))
        if closed:
            days.add(timezone.localdate(closed))
    return days


def check_history(world, history, start):
    kpi_rollups_refresh(now=start)  # the watermark, as after a backfill
    tickets, now = {}, start
    for step in timeline(history, start):
        apply(step, world, tickets)
        now = step[0]
    now += datetime.timedelta(minutes=5)
    kpi_rollups_refresh(now=now)
    incremental = stored()
    days = sorted(KpiDailyRollup.objects.values_list("day", flat=True).distinct())
    assert ticket_days() <= set(days)  # every day with a ticket is rolled up
    kpi_rollups_recompute(days=days, now=now)
    assert stored() == incremental  # the incremental rollups = a full recomputation
    whole = local_day_bounds(days[0], days[-1])
    noon = (whole[0] + datetime.timedelta(hours=13), whole[1] - datetime.timedelta(hours=3))
    for period in (whole, noon):
        for group_by in GROUPINGS:
            expected = reference_kpi_rows(start=period[0], end=period[1], group_by=group_by,
                                          now=now)  # fmt: skip
            assert kpi_rows(start=period[0], end=period[1], group_by=group_by, now=now) == (
                expected
            ), (group_by, period)


def run_property(world, history, start):
    try:
        with transaction.atomic():
            check_history(world, history, start)
            raise Rollback
    except Rollback:
        pass


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
def test_incremental_rollups_equal_a_full_recomputation_and_the_live_report(world, history):
    # Shanghai (UTC+8): local midnight is 16:00 UTC, so days start mid-UTC-day.
    run_property(world, history, datetime.datetime(2026, 3, 2, 13, tzinfo=datetime.UTC))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
def test_rollups_across_a_daylight_saving_change(world, history):
    # Europe/Berlin goes to summer time on 2026-03-29: a 23-hour local day.
    with override_settings(TIME_ZONE="Europe/Berlin"):
        run_property(world, history, datetime.datetime(2026, 3, 27, 20, tzinfo=datetime.UTC))


SHANGHAI_NOON = datetime.datetime(2026, 3, 2, 4, tzinfo=datetime.UTC)  # 12:00 local


def _day(n, hour=0):
    return SHANGHAI_NOON + datetime.timedelta(days=n, hours=hour)


def _opened(world, now, **fields):
    ticket = make_ticket(actor=world["agent"], product=fields.pop("product", None))
    _write(ticket, now, created_at=now, response_due_at=now + datetime.timedelta(hours=4),
           dispatch_due_at=now + datetime.timedelta(hours=8), **fields)  # fmt: skip
    return ticket


def _closed_day_row(day):
    return KpiDailyRollup.objects.get(day=day, dimension="day")


def test_a_repeat_visit_days_later_recomputes_the_first_time_fix_of_the_closing_day(world):
    product = world["products"][1]
    kpi_rollups_refresh(now=_day(0))
    _opened(world, _day(0), product=product, responded_at=_day(0), completed_at=_day(0, 2),
            closed_at=_day(0, 3), status="closed")  # fmt: skip
    kpi_rollups_refresh(now=_day(3))
    assert _closed_day_row(_day(0).date()).first_time_fixes == 1
    _opened(world, _day(20), product=product)  # within 30 days of the completion
    assert _day(0).date() in kpi_rollups_refresh(now=_day(20, 1))
    assert _closed_day_row(_day(0).date()).first_time_fixes == 0


def test_an_sla_clock_passing_its_due_without_any_write_recomputes_its_day(world):
    kpi_rollups_refresh(now=_day(0))
    ticket = _opened(world, _day(0))
    Ticket.objects.filter(pk=ticket.pk).update(response_due_at=_day(5), dispatch_due_at=_day(9))
    kpi_rollups_refresh(now=_day(3))
    assert _closed_day_row(_day(0).date()).response_decided == 0
    kpi_rollups_refresh(now=_day(6))  # response due passed: decided (breached)
    row = _closed_day_row(_day(0).date())
    assert (row.response_decided, row.response_met, row.dispatch_decided) == (1, 0, 0)


def test_the_report_reads_the_rollups_in_the_same_queries_whatever_the_period(
    world, django_assert_num_queries
):
    for n in range(0, 270, 9):
        _opened(world, _day(n), area=world["areas"][n % 2], responded_at=_day(n, 1),
                completed_at=_day(n, 2), closed_at=_day(n, 3), satisfaction=4,
                status="closed")  # fmt: skip
    call_command("rollups_rebuild", "--from", "2026-03-01", "--to", "2026-11-30")
    assert KpiDailyRollup.objects.filter(dimension="day").count() == 275
    # The whole months (March to November), each the sum of its days.
    assert KpiMonthlyRollup.objects.filter(dimension="day").count() == 9
    march = KpiMonthlyRollup.objects.get(dimension="day", month=datetime.date(2026, 3, 1))
    assert march.closed == Ticket.objects.filter(closed_at__lt=_day(30)).count() == 4
    now = _day(300)
    # A week (days), nine months (months, and the days of the partial first and last).
    for days in (7, 270):
        end = local_day_bounds(_day(days).date())[0]
        start = local_day_bounds(_day(0).date())[0]
        with django_assert_num_queries(2):  # rollups, labels: nothing left to read live
            rows = kpi_rows(start=start, end=end, group_by="area", now=now)
        assert rows == reference_kpi_rows(start=start, end=end, group_by="area", now=now)
        # A period starting mid-day reads that partial day live: one query more.
        with django_assert_num_queries(3):
            kpi_rows(start=start + datetime.timedelta(hours=1), end=end, group_by="area", now=now)
    assert sum(row["closed"] for row in rows) == 30


def test_the_first_refresh_rolls_up_today_and_yesterday_only_and_never_the_future(world):
    _opened(world, _day(-5))
    assert kpi_rollups_refresh(now=_day(0)) == [_day(-1).date(), _day(0).date()]
    assert not KpiDailyRollup.objects.filter(day=_day(-5).date()).exists()
    # Not rolled up: the report reads that day live.
    start, end = local_day_bounds(_day(-5).date())
    assert kpi_rows(start=start, end=end, group_by="area", now=_day(0))[0]["opened"] == 1
