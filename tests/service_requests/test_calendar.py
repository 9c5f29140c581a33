"""Business hours arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracker.service_requests.calendar import BusinessCalendar

LONDON = ZoneInfo("Europe/London")
WEEK = BusinessCalendar(LONDON, frozenset(range(5)), time(9), time(17))


def at(text: str, tz=LONDON) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        ("2026-11-23 10:00", 60, "2026-11-23 11:00"),  # Monday, within the day
        ("2026-11-23 16:30", 60, "2026-11-24 09:30"),  # rolls into Tuesday morning
        ("2026-11-23 07:00", 30, "2026-11-23 09:30"),  # before opening
        ("2026-11-23 18:00", 30, "2026-11-24 09:30"),  # after closing
        ("2026-11-27 16:00", 120, "2026-11-30 10:00"),  # Friday -> Monday
        ("2026-11-28 12:00", 60, "2026-11-30 10:00"),  # filed on Saturday
        ("2026-11-23 09:00", 480, "2026-11-23 17:00"),  # exactly one business day
        ("2026-11-23 09:00", 481, "2026-11-24 09:01"),
        ("2026-11-23 09:00", 4800, "2026-12-04 17:00"),  # ten business days
    ],
)
def test_adding_working_time(start, minutes, expected):
    assert WEEK.add(at(start), minutes) == at(expected)


@pytest.mark.parametrize(
    ("start", "minutes"),
    [("2026-11-23 10:00", 60), ("2026-11-27 16:00", 120), ("2026-11-23 09:00", 4800)],
)
def test_subtract_undoes_add(start, minutes):
    end = WEEK.add(at(start), minutes)
    assert WEEK.minutes_between(WEEK.subtract(end, minutes), end) == pytest.approx(minutes)


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ("2026-11-23 10:00", "2026-11-23 11:30", 90),
        ("2026-11-23 16:00", "2026-11-24 10:00", 120),
        ("2026-11-27 16:00", "2026-11-30 10:00", 120),  # weekend doesn't count
        ("2026-11-28 08:00", "2026-11-29 20:00", 0),  # all weekend
        ("2026-11-23 11:00", "2026-11-23 10:00", 0),  # backwards
    ],
)
def test_measuring_working_time(start, end, minutes):
    assert WEEK.minutes_between(at(start), at(end)) == pytest.approx(minutes)


def test_clock_change_days_keep_local_opening_hours():
    # Clocks go forward on Sunday 29 March 2026 in London: 09:00 local is 08:00 UTC after.
    friday = at("2026-03-27 16:00")
    due = WEEK.add(friday, 120)
    assert due == at("2026-03-30 10:00")
    assert due.astimezone(UTC).hour == 9


def test_around_the_clock_ignores_business_hours():
    always = BusinessCalendar(LONDON, frozenset(range(5)), time(9), time(17), around_the_clock=True)
    saturday = at("2026-11-28 23:00")
    assert always.add(saturday, 60) == saturday + timedelta(hours=1)
    assert always.minutes_between(saturday, saturday + timedelta(hours=3)) == 180


def test_custom_week_and_hours():
    six_days = BusinessCalendar(ZoneInfo("UTC"), frozenset(range(6)), time(8), time(20))
    saturday = at("2026-11-28 19:00", tz=ZoneInfo("UTC"))
    assert six_days.add(saturday, 120) == at("2026-11-30 09:00", tz=ZoneInfo("UTC"))


@pytest.mark.parametrize(
    ("weekdays", "opens", "closes"),
    [(frozenset(), time(9), time(17)), (frozenset({0}), time(17), time(9))],
)
def test_impossible_hours_are_refused(weekdays, opens, closes):
    with pytest.raises(ValueError):
        BusinessCalendar(LONDON, weekdays, opens, closes)
