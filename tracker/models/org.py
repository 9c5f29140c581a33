"""How the organisation is arranged: business units and IT teams."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.database import UTCDateTime, utcnow
from tracker.extensions import db

if TYPE_CHECKING:
    from tracker.models.users import User

team_members = Table(
    "team_members",
    db.metadata,
    Column("team_id", ForeignKey("it_teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class BusinessUnit(db.Model):
    """A part of the business, with its business relationship manager and IT buddy."""

    __tablename__ = "business_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # The unit's business objectives, one per line.
    objectives: Mapped[str] = mapped_column(Text, default="")
    # use_alter breaks the users <-> business_units cycle when tables are created.
    brm_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True), index=True
    )
    it_buddy_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    brm: Mapped[User | None] = relationship(foreign_keys=[brm_id])
    it_buddy: Mapped[User | None] = relationship(foreign_keys=[it_buddy_id])
    members: Mapped[list[User]] = relationship(
        foreign_keys="User.business_unit_id", back_populates="business_unit"
    )

    @property
    def objective_list(self) -> list[str]:
        return [line.strip() for line in (self.objectives or "").splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<BusinessUnit {self.id} {self.name}>"


class ITTeam(db.Model):
    """A group of IT staff that requests are routed to."""

    __tablename__ = "it_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[User]] = relationship(secondary=team_members, back_populates="teams")

    def __repr__(self) -> str:
        return f"<ITTeam {self.id} {self.name}>"
