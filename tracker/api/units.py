"""Business units through the API, seen by whom the web shows them to.

IT staff see every unit and a BRM the units they manage (tracker/relationships:
`visible_units`, `can_view_unit`); for anyone else there are none, and a unit's URL
answers 404, as the unit dashboards do.
"""

from __future__ import annotations

from flask_login import current_user

from tracker.api import representations as show
from tracker.api import schemas
from tracker.api.blueprint import operation
from tracker.extensions import db
from tracker.relationships.access import load_unit_or_404
from tracker.relationships.overview import visible_units

TAG = "Business units"


@operation(
    "/units", "GET", summary="List business units", tag=TAG,
    responses={200: ("The units the caller may see, by name", schemas.BusinessUnitList)},
)
def list_units():
    """Every unit for IT staff; the units a BRM manages for a BRM; none for others."""
    units = db.session.scalars(visible_units(current_user)).unique()
    return schemas.BusinessUnitList(
        data=[show.business_unit(unit) for unit in units]
    ).model_dump(mode="json")


@operation(
    "/units/<int(max=2147483647):unit_id>", "GET", summary="Read a business unit", tag=TAG,
    responses={
        200: ("The unit, with its BRM and IT buddy", schemas.BusinessUnitOut),
        404: ("No such unit, or not one the caller may see", schemas.Error),
    },
)
def get_unit(unit_id: int):
    """One unit, for IT staff and the unit's BRM."""
    unit = load_unit_or_404(current_user, unit_id)
    return show.business_unit(unit).model_dump(mode="json")
