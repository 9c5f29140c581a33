"""Service requests, their categories, and the timeline of everything that happened."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
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
    from tracker.models.org import BusinessUnit, ITTeam
    from tracker.models.users import User

REFERENCE_PREFIX = "REQ-"
# The largest id any of our tables hands out (a 32-bit signed integer on PostgreSQL);
# numbers from URLs and forms beyond it can't name a row.
MAX_ID = 2_147_483_647


class Stage(StrEnum):
    """Where a request is in IT's workflow (staff words)."""

    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_REQUESTER = "waiting_on_requester"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def staff_label(self) -> str:
        return STAFF_STAGE_LABELS[self]

    @property
    def requester_label(self) -> str:
        return REQUESTER_STAGE_LABELS[self]


STAFF_STAGE_LABELS = {
    Stage.NEW: "New",
    Stage.TRIAGED: "Triaged",
    Stage.IN_PROGRESS: "In progress",
    Stage.WAITING_ON_REQUESTER: "Waiting on requester",
    Stage.RESOLVED: "Resolved",
    Stage.CLOSED: "Closed",
}

# What the person who asked sees: plain words, never workflow jargon.
REQUESTER_STAGE_LABELS = {
    Stage.NEW: "We got it",
    Stage.TRIAGED: "We got it",
    Stage.IN_PROGRESS: "We're working on it",
    Stage.WAITING_ON_REQUESTER: "We need something from you",
    Stage.RESOLVED: "Done — did this fix it?",
    Stage.CLOSED: "Closed",
}

OPEN_STAGES = frozenset(
    {Stage.NEW, Stage.TRIAGED, Stage.IN_PROGRESS, Stage.WAITING_ON_REQUESTER}
)


class Impact(StrEnum):
    """Who is affected, in the requester's words."""

    JUST_ME = "just_me"
    MY_TEAM = "my_team"
    WHOLE_UNIT = "whole_unit"


class Urgency(StrEnum):
    """How blocked the requester is, in their words."""

    WORKAROUND = "workaround"
    SLOWED = "slowed"
    BLOCKED = "blocked"


class EventKind(StrEnum):
    """The kinds of entries in a request's timeline."""

    CREATED = "created"
    COMMENT = "comment"
    NOTE = "note"
    STAGE = "stage"
    REOPENED = "reopened"
    CONFIRMED = "confirmed"
    FEEDBACK = "feedback"
    ASSIGNED = "assigned"
    TEAM = "team"
    PRIORITY = "priority"
    FILES_REMOVED = "files_removed"


class Category(db.Model):
    """What kind of help is asked for, named the way the requester would say it."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    staff_name: Mapped[str] = mapped_column(String(80))
    hint: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    default_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("it_teams.id", ondelete="SET NULL")
    )

    default_team: Mapped[ITTeam | None] = relationship()

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class ServiceRequest(db.Model):
    """Something a person asked IT for, followed from filing to closing."""

    __tablename__ = "service_requests"
    __table_args__ = (
        UniqueConstraint("requester_id", "idempotency_key"),
        Index("ix_service_requests_requester_created", "requester_id", "created_at"),
        # A person's requests in progress (the portal home), most recently active first.
        Index("ix_service_requests_requester_stage", "requester_id", "stage", "last_activity_at"),
        Index("ix_service_requests_stage_priority", "stage", "priority", "created_at"),
        Index("ix_service_requests_stage_due", "stage", "sla_due_at"),
        Index("ix_service_requests_stage_closed", "stage", "closed_at"),
        # "Open requests per person": SQLite skip-scans the first, PostgreSQL the second.
        Index("ix_service_requests_assignee_stage", "assignee_id", "stage"),
        Index("ix_service_requests_stage_assignee", "stage", "assignee_id"),
        Index("ix_service_requests_updated", "updated_at"),
        # Relationship dashboards: each figure is read from one covering index (volume
        # and kinds by filing date; outcomes by resolution date; the open queue; ideas).
        Index(
            "ix_service_requests_unit_created",
            "business_unit_id", "created_at", "category_id", "first_response_at",
        ),
        Index(
            "ix_service_requests_unit_resolved",
            "business_unit_id", "resolved_at", "resolution_due_at", "reopen_count", "created_at",
        ),
        Index("ix_service_requests_unit_stage", "business_unit_id", "stage", "sla_due_at"),
        Index(
            "ix_service_requests_category_unit", "category_id", "business_unit_id", "stage",
            "created_at",
        ),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
        CheckConstraint(
            "stage IN ('new', 'triaged', 'in_progress', 'waiting_on_requester', "
            "'resolved', 'closed')",
            name="known_stage",
        ),
        CheckConstraint("impact IN ('just_me', 'my_team', 'whole_unit')", name="known_impact"),
        CheckConstraint("urgency IN ('workaround', 'slowed', 'blocked')", name="known_urgency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The requester's unit when they asked, so history stays with the unit.
    business_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_units.id", ondelete="SET NULL")
    )
    impact: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(SmallInteger)
    priority_overridden: Mapped[bool] = mapped_column(default=False)
    stage: Mapped[str] = mapped_column(String(32), default=Stage.NEW.value)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("it_teams.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopen_count: Mapped[int] = mapped_column(default=0)
    # SLA clocks, stored so the board can filter and sort on them.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_paused_seconds: Mapped[int] = mapped_column(default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)

    # Two people updating from stale pages: the second UPDATE matches no row.
    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    team: Mapped[ITTeam | None] = relationship()
    business_unit: Mapped[BusinessUnit | None] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="RequestEvent.id",
        passive_deletes=True,
    )

    @property
    def reference(self) -> str:
        return format_reference(self.id)

    @property
    def stage_enum(self) -> Stage:
        return Stage(self.stage)

    @property
    def is_open(self) -> bool:
        return self.stage_enum in OPEN_STAGES

    def __repr__(self) -> str:
        return f"<ServiceRequest {self.reference} {self.stage}>"


class RequestEvent(db.Model):
    """One entry in a request's timeline: a comment, an internal note or a change."""

    __tablename__ = "request_events"
    __table_args__ = (
        UniqueConstraint("request_id", "idempotency_key"),
        Index("ix_request_events_request_created", "request_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE")
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    internal: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str | None] = mapped_column(Text)
    old_value: Mapped[str | None] = mapped_column(String(64))
    new_value: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def kind_enum(self) -> EventKind:
        return EventKind(self.kind)

    def __repr__(self) -> str:
        return f"<RequestEvent {self.id} {self.kind}>"


def format_reference(request_id: int) -> str:
    """REQ-000123: the human reference of a request."""
    return f"{REFERENCE_PREFIX}{request_id:06d}"


def parse_reference(reference: str) -> int | None:
    """The id behind a reference like REQ-000123 (case-insensitive), or None."""
    text = reference.strip().upper()
    if not text.startswith(REFERENCE_PREFIX):
        return None
    return parse_id(text[len(REFERENCE_PREFIX) :])


def parse_id(text: str | None) -> int | None:
    """A row id written in decimal digits, or None when it can't be one."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
