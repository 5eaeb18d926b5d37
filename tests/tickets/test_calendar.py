"""Working-calendar arithmetic (tickets.calendar): worked examples and properties.

Pure functions: no database is touched, so nothing here is marked django_db.
Expected instants are written in the calendar's local time (``at(...)``) and compared
as instants; aware datetimes compare by the instant they denote, whatever their zone.
Where DST is involved the UTC value is spelled out and computed by hand in a comment.
"""

import datetime
import zoneinfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tickets.calendar import (
    ALWAYS_OPEN,
    CalendarSpec,
    add_working_time,
    iter_working_intervals,
    parse_windows,
    working_time_between,
)

UTC = datetime.UTC
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)
ZERO = datetime.timedelta(0)


def hm(text):
    """'08:30' -> 510 minutes since midnight."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def at(spec, year, month, day, hour=0, minute=0, fold=0):
    """An aware datetime in the calendar's own zone."""
    tz = zoneinfo.ZoneInfo(spec.time_zone)
    return datetime.datetime(year, month, day, hour, minute, tzinfo=tz, fold=fold)


def utc(year, month, day, hour=0, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


OFF = ()
SPLIT = ((hm("08:00"), hm("12:00")), (hm("13:00"), hm("18:00")))  # 9 h with a lunch break

# Mon–Fri 08:00–12:00 + 13:00–18:00 in a zone without DST (UTC+8).
OFFICE = CalendarSpec(time_zone="Asia/Shanghai", weekly=(SPLIT,) * 5 + (OFF, OFF))


def office(**exceptions_by_iso):
    exceptions = {datetime.date.fromisoformat(k): v for k, v in exceptions_by_iso.items()}
    return CalendarSpec(time_zone=OFFICE.time_zone, weekly=OFFICE.weekly, exceptions=exceptions)


# 2026-03-02 is a Monday.
MON = (2026, 3, 2)
TUE = (2026, 3, 3)
WED = (2026, 3, 4)
FRI = (2026, 3, 6)
SAT = (2026, 3, 7)
NEXT_MON = (2026, 3, 9)


# --- worked examples ------------------------------------------------------------------


class TestAddWorkingTime:
    def test_inside_a_window(self):
        assert add_working_time(at(OFFICE, *MON, 9), 2 * H, OFFICE) == at(OFFICE, *MON, 11)

    def test_result_is_utc(self):
        result = add_working_time(at(OFFICE, *MON, 9), 2 * H, OFFICE)
        assert result.tzinfo is UTC
        assert result == utc(*MON, 3)  # 11:00 at UTC+8

    def test_across_the_lunch_break(self):
        # 11:00–12:00 is one hour, the second starts after lunch at 13:00.
        assert add_working_time(at(OFFICE, *MON, 11), 2 * H, OFFICE) == at(OFFICE, *MON, 14)

    def test_across_the_night(self):
        assert add_working_time(at(OFFICE, *MON, 17), 2 * H, OFFICE) == at(OFFICE, *TUE, 9)

    def test_across_the_weekend(self):
        assert add_working_time(at(OFFICE, *FRI, 17), 2 * H, OFFICE) == at(OFFICE, *NEXT_MON, 9)

    def test_start_outside_working_time_counts_from_the_next_opening(self):
        assert add_working_time(at(OFFICE, *SAT, 10), H, OFFICE) == at(OFFICE, *NEXT_MON, 9)
        assert add_working_time(at(OFFICE, *MON, 22), H, OFFICE) == at(OFFICE, *TUE, 9)
        assert add_working_time(at(OFFICE, *MON, 12, 30), H, OFFICE) == at(OFFICE, *MON, 14)

    def test_start_exactly_at_an_opening(self):
        assert add_working_time(at(OFFICE, *MON, 8), H, OFFICE) == at(OFFICE, *MON, 9)

    def test_amount_exactly_filling_a_window_ends_at_its_close_not_the_next_opening(self):
        assert add_working_time(at(OFFICE, *MON, 8), 4 * H, OFFICE) == at(OFFICE, *MON, 12)
        assert add_working_time(at(OFFICE, *MON, 8), 9 * H, OFFICE) == at(OFFICE, *MON, 18)
        assert add_working_time(at(OFFICE, *MON, 8), 9 * H + M, OFFICE) == at(OFFICE, *TUE, 8, 1)

    def test_start_exactly_at_a_close(self):
        # A window's end is not working time: counting resumes at the next opening.
        assert add_working_time(at(OFFICE, *MON, 12), H, OFFICE) == at(OFFICE, *MON, 14)
        assert add_working_time(at(OFFICE, *MON, 18), H, OFFICE) == at(OFFICE, *TUE, 9)

    def test_amount_zero_inside_a_window_is_the_start_itself(self):
        start = at(OFFICE, *MON, 9, 17)
        assert add_working_time(start, ZERO, OFFICE) == start

    def test_amount_zero_outside_is_the_next_opening(self):
        assert add_working_time(at(OFFICE, *MON, 12), ZERO, OFFICE) == at(OFFICE, *MON, 13)
        assert add_working_time(at(OFFICE, *FRI, 18), ZERO, OFFICE) == at(OFFICE, *NEXT_MON, 8)

    def test_sub_minute_precision_is_kept(self):
        start = at(OFFICE, *MON, 9) + datetime.timedelta(seconds=7, microseconds=5)
        result = add_working_time(start, datetime.timedelta(seconds=30), OFFICE)
        assert result == start + datetime.timedelta(seconds=30)

    def test_a_holiday_is_skipped(self):
        spec = office(**{"2026-03-03": OFF})  # Tuesday off
        assert add_working_time(at(spec, *MON, 17), 2 * H, spec) == at(spec, *WED, 9)

    def test_an_adjusted_working_saturday(self):
        spec = office(**{"2026-03-07": ((hm("09:00"), hm("12:00")),)})  # 调休 Saturday
        assert add_working_time(at(spec, *FRI, 17), 2 * H, spec) == at(spec, *SAT, 10)
        # More than the Saturday holds spills over to Monday.
        assert add_working_time(at(spec, *FRI, 17), 5 * H, spec) == at(spec, *NEXT_MON, 9)

    def test_an_exception_can_shorten_a_working_day(self):
        spec = office(**{"2026-03-02": ((hm("08:00"), hm("10:00")),)})  # half day
        assert add_working_time(at(spec, *MON, 9), 2 * H, spec) == at(spec, *TUE, 9)

    def test_year_end_with_new_year_holiday(self):
        # 2025-12-31 is a Wednesday, 2026-01-01 (Thursday) a holiday, 01-02 a Friday.
        spec = office(**{"2026-01-01": OFF})
        start = at(spec, 2025, 12, 31, 17)
        assert add_working_time(start, 2 * H, spec) == at(spec, 2026, 1, 2, 9)
        assert working_time_between(start, at(spec, 2026, 1, 2, 9), spec) == 2 * H

    def test_always_open(self):
        # Python adds timedeltas to aware datetimes in wall time, so do arithmetic in UTC.
        start = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
        start = start.astimezone(UTC)
        assert ALWAYS_OPEN.time_zone == "UTC"
        assert add_working_time(start, 48 * H, ALWAYS_OPEN) == start + 48 * H
        assert add_working_time(start, ZERO, ALWAYS_OPEN) == start
        assert working_time_between(start, start + 100 * H, ALWAYS_OPEN) == 100 * H

    def test_a_night_shift_joins_across_midnight(self):
        night = ((hm("22:00"), 1440),)
        morning = ((0, hm("06:00")),)
        # Mon 22:00–24:00 then Tue 00:00–06:00 is one 8-hour shift.
        spec = CalendarSpec(
            time_zone="Asia/Shanghai", weekly=(night, morning, OFF, OFF, OFF, OFF, OFF)
        )
        assert add_working_time(at(spec, *MON, 23), 2 * H, spec) == at(spec, *TUE, 1)
        assert add_working_time(at(spec, *MON, 22), 8 * H, spec) == at(spec, *TUE, 6)
        assert add_working_time(at(spec, *TUE, 0), ZERO, spec) == at(spec, *TUE, 0)
        assert working_time_between(at(spec, *MON, 20), at(spec, *TUE, 12), spec) == 8 * H
        # The 24:00 end is the next midnight, and the week after comes round again.
        assert add_working_time(at(spec, *MON, 22), 9 * H, spec) == at(spec, *NEXT_MON, 23)

    def test_48_hours_on_a_12_hour_calendar(self):
        spec = CalendarSpec.build("Asia/Shanghai", ["08:00-20:00"] * 6 + [""])
        # Mon 08:00: 12 h Mon, Tue, Wed, Thu.
        assert add_working_time(at(spec, *MON, 8), 48 * H, spec) == at(spec, 2026, 3, 5, 20)

    def test_only_holidays_raises_instead_of_looping(self):
        mondays = {
            datetime.date(2026, 3, 2) + datetime.timedelta(weeks=n): OFF for n in range(5 * 53)
        }
        spec = CalendarSpec.build("UTC", ["09:00-10:00"] + [""] * 6, mondays)
        with pytest.raises(ValueError, match="no working time within 3 years"):
            add_working_time(utc(*MON), H, spec)
        # Measuring such a stretch is simply zero.
        assert working_time_between(utc(*MON), utc(2029, 1, 1), spec) == ZERO

    def test_a_long_holiday_stretch_below_the_guard_is_fine(self):
        mondays = {
            datetime.date(2026, 3, 2) + datetime.timedelta(weeks=n): OFF for n in range(2 * 52)
        }
        spec = CalendarSpec.build("UTC", ["09:00-10:00"] + [""] * 6, mondays)
        assert add_working_time(utc(*MON), H, spec) == utc(2028, 2, 28, 10)


class TestWorkingTimeBetween:
    def test_examples(self):
        assert working_time_between(at(OFFICE, *MON, 9), at(OFFICE, *MON, 11), OFFICE) == 2 * H
        # Mon 07:00 -> Tue 10:00: 9 h Monday, 2 h Tuesday.
        assert working_time_between(at(OFFICE, *MON, 7), at(OFFICE, *TUE, 10), OFFICE) == 11 * H
        assert working_time_between(at(OFFICE, *MON), at(OFFICE, *NEXT_MON), OFFICE) == 45 * H
        assert working_time_between(at(OFFICE, *SAT), at(OFFICE, *NEXT_MON), OFFICE) == ZERO
        assert (
            working_time_between(at(OFFICE, *MON, 11, 30), at(OFFICE, *MON, 13, 15), OFFICE)
            == 45 * M
        )

    def test_empty_or_reversed_range_is_zero(self):
        assert working_time_between(at(OFFICE, *MON, 9), at(OFFICE, *MON, 9), OFFICE) == ZERO
        assert working_time_between(at(OFFICE, *MON, 11), at(OFFICE, *MON, 9), OFFICE) == ZERO

    def test_mixed_zones_in_the_arguments(self):
        start = at(OFFICE, *MON, 9)
        end = start.astimezone(zoneinfo.ZoneInfo("America/New_York")) + H
        assert working_time_between(start, end, OFFICE) == H


# --- DST ------------------------------------------------------------------------------


class TestDaylightSavingTime:
    """Boundaries are the first instant the local clock reads that time; we count the
    real time inside a window, so DST shortens or lengthens it."""

    BERLIN = CalendarSpec.build("Europe/Berlin", ["01:00-04:00"] * 7)

    def test_spring_forward_window_is_two_real_hours(self):
        # 2026-03-29: at 02:00 CET (+01) clocks jump to 03:00 CEST (+02).
        # 01:00 CET = 00:00 UTC; 04:00 CEST = 02:00 UTC: the window is 2 real hours.
        spec = self.BERLIN
        day_start, day_end = at(spec, 2026, 3, 29), at(spec, 2026, 3, 30)
        assert working_time_between(day_start, day_end, spec) == 2 * H
        assert add_working_time(at(spec, 2026, 3, 29, 1), 2 * H, spec) == utc(2026, 3, 29, 2)
        # 01:30 CET = 00:30 UTC; one hour later is 01:30 UTC = 03:30 CEST.
        assert add_working_time(at(spec, 2026, 3, 29, 1, 30), H, spec) == utc(2026, 3, 29, 1, 30)
        # 2 h 30 min: 2 h today, then 30 min from 01:00 CEST on the 30th = 23:30 UTC the 29th.
        assert add_working_time(at(spec, 2026, 3, 29, 1), 150 * M, spec) == utc(2026, 3, 29, 23, 30)
        # The day before is an ordinary 3 hours (01:00 CET = 00:00 UTC .. 03:00 UTC).
        assert add_working_time(at(spec, 2026, 3, 28, 1), 3 * H, spec) == utc(2026, 3, 28, 3)

    def test_fall_back_window_is_four_real_hours(self):
        # 2026-10-25: at 03:00 CEST (+02) clocks go back to 02:00 CET (+01), so 02:00–03:00
        # happens twice. 01:00 CEST = 23:00 UTC on the 24th; 04:00 CET = 03:00 UTC.
        spec = self.BERLIN
        day_start, day_end = at(spec, 2026, 10, 25), at(spec, 2026, 10, 26)
        assert working_time_between(day_start, day_end, spec) == 4 * H
        assert add_working_time(at(spec, 2026, 10, 25, 1), 4 * H, spec) == utc(2026, 10, 25, 3)
        # Starting at the second 02:30 (CET, fold=1) = 01:30 UTC leaves 1.5 h of the window.
        second = at(spec, 2026, 10, 25, 2, 30, fold=1)
        # (PEP 495: a fold=1 time never compares equal across zones; compare in UTC.)
        assert second.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
        assert add_working_time(second, H, spec) == utc(2026, 10, 25, 2, 30)
        assert working_time_between(second, day_end, spec) == 90 * M

    def test_window_boundaries_inside_the_gap_map_forward_to_the_transition(self):
        # 02:30 and 02:45 do not exist on 2026-03-29; they map to the jump (01:00 UTC).
        # 03:15 CEST = 01:15 UTC: the window 02:30–03:15 is 15 real minutes, not negative.
        spec = CalendarSpec.build("Europe/Berlin", ["02:30-03:15"] * 7)
        intervals = iter_working_intervals(at(spec, 2026, 3, 29), spec)  # unbounded
        assert next(intervals) == (utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 15))
        assert next(intervals) == (utc(2026, 3, 30, 0, 30), utc(2026, 3, 30, 1, 15))
        assert working_time_between(at(spec, 2026, 3, 29), at(spec, 2026, 3, 30), spec) == 15 * M

    def test_a_window_wholly_inside_the_gap_is_empty_that_day(self):
        spec = CalendarSpec.build("Europe/Berlin", ["02:15-02:45"] * 7)
        # Nothing on the 29th; the 30th's 02:15 CEST is 00:15 UTC, +10 min = 00:25 UTC.
        assert add_working_time(at(spec, 2026, 3, 29), 10 * M, spec) == utc(2026, 3, 30, 0, 25)

    def test_new_york_office_across_spring_forward(self):
        # DST starts Sunday 2026-03-08 (EST -05 -> EDT -04). Fri 2026-03-06 16:00 EST is
        # 21:00 UTC; one hour Friday, then Mon 09:00 EDT (13:00 UTC) + 1 h = 14:00 UTC.
        # (A fixed -05 offset would wrongly give 15:00 UTC.)
        spec = CalendarSpec.build("America/New_York", ["09:00-17:00"] * 5 + ["", ""])
        assert add_working_time(at(spec, 2026, 3, 6, 16), 2 * H, spec) == utc(2026, 3, 9, 14)

    def test_new_york_whole_days_across_both_transitions(self):
        spec = CalendarSpec.build("America/New_York", ["00:00-24:00"] * 7)
        # Mar 8 is a 23-hour day: 00:00 EST = 05:00 UTC, + 24 h = Mar 9 05:00 UTC (01:00 EDT).
        assert add_working_time(at(spec, 2026, 3, 8), 24 * H, spec) == utc(2026, 3, 9, 5)
        assert working_time_between(at(spec, 2026, 3, 8), at(spec, 2026, 3, 9), spec) == 23 * H
        # Nov 1 is a 25-hour day (EDT -> EST at 02:00 EDT).
        assert working_time_between(at(spec, 2026, 11, 1), at(spec, 2026, 11, 2), spec) == 25 * H

    def test_new_york_night_shift_across_spring_forward(self):
        # Sat 22:00–24:00 + Sun 00:00–06:00 on 2026-03-07/08: Sat 22:00 EST = 03:00 UTC,
        # Sun 06:00 EDT = 10:00 UTC: 7 real hours, joined seamlessly at midnight.
        spec = CalendarSpec.build(
            "America/New_York", ["", "", "", "", "", "22:00-24:00", "00:00-06:00"]
        )
        start = at(spec, 2026, 3, 7, 22)
        assert start == utc(2026, 3, 8, 3)
        assert working_time_between(start, at(spec, 2026, 3, 8, 12), spec) == 7 * H
        assert add_working_time(start, 7 * H, spec) == utc(2026, 3, 8, 10)
        assert add_working_time(start, 2 * H, spec) == utc(2026, 3, 8, 5)  # 01:00 EST Sun

    def test_a_zone_skipping_midnight(self):
        # America/Santiago springs forward at 24:00 -> 01:00 (2026-09-06): local midnight
        # does not exist; it maps to the jump, 04:00 UTC. Sat 22:00–24:00 (-04) is
        # 02:00–04:00 UTC; Sun 00:00–02:00 is 04:00–05:00 UTC (01:00 -03 = 04:00 UTC).
        spec = CalendarSpec.build(
            "America/Santiago", ["", "", "", "", "", "22:00-24:00", "00:00-02:00"]
        )
        start = at(spec, 2026, 9, 5, 22)
        assert start == utc(2026, 9, 6, 2)
        assert add_working_time(start, 2 * H, spec) == utc(2026, 9, 6, 4)
        assert add_working_time(start, 3 * H, spec) == utc(2026, 9, 6, 5)
        assert working_time_between(start, utc(2026, 9, 7), spec) == 3 * H


# --- a realistic Chinese calendar ------------------------------------------------------


def national_day_2026():
    """Mon–Sat 08:00–20:00 (Asia/Shanghai); Oct 1–7 off; adjusted working Sunday Oct 11.

    Test data shaped like a State Council notice, not the official 2026 list.
    """
    exceptions = {datetime.date(2026, 10, day): "" for day in range(1, 8)}
    exceptions[datetime.date(2026, 10, 11)] = "08:00-20:00"  # 调休: a working Sunday
    return CalendarSpec.build("Asia/Shanghai", ["08:00-20:00"] * 6 + [""], exceptions)


class TestNationalDay:
    def test_24_hour_response_target(self):
        spec = national_day_2026()
        received = at(spec, 2026, 9, 30, 18)  # Wednesday evening before the holiday
        # Sep 30 18–20 (2 h), Oct 1–7 off, Thu Oct 8 08–20 (12 h, 14 h), Fri Oct 9 08–18 (10 h).
        due = add_working_time(received, 24 * H, spec)
        assert due == at(spec, 2026, 10, 9, 18)
        assert due == utc(2026, 10, 9, 10)
        assert working_time_between(received, due, spec) == 24 * H

    def test_48_hour_dispatch_target_uses_the_adjusted_sunday(self):
        spec = national_day_2026()
        received = at(spec, 2026, 9, 30, 18)
        # 2 + 12 (Oct 8) + 12 (Oct 9) + 12 (Sat Oct 10) = 38 h; Sun Oct 11 08:00 + 10 h.
        assert add_working_time(received, 48 * H, spec) == at(spec, 2026, 10, 11, 18)
        # Without the 调休 Sunday the same target lands on Monday.
        plain = CalendarSpec(
            spec.time_zone,
            spec.weekly,
            {d: w for d, w in spec.exceptions.items() if d.day != 11},
        )
        assert add_working_time(received, 48 * H, plain) == at(spec, 2026, 10, 12, 18)

    def test_a_request_during_the_holiday_counts_from_the_first_working_day(self):
        spec = national_day_2026()
        assert add_working_time(at(spec, 2026, 10, 3, 10), ZERO, spec) == at(spec, 2026, 10, 8, 8)


# --- construction and validation -------------------------------------------------------


class TestSpec:
    def test_build_from_text(self):
        spec = CalendarSpec.build(
            "Asia/Shanghai",
            ["08:00-12:00, 13:00-18:00"] * 5 + ["", ""],
            {datetime.date(2026, 3, 7): "09:00-12:00"},
        )
        assert spec == OFFICE_WITH_SATURDAY
        assert spec.windows_on(datetime.date(2026, 3, 2)) == SPLIT
        assert spec.windows_on(datetime.date(2026, 3, 7)) == ((540, 720),)
        assert spec.windows_on(datetime.date(2026, 3, 8)) == ()

    def test_parse_windows(self):
        assert parse_windows("22:00-24:00") == ((1320, 1440),)
        assert parse_windows("  ") == ()
        with pytest.raises(ValueError, match="cannot parse"):
            parse_windows("8-12")
        with pytest.raises(ValueError, match="minutes must be < 60"):
            parse_windows("08:60-12:00")

    def test_immutable_and_hashable(self):
        source = {datetime.date(2026, 3, 3): ()}
        spec = office(**{"2026-03-03": ()})
        spec2 = CalendarSpec(OFFICE.time_zone, OFFICE.weekly, source)
        source[datetime.date(2026, 3, 4)] = ()  # mutating the input does not leak in
        assert spec == spec2
        assert hash(spec) == hash(spec2)
        with pytest.raises(TypeError):
            spec.exceptions[datetime.date(2026, 3, 5)] = ()

    @pytest.mark.parametrize(
        "windows, message",
        [
            (((600, 720), (700, 800)), "non-overlapping"),
            (((700, 800), (600, 650)), "non-overlapping"),
            (((600, 600),), "0 <= start < end"),
            (((720, 600),), "0 <= start < end"),
            (((-1, 600),), "0 <= start < end"),
            (((600, 1441),), "0 <= start < end"),
            (((600.0, 700),), "int minutes"),
            (((True, 700),), "int minutes"),
            (((600, 700, 800),), "pair"),
        ],
    )
    def test_bad_windows(self, windows, message):
        with pytest.raises(ValueError, match=message):
            CalendarSpec("UTC", (windows,) + ((),) * 6)
        with pytest.raises(ValueError, match=message):
            CalendarSpec("UTC", ALWAYS_OPEN.weekly, {datetime.date(2026, 1, 1): windows})

    def test_touching_windows_are_allowed(self):
        spec = CalendarSpec("UTC", (((600, 720), (720, 800)),) * 7)
        assert add_working_time(utc(*MON, 10), 3 * H, spec) == utc(*MON, 13)

    def test_unknown_time_zone(self):
        for name in ("Mars/Olympus_Mons", "", "../etc/passwd"):
            with pytest.raises(ValueError, match="unknown time zone"):
                CalendarSpec(name, ALWAYS_OPEN.weekly)

    def test_weekly_needs_seven_days_and_some_working_time(self):
        with pytest.raises(ValueError, match="7 entries"):
            CalendarSpec("UTC", ALWAYS_OPEN.weekly[:5])
        with pytest.raises(ValueError, match="no working time"):
            CalendarSpec("UTC", ((),) * 7, {datetime.date(2026, 3, 7): ((0, 60),)})

    def test_exception_keys_must_be_dates(self):
        with pytest.raises(ValueError, match="must be dates"):
            CalendarSpec("UTC", ALWAYS_OPEN.weekly, {datetime.datetime(2026, 1, 1): ()})
        with pytest.raises(ValueError, match="must be dates"):
            CalendarSpec("UTC", ALWAYS_OPEN.weekly, {"2026-01-01": ()})

    def test_naive_datetimes_are_refused(self):
        naive = datetime.datetime(2026, 3, 2, 9)
        with pytest.raises(ValueError, match="aware"):
            add_working_time(naive, H, OFFICE)
        with pytest.raises(ValueError, match="aware"):
            working_time_between(naive, utc(*TUE), OFFICE)
        with pytest.raises(ValueError, match="aware"):
            working_time_between(utc(*MON), naive, OFFICE)

    def test_negative_amount_is_refused(self):
        with pytest.raises(ValueError, match="negative"):
            add_working_time(utc(*MON), -M, OFFICE)


OFFICE_WITH_SATURDAY = CalendarSpec(
    time_zone="Asia/Shanghai",
    weekly=(SPLIT,) * 5 + (OFF, OFF),
    exceptions={datetime.date(2026, 3, 7): ((540, 720),)},
)


# --- properties ------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",  # transitions at midnight
    "Australia/Lord_Howe",  # 30-minute DST
]
FIXED_OFFSET_ZONES = ["UTC", "Asia/Shanghai", "Asia/Kolkata"]

# Days around DST transitions of the zones above, so hypothesis starts near them often.
TRANSITION_DATES = [
    datetime.date(2026, 3, 8),
    datetime.date(2026, 3, 29),
    datetime.date(2026, 4, 5),
    datetime.date(2026, 9, 6),
    datetime.date(2026, 10, 4),
    datetime.date(2026, 10, 25),
    datetime.date(2026, 11, 1),
]


def pairs(edges):
    """Sorted distinct edges -> consecutive windows; an odd last edge is dropped."""
    edges = sorted(edges)
    return tuple(zip(edges[::2], edges[1::2], strict=False))


# 0–3 windows a day (0 or 1 edge = a day off), edges on a 5-minute grid: cheap to
# generate, and the grid still hits the 00:00/02:00/02:30/03:00 DST transition times
# and both ends of the day (0 and 1440), where night shifts join.
DAY_WINDOWS = st.lists(st.integers(0, 288).map(lambda n: n * 5), max_size=6, unique=True).map(pairs)


def weekly_minutes(weekly):
    return sum(end - start for day in weekly for start, end in day)


@st.composite
def scenarios(draw, zones=ZONES):
    """A random calendar and an aware start (whole seconds) near it."""
    zone = draw(st.sampled_from(zones))
    weekly = draw(st.tuples(*[DAY_WINDOWS] * 7))
    assume(weekly_minutes(weekly) >= 60)  # keep 200 h within a few years of days
    anchor = draw(
        st.one_of(
            st.sampled_from(TRANSITION_DATES),
            st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)),
        )
    )
    offsets = st.integers(-3, 40)
    exceptions = draw(
        st.dictionaries(
            st.builds(lambda d: anchor + datetime.timedelta(days=d), offsets),
            DAY_WINDOWS,
            max_size=12,
        )
    )
    spec = CalendarSpec(zone, weekly, exceptions)
    start = datetime.datetime.combine(anchor, datetime.time(), tzinfo=UTC) + datetime.timedelta(
        seconds=draw(st.integers(-2 * 86400, 3 * 86400))
    )
    # Returned in UTC: Python adds timedeltas to aware datetimes in *wall* time and
    # subtracts same-zone datetimes naively, which would blur the properties across DST.
    return spec, start


def amounts(spec, max_hours=200):
    """Whole minutes, at most ~200 h but no more than ~20 weeks of this calendar."""
    cap = min(max_hours * 60, 20 * weekly_minutes(spec.weekly))
    return st.integers(0, cap).map(lambda m: datetime.timedelta(minutes=m))


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@PROPERTY_SETTINGS
@given(data=st.data(), scenario=scenarios())
def test_adding_round_trips_and_lands_inside_a_window(data, scenario):
    # One test for properties (1) and (4): sharing the drawn scenario halves the cost.
    spec, start = scenario
    amount = data.draw(amounts(spec))
    end = add_working_time(start, amount, spec)
    assert end.tzinfo is UTC
    assert end >= start
    # (1) Measuring what was added gives it back exactly.
    assert working_time_between(start, end, spec) == amount
    # (4) The result is inside a window or at its end. Starts and amounts are whole
    # seconds (and so are DST transitions), so the last second before it was worked.
    second = datetime.timedelta(seconds=1)
    if amount > ZERO:
        assert working_time_between(end - second, end, spec) == second
    else:
        # Amount zero: the next working instant, with nothing worked on the way.
        assert working_time_between(end, end + second, spec) == second
    # Only the instant matters, not the zone the start is expressed in.
    elsewhere = start.astimezone(zoneinfo.ZoneInfo(data.draw(st.sampled_from(ZONES))))
    assert add_working_time(elsewhere, amount, spec) == end


@PROPERTY_SETTINGS
@given(data=st.data(), scenario=scenarios())
def test_adding_is_monotonic_in_the_amount(data, scenario):
    spec, start = scenario
    first, second = sorted([data.draw(amounts(spec)), data.draw(amounts(spec))])
    at_first = add_working_time(start, first, spec)
    at_second = add_working_time(start, second, spec)
    assert at_first <= at_second
    if first < second:
        # Strictly: a positive amount of working time takes a positive amount of time.
        assert at_first < at_second
        # And adding in two steps is adding the sum (what a pause/resume relies on).
        assert add_working_time(at_first, second - first, spec) == at_second


@PROPERTY_SETTINGS
@given(
    scenario=scenarios(),
    gaps=st.lists(st.integers(0, 6 * 86400), min_size=2, max_size=2),
)
def test_measuring_is_additive(scenario, gaps):
    spec, a = scenario
    b = a + datetime.timedelta(seconds=gaps[0])
    c = b + datetime.timedelta(seconds=gaps[1])
    ab = working_time_between(a, b, spec)
    bc = working_time_between(b, c, spec)
    assert ab + bc == working_time_between(a, c, spec)
    assert ZERO <= ab <= b - a


def brute_force_working_time(spec, start, end):
    """An independent oracle for zones with a fixed UTC offset: plain local arithmetic."""
    # The offsets of these zones have been constant since well before 2025.
    tz = datetime.timezone(zoneinfo.ZoneInfo(spec.time_zone).utcoffset(start.replace(tzinfo=None)))
    local_start = start.astimezone(tz).replace(tzinfo=None)
    local_end = end.astimezone(tz).replace(tzinfo=None)
    total = ZERO
    day = local_start.date()
    while day <= local_end.date():
        midnight = datetime.datetime.combine(day, datetime.time())
        for s, e in spec.windows_on(day):
            lo = max(midnight + s * M, local_start)
            hi = min(midnight + e * M, local_end)
            total += max(hi - lo, ZERO)
        day += datetime.timedelta(days=1)
    return total


@PROPERTY_SETTINGS
@given(data=st.data(), scenario=scenarios(zones=FIXED_OFFSET_ZONES))
def test_agrees_with_plain_local_arithmetic_without_dst(data, scenario):
    spec, start = scenario
    amount = data.draw(amounts(spec))
    end = add_working_time(start, amount, spec)
    assert brute_force_working_time(spec, start, end) == amount
    later = start + datetime.timedelta(seconds=data.draw(st.integers(0, 10 * 86400)))
    assert working_time_between(start, later, spec) == brute_force_working_time(spec, start, later)
