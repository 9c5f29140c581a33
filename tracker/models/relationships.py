"""The relationship between IT and a business unit: touchpoints, next actions, pulses."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.database import UTCDateTime, utcnow
from tracker.extensions import db

if TYPE_CHECKING:
    from tracker.models.org import BusinessUnit
    from tracker.models.users import User


class TouchpointKind(StrEnum):
    MEETING = "meeting"
    CHECK_IN = "check_in"
    REVIEW = "review"
    WORKSHOP = "workshop"

    @property
    def label(self) -> str:
        return {
            TouchpointKind.MEETING: "Meeting",
            TouchpointKind.CHECK_IN: "Check-in",
            TouchpointKind.REVIEW: "Service review",
            TouchpointKind.WORKSHOP: "Workshop",
        }[self]


class Touchpoint(db.Model):
    """A meeting or check-in between IT and a unit, with what was agreed."""

    __tablename__ = "touchpoints"
    __table_args__ = (
        Index("ix_touchpoints_unit_date", "business_unit_id", "happened_on"),
        CheckConstraint(
            "kind IN ('meeting', 'check_in', 'review', 'workshop')", name="known_kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(
        ForeignKey("business_units.id", ondelete="CASCADE")
    )
    happened_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20), default=TouchpointKind.MEETING.value)
    attendees: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    business_unit: Mapped[BusinessUnit] = relationship()
    created_by: Mapped[User | None] = relationship()
    actions: Mapped[list[NextAction]] = relationship(
        back_populates="touchpoint", cascade="all, delete-orphan", order_by="NextAction.id"
    )

    @property
    def kind_label(self) -> str:
        return TouchpointKind(self.kind).label


class NextAction(db.Model):
    """Something agreed at a touchpoint: who does what by when."""

    __tablename__ = "next_actions"
    __table_args__ = (Index("ix_next_actions_unit_open", "business_unit_id", "done_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(
        ForeignKey("touchpoints.id", ondelete="CASCADE"), index=True
    )
    # Kept beside the touchpoint's so overdue actions count per unit without a join.
    business_unit_id: Mapped[int] = mapped_column(
        ForeignKey("business_units.id", ondelete="CASCADE")
    )
    description: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    touchpoint: Mapped[Touchpoint] = relationship(back_populates="actions")

    def is_overdue(self, today: date) -> bool:
        return self.done_at is None and self.due_on < today


class PulseSide(StrEnum):
    BUSINESS = "business"
    IT = "it"


PULSE_QUESTIONS = (
    ("understanding", "How well does IT understand your work?",
     "How well does IT understand this unit's work?"),
    ("ease", "How easy is it to get help from IT?",
     "How easy is it for this unit to get help from IT?"),
    ("trust", "How much do you trust IT's advice?",
     "How much does this unit trust IT's advice?"),
)


class PulseSurvey(db.Model):
    """A quarterly three-question pulse on how a unit and IT see their relationship."""

    __tablename__ = "pulse_surveys"
    __table_args__ = (UniqueConstraint("business_unit_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(
        ForeignKey("business_units.id", ondelete="CASCADE"), index=True
    )
    quarter: Mapped[str] = mapped_column(String(7))  # "2026-Q4"
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    business_unit: Mapped[BusinessUnit] = relationship()

    def is_open(self, now: datetime) -> bool:
        return now < self.closes_at

    @property
    def quarter_label(self) -> str:
        year, quarter = self.quarter.split("-")
        return f"{quarter} {year}"


class PulseParticipant(db.Model):
    """That someone answered a pulse (so they answer once), never what they answered."""

    __tablename__ = "pulse_participants"

    pulse_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_surveys.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PulseAnswer(db.Model):
    """One person's three scores, kept apart from who gave them."""

    __tablename__ = "pulse_answers"
    __table_args__ = (
        CheckConstraint("side IN ('business', 'it')", name="known_side"),
        CheckConstraint("understanding BETWEEN 1 AND 5", name="understanding_range"),
        CheckConstraint("ease BETWEEN 1 AND 5", name="ease_range"),
        CheckConstraint("trust BETWEEN 1 AND 5", name="trust_range"),
        Index("ix_pulse_answers_pulse_side", "pulse_id", "side"),
    )

    # A random key, so the order answers were stored in says nothing about who gave them.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    pulse_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(10))
    understanding: Mapped[int] = mapped_column(SmallInteger)
    ease: Mapped[int] = mapped_column(SmallInteger)
    trust: Mapped[int] = mapped_column(SmallInteger)
