"""Business hours: targets counted only while the calendar is open, across nights, weekends,
holidays and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.services.tickets.sla.business_hours import Calendar, add_business_minutes, business_minutes_between

WEEKDAYS_9_TO_5 = Calendar("Europe/Amsterdam", {day: (9 * 60, 17 * 60) for day in range(5)},
                           frozenset({date(2026, 12, 25)}))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_inside_one_working_day():
    start = utc(2026, 12, 1, 9, 0)  # Tuesday 10:00 in Amsterdam (UTC+1)
    assert add_business_minutes(start, 60, WEEKDAYS_9_TO_5) == utc(2026, 12, 1, 10, 0)


def test_the_night_and_the_weekend_do_not_count():
    friday_late = utc(2026, 12, 4, 15, 30)  # Friday 16:30 local: 30 minutes left that day
    due = add_business_minutes(friday_late, 90, WEEKDAYS_9_TO_5)
    assert due == utc(2026, 12, 7, 9, 0)  # Monday 10:00 local
    assert business_minutes_between(friday_late, due, WEEKDAYS_9_TO_5) == 90


def test_a_request_at_night_starts_counting_at_opening():
    sunday = utc(2026, 12, 6, 20, 0)
    assert add_business_minutes(sunday, 30, WEEKDAYS_9_TO_5) == utc(2026, 12, 7, 8, 30)


def test_holidays_are_skipped():
    christmas_eve_late = utc(2026, 12, 24, 15, 0)  # Thursday 16:00 local; Friday is a holiday
    assert add_business_minutes(christmas_eve_late, 120, WEEKDAYS_9_TO_5) == utc(2026, 12, 28, 9, 0)


def test_daylight_saving_keeps_local_opening_hours():
    calendar = Calendar("Europe/Amsterdam", {day: (9 * 60, 17 * 60) for day in range(7)})
    saturday = utc(2026, 3, 28, 15, 0)  # 16:00 local (UTC+1); clocks go forward on Sunday
    assert add_business_minutes(saturday, 120, calendar) == utc(2026, 3, 29, 8, 0)  # Sunday 10:00 UTC+2


def test_always_open_is_wall_clock():
    start = utc(2026, 12, 5, 23, 0)
    assert add_business_minutes(start, 24 * 60, Calendar.always_open()) == utc(2026, 12, 6, 23, 0)


def test_a_calendar_that_never_opens_is_refused():
    with pytest.raises(ValueError):
        add_business_minutes(utc(2026, 12, 1), 10, Calendar("UTC", {}))
