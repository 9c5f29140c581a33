"""Putting the figures together: a unit's health, and the portfolio of units side by side."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import BusinessUnit, Role, User
from tracker.relationships import health, metrics
from tracker.relationships.health import Health
from tracker.relationships.metrics import Window

SORTS = {
    "attention": "Needs attention first",
    "health": "Health score",
    "name": "Name",
    "open": "Open requests",
    "breaches": "Breaches",
    "csat": "Satisfaction",
    "touchpoint": "Last touchpoint",
}
QUIET_DAYS = 90  # no touchpoint for this long needs attention


def visible_units(user: User):
    """IT staff see every unit; a BRM sees the units they manage."""
    query = select(BusinessUnit).options(
        joinedload(BusinessUnit.brm), joinedload(BusinessUnit.it_buddy)
    )
    if not user.is_staff:
        # A former BRM (still named on the unit, role removed) sees none.
        query = query.where(BusinessUnit.brm_id == user.id, literal(user.has_role(Role.BRM)))
    return query.order_by(BusinessUnit.name)


@dataclass(frozen=True)
class UnitHealth:
    unit: BusinessUnit
    health: Health
    before: Health
    outcomes: metrics.Outcomes
    satisfaction: metrics.Satisfaction
    ideas: metrics.Ideas
    risky_tools: int | None
    contact: metrics.Contact
    today_days_since_touchpoint: int | None

    @property
    def trend(self) -> str:
        return health.trend(self.health, self.before)

    @property
    def reasons(self) -> list[str]:
        """Why the unit needs attention, in a few words each."""
        found = []
        if self.unit.brm_id is None:
            found.append("No BRM yet")
        if self.health.band == "at_risk":
            found.append("Low health score")
        if self.contact.overdue_actions:
            n = self.contact.overdue_actions
            found.append(f"{n} overdue action" + ("" if n == 1 else "s"))
        if self.contact.last is None:
            found.append("Never met")
        elif (self.today_days_since_touchpoint or 0) > QUIET_DAYS:
            found.append(f"No touchpoint for {self.today_days_since_touchpoint} days")
        if self.outcomes.breaching:
            found.append(f"{self.outcomes.breaching} breaching")
        if self.trend == "down":
            found.append("Getting worse")
        return found

    @property
    def needs_attention(self) -> bool:
        return bool(self.reasons) or self.health.band in ("watch", "unknown")


def assess_units(units: list[BusinessUnit], window: Window) -> list[UnitHealth]:
    """Health now and at the start of the window for each unit: six grouped queries."""
    ids = [unit.id for unit in units]
    if not ids:
        return []
    outcomes = metrics.outcomes(ids, window)
    satisfaction = metrics.satisfaction(ids, window)
    ideas = metrics.ideas(ids, window)
    risky = metrics.risky_tools(ids)
    contact = metrics.contact(ids, window)
    rows = []
    for unit in units:
        now, before = metrics.measures(
            unit.id, window, outcomes[unit.id], satisfaction[unit.id], ideas[unit.id],
            risky[unit.id], contact[unit.id],
        )
        rows.append(
            UnitHealth(
                unit, health.assess(now), health.assess(before), outcomes[unit.id],
                satisfaction[unit.id], ideas[unit.id], risky[unit.id], contact[unit.id],
                now.days_since_touchpoint,
            )
        )
    return rows


def _sort_key(sort: str):
    missing_last = 10**6
    keys = {
        "name": lambda r: r.unit.name.lower(),
        "health": lambda r: (r.health.score if r.health.score is not None else missing_last),
        "open": lambda r: -r.outcomes.open,
        "breaches": lambda r: -r.outcomes.breaching,
        "csat": lambda r: (r.satisfaction.average if r.satisfaction.average is not None
                           else missing_last),
        "touchpoint": lambda r: -(r.today_days_since_touchpoint
                                  if r.today_days_since_touchpoint is not None else missing_last),
        "attention": lambda r: (
            not r.needs_attention,
            -len(r.reasons),
            r.health.score if r.health.score is not None else -1,
            r.unit.name.lower(),
        ),
    }
    return keys[sort]


def portfolio(user: User, window: Window, sort: str = "attention") -> list[UnitHealth]:
    units = list(db.session.scalars(visible_units(user)).unique())
    rows = assess_units(units, window)
    return sorted(rows, key=_sort_key(sort if sort in SORTS else "attention"))
