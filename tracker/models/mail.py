"""Outgoing e-mail: the outbox every message waits in, and the e-mails a person switched off."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.database import UTCDateTime, utcnow
from tracker.extensions import db


class OutboxStatus(StrEnum):
    """Where a message is: waiting, being handed to the SMTP server, sent, or given up on."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """One e-mail, written in the same transaction as the change it tells about.

    A sender claims it (status "sending", next attempt pushed past the claim's lifetime),
    so a sender that dies mid-batch leaves it due again instead of lost.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # The sender's question: what is due now (pending, or claimed by a sender that died).
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        # The admin page: one status, newest first.
        Index("ix_outbox_status_created", "status", "created_at"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed')", name="known_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Set where a notice must go out only once (e.g. one SLA warning per due time).
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def status_enum(self) -> OutboxStatus:
        return OutboxStatus(self.status)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


class EmailOptOut(db.Model):
    """A kind of e-mail a person asked not to get (every kind is on until switched off)."""

    __tablename__ = "email_opt_outs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
