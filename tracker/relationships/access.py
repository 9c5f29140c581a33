"""Who may see a unit's relationship and who may look after it."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import BusinessUnit, Role, User
from tracker.models.requests import parse_id


def is_brm_of(user: User, unit: BusinessUnit) -> bool:
    """Named as the unit's BRM and still holding the role (a former BRM has no access)."""
    return unit.brm_id == user.id and user.has_role(Role.BRM)


def brm_unit_ids(user: User) -> Select:
    """The ids of the units this person manages as BRM (none once the role is gone)."""
    if not user.has_role(Role.BRM):
        return select(BusinessUnit.id).where(false())
    return select(BusinessUnit.id).where(BusinessUnit.brm_id == user.id)


def can_view_unit(user: User, unit: BusinessUnit) -> bool:
    """Dashboards are for the relationship owners: IT staff and the unit's BRM."""
    return user.is_authenticated and (user.is_staff or is_brm_of(user, unit))


def can_log_touchpoints(user: User, unit: BusinessUnit) -> bool:
    """The unit's BRM and IT buddy keep the touchpoint log; administrators can help."""
    return user.is_authenticated and (
        is_brm_of(user, unit)
        or (unit.it_buddy_id == user.id and user.is_staff)
        or user.has_role(Role.ADMIN)
    )


def can_send_pulse(user: User, unit: BusinessUnit) -> bool:
    """The unit's BRM sends the quarterly pulse; administrators can too."""
    return user.is_authenticated and (is_brm_of(user, unit) or user.has_role(Role.ADMIN))


def load_unit_or_404(user: User, unit_id, check=can_view_unit) -> BusinessUnit:
    """The unit, with its BRM and buddy, if `check` allows this person; 404 otherwise."""
    key = parse_id(str(unit_id))
    unit = None
    if key is not None:
        unit = db.session.scalar(
            select(BusinessUnit)
            .options(joinedload(BusinessUnit.brm), joinedload(BusinessUnit.it_buddy))
            .where(BusinessUnit.id == key)
        )
    if unit is None or not check(user, unit):
        abort(404)
    return unit
