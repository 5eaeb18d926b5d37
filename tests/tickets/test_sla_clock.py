"""Deadlines from the matching policy on its calendar; recomputed from intake, with history."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from tickets import services
from tickets.models import SlaClockEntry, SlaPolicy, Ticket
from tickets.services.sla import sla_deadlines, sla_paused_seconds_after_resume

from .factories import CustomerFactory, make_ticket

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def vip_policy(office):
    return SlaPolicy.objects.create(
        name="VIP",
        customer_tier="vip",
        calendar=office,
        response_hours=8,
        dispatch_hours=24,
        warning_fraction="0.5",
    )


def test_vip_deadlines_count_business_hours_only(vip_policy):
    friday_evening = datetime.datetime(2026, 11, 20, 19, tzinfo=SHANGHAI)
    deadlines = sla_deadlines(received_at=friday_evening, policy=vip_policy)
    # 1 h on Friday, 7 h on Saturday from 08:00; the warning at half: 3 h on Saturday.
    assert deadlines.response_due_at == datetime.datetime(2026, 11, 21, 15, tzinfo=SHANGHAI)
    assert deadlines.response_warn_at == datetime.datetime(2026, 11, 21, 11, tzinfo=SHANGHAI)
    # 24 h: Fri 1 h + Sat 12 h + (Sunday off) + Mon 11 h → Monday 19:00.
    assert deadlines.dispatch_due_at == datetime.datetime(2026, 11, 23, 19, tzinfo=SHANGHAI)


def test_intake_applies_the_matching_policy_and_records_the_clock(agent, vip_policy):
    vip = CustomerFactory(tier="vip")
    ticket = make_ticket(actor=agent, customer=vip)
    assert ticket.sla_policy == vip_policy
    expected = sla_deadlines(received_at=ticket.created_at, policy=vip_policy)
    assert (ticket.response_due_at, ticket.dispatch_due_at) == (
        expected.response_due_at,
        expected.dispatch_due_at,
    )
    [entry] = SlaClockEntry.objects.filter(ticket=ticket)
    assert (entry.reason, entry.policy, entry.response_due_at) == (
        "intake",
        vip_policy,
        ticket.response_due_at,
    )


def test_a_complaint_must_be_answered_within_four_hours(agent):
    ticket = make_ticket(actor=agent, category="complaint")
    assert ticket.sla_policy.name == "Complaint"
    assert ticket.response_due_at - ticket.created_at == 4 * HOUR


def test_triage_reclassification_replans_the_running_clocks_only(agent):
    urgent = SlaPolicy.objects.create(
        name="P1",
        priority="p1",
        calendar=SlaPolicy.objects.get(is_default=True).calendar,
        response_hours=2,
        dispatch_hours=8,
    )
    ticket = make_ticket(actor=agent, priority="p3")
    response_due = ticket.response_due_at
    ticket = services.ticket_triage(ticket=ticket, actor=agent, priority="p1")
    assert ticket.sla_policy == urgent
    assert ticket.response_due_at == response_due  # stopped by this very triage
    assert ticket.dispatch_due_at == ticket.created_at + 8 * HOUR
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.dispatch_due_at == ticket.dispatch_due_at
    assert list(SlaClockEntry.objects.filter(ticket=ticket).values_list("reason", flat=True)) == [
        "intake",
        "triaged",
    ]


def test_pauses_accumulate_and_deadlines_are_replanned_from_intake(agent):
    ticket = make_ticket(actor=agent)
    for hours in (2, 3):
        ticket = services.ticket_pause(ticket=ticket, actor=agent, reason="Unreachable")
        Ticket.objects.filter(pk=ticket.pk).update(sla_paused_at=timezone.now() - hours * HOUR)
        ticket.refresh_from_db()
        ticket = services.ticket_resume(ticket=ticket, actor=agent, reason="Called back")
    assert 5 * 3600 <= ticket.sla_paused_seconds <= 5 * 3600 + 5
    paused = datetime.timedelta(seconds=ticket.sla_paused_seconds)
    assert ticket.response_due_at == ticket.created_at + 24 * HOUR + paused
    assert ticket.dispatch_due_at == ticket.created_at + 48 * HOUR + paused
    reasons = list(SlaClockEntry.objects.filter(ticket=ticket).values_list("reason", flat=True))
    assert reasons == ["intake", "resumed", "resumed"]


def test_a_pause_over_the_weekend_counts_only_working_time(agent, vip_policy):
    ticket = make_ticket(actor=agent, customer=CustomerFactory(tier="vip"))
    ticket.sla_paused_at = datetime.datetime(2026, 11, 21, 19, tzinfo=SHANGHAI)  # Saturday
    monday_nine = datetime.datetime(2026, 11, 23, 9, tzinfo=SHANGHAI)
    seconds = sla_paused_seconds_after_resume(ticket=ticket, policy=vip_policy, now=monday_nine)
    assert seconds == 2 * 3600  # Saturday 19–20 and Monday 08–09; Sunday is not working time
