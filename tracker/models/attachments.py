"""Files people attach to a request or to a message in its conversation."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.database import UTCDateTime, utcnow
from tracker.extensions import db

if TYPE_CHECKING:
    from tracker.models.requests import RequestEvent, ServiceRequest
    from tracker.models.users import User


class Attachment(db.Model):
    """One stored file. Its bytes live in the attachment store under `storage_key`, a name
    the server chose; the name it had on the uploader's computer is only kept to show."""

    __tablename__ = "attachments"
    __table_args__ = (
        # Every page loads a request's files at once, in the order they came.
        Index("ix_attachments_request_id_id", "request_id", "id"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE")
    )
    # The message it came with; none when it was filed with the request itself.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_events.id", ondelete="CASCADE"), index=True
    )
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(255))
    # Decided on the server from the file's content, never taken from the browser.
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Pictures get a re-encoded thumbnail, stored beside the original.
    thumbnail_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    thumbnail_type: Mapped[str | None] = mapped_column(String(20))
    # Files of an internal note are for IT staff only, like the note.
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[ServiceRequest] = relationship()
    event: Mapped[RequestEvent | None] = relationship()
    uploader: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.content_type} {self.size_bytes}>"
