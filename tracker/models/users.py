"""People and the roles they hold."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.database import UTCDateTime, utcnow
from tracker.extensions import db

if TYPE_CHECKING:
    from tracker.models.org import BusinessUnit, ITTeam


class Role(StrEnum):
    """What a person may do; a person can hold several."""

    REQUESTER = "requester"
    AGENT = "agent"
    BUDDY = "buddy"
    BRM = "brm"
    ADMIN = "admin"


# Roles that work the IT queue and see every request.
STAFF_ROLES = frozenset({Role.AGENT, Role.BUDDY, Role.ADMIN})


class User(UserMixin, db.Model):
    """A person who signs in: an employee, IT staff, a BRM or an administrator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    job_title: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    business_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_units.id", ondelete="SET NULL"), index=True
    )
    it_buddy_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Stored in the session at sign-in; raising it ends every session signed in before.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    business_unit: Mapped[BusinessUnit | None] = relationship(
        foreign_keys=[business_unit_id], back_populates="members"
    )
    it_buddy: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[it_buddy_id])
    teams: Mapped[list[ITTeam]] = relationship(
        secondary="team_members", back_populates="members"
    )

    # Filled in by the user loader for the signed-in person (the bell's number).
    unread_count = 0

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(grant.role) for grant in self.role_grants)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        """IT staff: agents, IT buddies and administrators work the queue."""
        return bool(self.roles & STAFF_ROLES)

    @property
    def first_name(self) -> str:
        return self.display_name.split()[0] if self.display_name else ""

    def set_roles(self, roles) -> None:
        wanted = {Role(role) for role in roles}
        self.role_grants = [g for g in self.role_grants if Role(g.role) in wanted]
        present = {Role(g.role) for g in self.role_grants}
        for role in sorted(wanted - present):
            self.role_grants.append(RoleGrant(role=role.value))

    def end_sessions(self) -> None:
        """Sign this person out everywhere: sessions carrying the old version are refused."""
        self.session_version = (self.session_version or 1) + 1

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RoleGrant(db.Model):
    """One role held by one person."""

    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(
            "role IN ('requester', 'agent', 'buddy', 'brm', 'admin')", name="known_role"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)

    user: Mapped[User] = relationship(back_populates="role_grants")
