"""Loading the signed-in person for each request."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import BusinessUnit, Notification, User


def load_user(user_id: str) -> User | None:
    """One query: the person with their roles, unit, BRM, buddies and unread count."""
    try:
        key = int(user_id)
    except (TypeError, ValueError):
        return None
    unread = (
        select(func.count())
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(User, unread)
        .options(
            joinedload(User.role_grants),
            joinedload(User.it_buddy),
            joinedload(User.business_unit).joinedload(BusinessUnit.brm),
            joinedload(User.business_unit).joinedload(BusinessUnit.it_buddy),
        )
        .where(User.id == key, User.active.is_(True))
    ).unique().one_or_none()
    if row is None:
        return None
    user, user.unread_count = row
    return user
