"""Personal API tokens: a person's programs call the JSON API in their name."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.database import UTCDateTime, utcnow
from tracker.extensions import db

if TYPE_CHECKING:
    from tracker.models.users import User


class ApiToken(db.Model):
    """One token: only the SHA-256 of its secret is kept, and a short prefix to recognise it."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_revoked", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    # The first characters of the token ("rpt_AbCd1234"): shown in lists, never enough to use.
    prefix: Mapped[str] = mapped_column(String(16))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Written at most once a minute, so reading through the API doesn't write every time.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def usable_at(self, now: datetime) -> bool:
        """Not revoked and not expired (the owner's account is checked separately)."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}>"
