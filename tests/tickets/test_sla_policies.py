"""SLA policies and working calendars as data: matching, and the calendar's shape."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from tickets.calendar import add_working_time
from tickets.models import CalendarException, SlaPolicy, WorkingCalendar
from tickets.selectors import sla_policy_for

pytestmark = pytest.mark.django_db


def _policy(name, calendar, **criteria):
    return SlaPolicy.objects.create(
        name=name, calendar=calendar, response_hours=8, dispatch_hours=24, **criteria
    )


def test_the_migration_ships_a_24x7_default_and_a_4_hour_complaint_policy():
    default = sla_policy_for(priority="p3", category="repair", customer_tier="standard")
    assert (default.name, default.response_hours, default.dispatch_hours) == ("Standard", 24, 48)
    assert default.calendar.code == "24x7"
    complaint = sla_policy_for(priority="p3", category="complaint", customer_tier="standard")
    assert (complaint.name, complaint.response_hours) == ("Complaint", 4)


def test_the_most_specific_matching_policy_wins(office):
    vip = _policy("VIP", office, customer_tier="vip")
    vip_p1 = _policy("VIP P1", office, customer_tier="vip", priority="p1")
    _policy("P1 installs", office, priority="p1", category="installation")
    assert sla_policy_for(priority="p1", category="repair", customer_tier="vip") == vip_p1
    assert sla_policy_for(priority="p2", category="repair", customer_tier="vip") == vip
    assert sla_policy_for(priority="p1", category="repair", customer_tier="standard").is_default


def test_equally_specific_policies_resolve_to_the_oldest_and_inactive_ones_never_match(office):
    first = _policy("First", office, priority="p2")
    _policy("Second", office, category="repair")
    assert sla_policy_for(priority="p2", category="repair", customer_tier="standard") == first
    first.active = False
    first.save()
    assert sla_policy_for(priority="p2", category="repair", customer_tier="standard").name == (
        "Second"
    )


def test_only_one_default_policy_may_exist(office):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        _policy("Another default", office, is_default=True)


def test_calendar_spec_reflects_hours_and_exceptions(office):
    CalendarException.objects.create(
        calendar=office, date=datetime.date(2026, 10, 1), name="National Day", windows=[]
    )
    CalendarException.objects.create(
        calendar=office, date=datetime.date(2026, 9, 27), name="调休", windows=[[480, 1200]]
    )
    spec = office.spec()
    assert spec.windows_on(datetime.date(2026, 9, 28)) == ((480, 1200),)  # a Monday
    assert spec.windows_on(datetime.date(2026, 9, 27)) == ((480, 1200),)  # a Sunday, adjusted
    assert spec.windows_on(datetime.date(2026, 10, 1)) == ()  # a Thursday, holiday
    assert spec.windows_on(datetime.date(2026, 10, 4)) == ()  # a plain Sunday
    # 24 working hours from Wednesday 30 Sep 18:00: 2 h that evening, the holiday skipped,
    # 12 h on Friday 2 Oct, the last 10 h on Saturday 3 Oct (a working day): 18:00.
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    start = datetime.datetime(2026, 9, 30, 18, tzinfo=shanghai)
    due = add_working_time(start, datetime.timedelta(hours=24), spec)
    assert due.astimezone(shanghai) == datetime.datetime(2026, 10, 3, 18, tzinfo=shanghai)


def test_calendar_exception_with_bad_windows_is_refused(office):
    exception = CalendarException(
        calendar=office, date=datetime.date(2026, 5, 1), windows=[[600, 500]]
    )
    with pytest.raises(ValidationError):
        exception.full_clean()
    with pytest.raises(ValidationError):
        WorkingCalendar(code="mars", name="Mars", time_zone="Mars/Olympus").full_clean()
