"""Service levels: targets per priority and the hours IT works."""

from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, SmallInteger, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db


class SLAPolicy(db.Model):
    """How quickly IT answers and resolves a request of one priority."""

    __tablename__ = "sla_policies"
    __table_args__ = (
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
        CheckConstraint("first_response_minutes > 0", name="positive_response"),
        CheckConstraint("resolution_minutes >= first_response_minutes", name="resolution_after"),
    )

    priority: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    first_response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]
    # P1 outages may be worked around the clock; the rest follow business hours.
    around_the_clock: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<SLAPolicy P{self.priority}>"


class BusinessHours(db.Model):
    """The working week the SLA clocks run in (one row), in the instance's time zone."""

    __tablename__ = "business_hours"
    __table_args__ = (CheckConstraint("closes > opens", name="closes_after_opens"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Comma-separated weekday numbers, 0 = Monday.
    weekdays: Mapped[str] = mapped_column(String(20), default="0,1,2,3,4")
    opens: Mapped[time] = mapped_column(Time, default=time(9, 0))
    closes: Mapped[time] = mapped_column(Time, default=time(17, 0))

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.weekdays.split(",") if d.strip() != "")
