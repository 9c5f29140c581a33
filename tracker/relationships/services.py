"""Who looks after whom: a person's BRM and IT buddy."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.models import User


@dataclass(frozen=True)
class ITPeople:
    """The people a person can turn to, and where the buddy assignment comes from."""

    brm: User | None
    buddy: User | None
    buddy_is_personal: bool


def it_people_for(user: User) -> ITPeople:
    """A personal IT buddy overrides the unit's; the BRM is always the unit's."""
    unit = user.business_unit
    if user.it_buddy is not None:
        return ITPeople(brm=unit.brm if unit else None, buddy=user.it_buddy, buddy_is_personal=True)
    return ITPeople(
        brm=unit.brm if unit else None,
        buddy=unit.it_buddy if unit else None,
        buddy_is_personal=False,
    )
