"""Business hours: a target's minutes counted only while the shop is open (weekly hours in the
calendar's time zone, minus holidays). Pure functions over a Calendar; no database, no Flask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 800  # a calendar is open at least one day a week (validated), holidays are at most a year
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Calendar:
    """When the shop answers: per weekday (0 = Monday) one opening as minutes after local midnight
    (end up to 1440, midnight), in `timezone`, except on `holidays` (local dates)."""

    timezone: str
    hours: dict[int, tuple[int, int]]
    holidays: frozenset[date] = frozenset()

    @classmethod
    def always_open(cls) -> Calendar:
        return cls("UTC", {day: (0, 1440) for day in range(7)})


def _at(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes)
    return local.replace(tzinfo=zone).astimezone(UTC)


def _openings(calendar: Calendar, start: datetime, days: int):
    """(open, close) moments in UTC from the local day of `start` on, day by day."""
    zone = ZoneInfo(calendar.timezone)
    day = start.astimezone(zone).date()
    for _ in range(days):
        opening = calendar.hours.get(day.weekday())
        if opening is not None and day not in calendar.holidays:
            yield _at(day, opening[0], zone), _at(day, opening[1], zone)
        day += timedelta(days=1)


def add_business_minutes(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    """The moment `minutes` of open time after `start` (a target's due time)."""
    remaining = timedelta(minutes=minutes)
    for opens, closes in _openings(calendar, start, MAX_DAYS):
        begin = max(opens, start)
        if begin >= closes:
            continue
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise ValueError("the calendar is never open")


def business_minutes_between(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Whole minutes of open time from start to end (0 when end is not after start)."""
    if end <= start:
        return 0
    total = timedelta()
    for opens, closes in _openings(calendar, start, min((end - start).days + 2, MAX_DAYS)):
        if opens >= end:
            break
        begin, finish = max(opens, start), min(closes, end)
        if finish > begin:
            total += finish - begin
    return int(total.total_seconds() // 60)


def is_open(calendar: Calendar, when: datetime) -> bool:
    """Whether the shop is open at `when` (an opening may run past local midnight's day start only
    when it ends at 1440, so the local day of `when` and the day before are enough)."""
    return any(opens <= when < closes for opens, closes in _openings(calendar, when - timedelta(days=1), 2))
