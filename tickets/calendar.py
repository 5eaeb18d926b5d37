"""Working-calendar time arithmetic: pure functions, no database.

A working calendar is a time zone, seven weekly schedules (Monday=0 .. Sunday=6) of
working windows, and per-date exceptions that replace a weekday's windows (an empty
tuple is a public holiday; windows on a weekend date are an adjusted working day,
China's 调休). Two functions answer the SLA engine's questions:

* :func:`add_working_time` — when has ``amount`` of working time elapsed from ``start``?
* :func:`working_time_between` — how much working time lies in ``[start, end)``?

Everything is computed in the calendar's local wall time (``zoneinfo``) and returned in
UTC. The algorithms walk the calendar day by day and consume whole windows at a time,
so their cost is O(days spanned), never O(minutes).

Local boundaries and DST
------------------------
A window is the contiguous span of *real* time from its opening boundary to its closing
boundary on that date. A local boundary ``D hh:mm`` happens at **the first instant at
which the local clock reads ``D hh:mm`` or later**:

* an ordinary local time maps to its unique instant;
* an ambiguous local time (fall-back: the clock shows it twice) maps to its first
  occurrence — zoneinfo's ``fold=0``;
* a nonexistent local time (spring-forward gap, e.g. 02:30 in Berlin on 2026-03-29)
  maps forward to the transition instant, when the clock jumps past it. This is
  deliberately *not* zoneinfo's ``fold=0`` for gaps (which shifts the time forward by
  the gap length): that mapping is not monotonic, so a window 02:30–03:15 would end
  before it started. Ours is monotonic, so no window ever has ``end < start`` in UTC.

Consequences: we count the real elapsed time inside a window, so a window spanning the
spring-forward gap is shorter than its nominal length (01:00–04:00 in Berlin on
2026-03-29 is 2 real hours) and one spanning the fall-back repetition is longer (4 real
hours on 2026-10-25). A window wholly inside a gap is empty that day. Because the
mapping is monotonic and a window ending at 24:00 ends at the next local midnight,
back-to-back windows (Mon 22:00–24:00 then Tue 00:00–06:00, a night shift) join
seamlessly, even when midnight itself is skipped or repeated by a DST rule.
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

Window = tuple[int, int]
"""Minutes since local midnight: ``0 <= start < end <= 1440`` (1440 is 24:00)."""

MINUTES_PER_DAY = 1440

# If the calendar yields no working time at all for this long, it has none to give
# (say, every date is a holiday exception): fail rather than walk days forever.
_MAX_IDLE = datetime.timedelta(days=3 * 366)

_UTC = datetime.UTC
_ZERO = datetime.timedelta(0)
_ONE_SECOND = datetime.timedelta(seconds=1)


def _validate_windows(windows: Iterable[Window], where: str) -> tuple[Window, ...]:
    """Normalise ``windows`` to a tuple of ``(int, int)`` pairs or raise ValueError.

    Windows must lie in ``[0, 1440]``, be non-empty, sorted and non-overlapping.
    Touching windows (12:00–13:00 then 13:00–14:00) are allowed: they simply join.
    """
    result: list[Window] = []
    for window in windows:
        try:
            start, end = window
        except (TypeError, ValueError):
            raise ValueError(
                f"{where}: a window must be a (start, end) pair, got {window!r}"
            ) from None
        for value in (start, end):
            # bool is an int subclass; True/False as minutes is surely a mistake.
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{where}: window bounds must be int minutes, got {window!r}")
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(
                f"{where}: window {window!r} must satisfy 0 <= start < end <= {MINUTES_PER_DAY}"
            )
        if result and start < result[-1][1]:
            raise ValueError(f"{where}: windows must be sorted and non-overlapping: {window!r}")
        result.append((start, end))
    return tuple(result)


_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def parse_windows(text: str) -> tuple[Window, ...]:
    """Parse ``"08:00-12:00, 13:00-18:00"`` into windows; ``""`` means no working time.

    ``24:00`` is accepted as an end. Only the syntax is checked here; ranges and order
    are validated by :class:`CalendarSpec`.
    """
    windows = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _WINDOW_RE.match(part)
        if not match:
            raise ValueError(f"cannot parse window {part!r}; expected HH:MM-HH:MM")
        h1, m1, h2, m2 = map(int, match.groups())
        if m1 >= 60 or m2 >= 60:
            raise ValueError(f"cannot parse window {part!r}: minutes must be < 60")
        windows.append((h1 * 60 + m1, h2 * 60 + m2))
    return tuple(windows)


@dataclass(frozen=True)
class CalendarSpec:
    """An immutable working calendar; validated on construction (ValueError).

    ``weekly`` has 7 entries, Monday=0 .. Sunday=6, each a sorted tuple of
    non-overlapping windows; at least one weekday must have working time. An entry in
    ``exceptions`` replaces that date's weekday windows (``()`` = a day off).
    """

    time_zone: str
    weekly: tuple[tuple[Window, ...], ...]
    # Not hashed (a mapping is unhashable); equality still compares it.
    exceptions: Mapping[datetime.date, tuple[Window, ...]] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"unknown time zone {self.time_zone!r}") from None
        weekly = tuple(self.weekly)
        if len(weekly) != 7:
            raise ValueError(f"weekly must have 7 entries (Monday..Sunday), got {len(weekly)}")
        weekly = tuple(_validate_windows(day, f"weekday {i}") for i, day in enumerate(weekly))
        if not any(weekly):
            raise ValueError("the weekly schedule has no working time at all")
        exceptions = {}
        for day, windows in dict(self.exceptions).items():
            # datetime is a date subclass; a datetime key would never match a lookup.
            if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
                raise ValueError(f"exception keys must be dates, got {day!r}")
            exceptions[day] = _validate_windows(windows, f"exception {day.isoformat()}")
        # Frozen dataclass: normalise through object.__setattr__; the read-only proxy
        # keeps the spec immutable even if the caller mutates the dict they passed in.
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "exceptions", MappingProxyType(exceptions))

    @classmethod
    def build(
        cls,
        time_zone: str,
        weekly: Iterable[str | Iterable[Window]],
        exceptions: Mapping[datetime.date, str | Iterable[Window]] | None = None,
    ) -> CalendarSpec:
        """Build a validated spec; each day's windows may be given as pairs or as text
        (``"08:00-12:00,13:00-18:00"``, see :func:`parse_windows`). Raises ValueError."""

        def windows(value: str | Iterable[Window]) -> tuple[Window, ...]:
            return parse_windows(value) if isinstance(value, str) else tuple(value)

        return cls(
            time_zone=time_zone,
            weekly=tuple(windows(day) for day in weekly),
            exceptions={day: windows(w) for day, w in (exceptions or {}).items()},
        )

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)  # ZoneInfo caches instances per key

    @functools.cached_property
    def always_open(self) -> bool:
        """True when every day is one window 00:00–24:00 and no date is an exception."""
        return not self.exceptions and all(day == ((0, MINUTES_PER_DAY),) for day in self.weekly)

    def windows_on(self, day: datetime.date) -> tuple[Window, ...]:
        """The working windows of local date ``day`` (an exception wins over the weekday)."""
        windows = self.exceptions.get(day)
        return self.weekly[day.weekday()] if windows is None else windows


ALWAYS_OPEN = CalendarSpec(time_zone="UTC", weekly=(((0, MINUTES_PER_DAY),),) * 7)


def _local_boundary_to_utc(
    day: datetime.date, minute: int, tz: zoneinfo.ZoneInfo
) -> datetime.datetime:
    """The first instant at which the local clock reads ``day`` + ``minute`` or later."""
    naive = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(minutes=minute)
    utc = naive.replace(tzinfo=tz).astimezone(_UTC)  # fold=0: first occurrence if ambiguous
    if utc.astimezone(tz).replace(tzinfo=None) == naive:
        return utc
    # Nonexistent (in a spring-forward gap). fold=0 interpreted it with the offset from
    # before the gap, giving an instant at or after the transition; fold=1 uses the
    # offset from after it, giving an instant before. Bisect (in whole seconds: tz
    # offsets and transitions are whole seconds) for the first instant whose wall clock
    # reads ``naive`` or later — the transition itself.
    lo = naive.replace(tzinfo=tz, fold=1).astimezone(_UTC)  # wall clock < naive here
    hi = utc  # wall clock > naive here
    while hi - lo > _ONE_SECOND:
        mid = lo + (hi - lo) // 2
        mid -= datetime.timedelta(microseconds=mid.microsecond)
        if mid.astimezone(tz).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi


def _day_intervals(
    day: datetime.date, spec: CalendarSpec, tz: zoneinfo.ZoneInfo
) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """The non-empty UTC ``[start, end)`` intervals of ``day``'s windows, in order."""
    for start_minute, end_minute in spec.windows_on(day):
        start = _local_boundary_to_utc(day, start_minute, tz)
        end = _local_boundary_to_utc(day, end_minute, tz)
        if end > start:  # a window wholly inside a DST gap is empty that day
            yield start, end


def _days_from(instant: datetime.datetime, tz: zoneinfo.ZoneInfo) -> Iterator[datetime.date]:
    """Local dates from the day before ``instant``'s local date, onwards without end.

    Starting a day early is cheap insurance for zones whose fall-back repeats the end of
    the previous date; callers drop the intervals that end before ``instant``.
    """
    day = instant.astimezone(tz).date() - datetime.timedelta(days=1)
    while True:
        yield day
        day += datetime.timedelta(days=1)


def iter_working_intervals(
    start: datetime.datetime, spec: CalendarSpec
) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """Working intervals ``[s, e)`` in UTC, in order, clipped to begin no earlier than
    ``start`` (aware). Unbounded: the caller stops. Raises ValueError once no working time
    has been seen for ~3 years. Touching intervals (night shifts) are yielded separately.
    """
    _require_aware(start, "start")
    start = start.astimezone(_UTC)
    tz = spec.tz
    last_progress = start
    for day in _days_from(start, tz):
        for s, e in _day_intervals(day, spec, tz):
            if e <= start:
                continue
            yield max(s, start), e
            last_progress = e
        # The end of the day (next local midnight) bounds this day's windows.
        if _local_boundary_to_utc(day, MINUTES_PER_DAY, tz) - last_progress > _MAX_IDLE:
            raise ValueError(
                f"calendar {spec.time_zone!r} has no working time within 3 years"
                f" after {last_progress.isoformat()}"
            )


def _require_aware(value: datetime.datetime, name: str) -> None:
    if not isinstance(value, datetime.datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")


def add_working_time(
    start: datetime.datetime, amount: datetime.timedelta, spec: CalendarSpec
) -> datetime.datetime:
    """The instant (aware, UTC) when ``amount`` of working time has elapsed from ``start``.

    Preconditions: ``start`` is aware (else ValueError); ``amount >= 0`` (else ValueError).
    A start outside working time counts from the next window opening. ``amount == 0``
    returns the next working instant ``>= start`` (a window's end is not a working
    instant; the next opening is). For ``amount > 0`` the result lies inside a window or
    exactly at its end — never at the following opening. Raises ValueError if the
    calendar yields no working time for ~3 years (e.g. only holidays).
    """
    _require_aware(start, "start")
    if not isinstance(amount, datetime.timedelta):
        raise ValueError(f"amount must be a timedelta, got {type(amount).__name__}")
    if amount < _ZERO:
        raise ValueError(f"amount must not be negative, got {amount}")
    if spec.always_open:
        # Every instant is working time (a 24×7 calendar, whatever its zone's DST does):
        # working time is elapsed time. The SLA sweep leans on this for most tickets.
        return start.astimezone(_UTC) + amount
    remaining = amount
    for s, e in iter_working_intervals(start, spec):
        available = e - s
        # ``<=``: an amount that exactly fills the rest of this window ends at its close,
        # not at the next opening. Intervals are never empty, so amount == 0 returns
        # ``s``: the start itself when inside a window, else the next opening.
        if remaining <= available:
            return s + remaining
        remaining -= available
    raise AssertionError("unreachable: iter_working_intervals is unbounded")


def working_time_between(
    start: datetime.datetime, end: datetime.datetime, spec: CalendarSpec
) -> datetime.timedelta:
    """Working time inside ``[start, end)``; zero if ``end <= start``.

    Preconditions: ``start`` and ``end`` are aware (else ValueError). Never raises for a
    calendar without working time in the range: that is simply zero.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    start = start.astimezone(_UTC)
    end = end.astimezone(_UTC)
    total = _ZERO
    if end <= start:
        return total
    tz = spec.tz
    for day in _days_from(start, tz):
        # Local boundaries are monotonic, so once a local midnight is at or past ``end``
        # no window of this day or any later day can overlap ``[start, end)``.
        if _local_boundary_to_utc(day, 0, tz) >= end:
            return total
        for s, e in _day_intervals(day, spec, tz):
            overlap = min(e, end) - max(s, start)
            if overlap > _ZERO:
                total += overlap
    raise AssertionError("unreachable: _days_from is unbounded")
