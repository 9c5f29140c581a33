"""Business hours: adding working time to a moment, and measuring working time between two.

All arithmetic happens in UTC; the opening and closing times of each local day are turned
into UTC first, so days when clocks change are as long as they really are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Enough to cross any realistic run of closed days (holidays, a weekend) and then some.
_MAX_DAYS = 3660


@dataclass(frozen=True)
class BusinessCalendar:
    """When IT works: weekdays (0 = Monday) between `opens` and `closes`, local time."""

    timezone: ZoneInfo
    weekdays: frozenset[int]
    opens: time
    closes: time
    around_the_clock: bool = False

    def __post_init__(self):
        if not self.around_the_clock:
            if not self.weekdays:
                raise ValueError("business hours need at least one working day")
            if self.closes <= self.opens:
                raise ValueError("business hours must close after they open")

    def open_span(self, day: date) -> tuple[datetime, datetime] | None:
        """The UTC opening and closing moments of a local day, or None when closed."""
        if day.weekday() not in self.weekdays:
            return None
        opens = datetime.combine(day, self.opens, tzinfo=self.timezone).astimezone(UTC)
        closes = datetime.combine(day, self.closes, tzinfo=self.timezone).astimezone(UTC)
        return opens, closes

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of working time after `start`."""
        if self.around_the_clock:
            return start + timedelta(minutes=minutes)
        remaining = timedelta(minutes=minutes)
        cursor = start.astimezone(UTC)
        day = cursor.astimezone(self.timezone).date()
        for _ in range(_MAX_DAYS):
            span = self.open_span(day)
            if span is not None:
                opens, closes = span
                cursor = max(cursor, opens)
                if cursor < closes:
                    available = closes - cursor
                    if remaining <= available:
                        return cursor + remaining
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("no working time found within ten years")

    def subtract(self, end: datetime, minutes: float) -> datetime:
        """The moment `minutes` of working time before `end`."""
        if self.around_the_clock:
            return end - timedelta(minutes=minutes)
        remaining = timedelta(minutes=minutes)
        cursor = end.astimezone(UTC)
        day = cursor.astimezone(self.timezone).date()
        for _ in range(_MAX_DAYS):
            span = self.open_span(day)
            if span is not None:
                opens, closes = span
                cursor = min(cursor, closes)
                if cursor > opens:
                    available = cursor - opens
                    if remaining <= available:
                        return cursor - remaining
                    remaining -= available
            day -= timedelta(days=1)
        raise ValueError("no working time found within ten years")

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Working minutes from `start` to `end` (0 when end is not after start)."""
        if end <= start:
            return 0.0
        if self.around_the_clock:
            return (end - start).total_seconds() / 60
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta()
        day = start.astimezone(self.timezone).date()
        last = end.astimezone(self.timezone).date()
        while day <= last:
            span = self.open_span(day)
            if span is not None:
                overlap = min(end, span[1]) - max(start, span[0])
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total.total_seconds() / 60

    @property
    def minutes_per_day(self) -> float:
        if self.around_the_clock:
            return 24 * 60
        span = datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)
        return span.total_seconds() / 60
