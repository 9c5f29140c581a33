"""Telling people about things: create notifications, read them, mark them read."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update

from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import Notification, User


def notify(people: Iterable[User | int | None], kind: str, message: str, link: str = "") -> int:
    """Add one notification per person (each once, nobody twice); flushes, doesn't commit."""
    ids = {p if isinstance(p, int) else p.id for p in people if p is not None}
    now = utcnow()
    for user_id in sorted(ids):
        db.session.add(
            Notification(user_id=user_id, kind=kind, message=message[:300], link=link,
                         created_at=now)
        )
    db.session.flush()
    return len(ids)


def notifications_query(user: User):
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def own_notification(user: User, notification_id: int) -> Notification | None:
    return db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0
