"""The shadow-IT registry: tools people adopted on their own, and IT's review of them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.database import UTCDateTime, utcnow
from tracker.extensions import db

if TYPE_CHECKING:
    from tracker.models.org import BusinessUnit
    from tracker.models.requests import ServiceRequest
    from tracker.models.users import User


class ToolStatus(StrEnum):
    REGISTERED = "registered"
    UNDER_REVIEW = "under_review"
    SANCTIONED = "sanctioned"
    TOLERATED = "tolerated"
    REPLACE = "replace"
    RETIRE = "retire"

    @property
    def staff_label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def plain_label(self) -> str:
        """What the person who registered it reads."""
        return {
            ToolStatus.REGISTERED: "Thanks, IT knows about it",
            ToolStatus.UNDER_REVIEW: "IT is having a look",
            ToolStatus.SANCTIONED: "Approved: keep using it",
            ToolStatus.TOLERATED: "Fine for now",
            ToolStatus.REPLACE: "IT will help you move to something else",
            ToolStatus.RETIRE: "Please plan to stop using it",
        }[self]


class DataKind(StrEnum):
    NONE = "none"
    INTERNAL = "internal"
    PERSONAL = "personal"
    SENSITIVE = "sensitive"


class SignIn(StrEnum):
    SSO = "sso"
    OWN_PASSWORDS = "own_passwords"


class Payer(StrEnum):
    FREE = "free"
    TEAM_BUDGET = "team_budget"
    COMPANY_CARD = "company_card"
    PERSONAL = "personal"


class ShadowTool(db.Model):
    """A tool a team uses that IT didn't provide."""

    __tablename__ = "shadow_tools"
    __table_args__ = (
        CheckConstraint(
            "status IN ('registered', 'under_review', 'sanctioned', 'tolerated', 'replace', "
            "'retire')",
            name="known_status",
        ),
        CheckConstraint("risk_tier IN ('low', 'medium', 'high', 'critical')", name="known_tier"),
        CheckConstraint("user_count >= 1", name="some_users"),
        Index("ix_shadow_tools_unit_status", "business_unit_id", "status"),
        Index("ix_shadow_tools_status_tier", "status", "risk_tier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120), index=True)
    url: Mapped[str] = mapped_column(String(300), default="")
    domain: Mapped[str] = mapped_column(String(200), default="", index=True)
    purpose: Mapped[str] = mapped_column(Text)
    user_count: Mapped[int] = mapped_column(default=1)
    payer: Mapped[str] = mapped_column(String(20))
    cost_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    cost_period: Mapped[str] = mapped_column(String(10), default="month")
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    data_kind: Mapped[str] = mapped_column(String(20))
    sign_in: Mapped[str] = mapped_column(String(20))
    business_critical: Mapped[bool] = mapped_column(default=False)
    impact: Mapped[str] = mapped_column(Text, default="")
    renewal_date: Mapped[date | None] = mapped_column(Date, index=True)
    unmet_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default=ToolStatus.REGISTERED.value)
    risk_tier: Mapped[str] = mapped_column(String(10))
    risk_reasons: Mapped[str] = mapped_column(String(300), default="")
    advice: Mapped[str] = mapped_column(Text, default="")
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    business_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_units.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    registered_by: Mapped[User | None] = relationship()
    business_unit: Mapped[BusinessUnit | None] = relationship()
    unmet_request: Mapped[ServiceRequest | None] = relationship()
    adoptions: Mapped[list[ToolAdoption]] = relationship(
        back_populates="tool", cascade="all, delete-orphan", order_by="ToolAdoption.id"
    )
    events: Mapped[list[ToolEvent]] = relationship(
        back_populates="tool", cascade="all, delete-orphan", order_by="ToolEvent.id"
    )

    @property
    def status_enum(self) -> ToolStatus:
        return ToolStatus(self.status)

    @property
    def yearly_cost(self) -> Decimal | None:
        if self.cost_amount is None:
            return None
        return self.cost_amount * 12 if self.cost_period == "month" else self.cost_amount


class ToolAdoption(db.Model):
    """A unit (and how many of its people) using a tool: "we use it too"."""

    __tablename__ = "tool_adoptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(
        ForeignKey("shadow_tools.id", ondelete="CASCADE"), index=True
    )
    business_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_units.id", ondelete="SET NULL"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    people: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    tool: Mapped[ShadowTool] = relationship(back_populates="adoptions")
    business_unit: Mapped[BusinessUnit | None] = relationship()
    person: Mapped[User | None] = relationship()


class ToolEvent(db.Model):
    """One entry in a tool's history."""

    __tablename__ = "tool_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(
        ForeignKey("shadow_tools.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    old_value: Mapped[str | None] = mapped_column(String(40))
    new_value: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    tool: Mapped[ShadowTool] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
