"""Loading the signed-in person for each request."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import BusinessUnit, User


def load_user(user_id: str) -> User | None:
    """One query: the person with their roles, unit, unit's BRM and buddies."""
    try:
        key = int(user_id)
    except (TypeError, ValueError):
        return None
    return db.session.execute(
        select(User)
        .options(
            joinedload(User.role_grants),
            joinedload(User.it_buddy),
            joinedload(User.business_unit).joinedload(BusinessUnit.brm),
            joinedload(User.business_unit).joinedload(BusinessUnit.it_buddy),
        )
        .where(User.id == key, User.active.is_(True))
    ).unique().scalar_one_or_none()
