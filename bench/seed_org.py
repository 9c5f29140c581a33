"""The organisation: 20 units, 8 IT teams, IT staff, BRMs and 2,000 requesters."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bench.data import (
    AGENT_EMAIL,
    CATEGORY_TEAMS,
    HISTORY_DAYS,
    REQUESTER_COUNT,
    REQUESTER_EMAIL,
    STAFF_COUNT,
    TEAMS,
    UNITS,
    person_name,
)
from tracker.models import BusinessUnit, Category, ITTeam, RoleGrant, User, team_members


@dataclass
class Org:
    staff_ids: list[int]
    team_ids: dict[str, int]
    team_staff: dict[int, list[int]]
    requester_units: list[tuple[int, int]]  # (user id, unit id)
    category_ids: dict[str, int]
    agent_id: int
    busy_requester: tuple[int, int]  # (user id, unit id) of the person with many requests
    unit_ids: list[int]


def insert_batches(conn, table, rows: list[dict], batch: int) -> None:
    """executemany in batches (Core, no ORM objects)."""
    for start in range(0, len(rows), batch):
        conn.execute(table.insert(), rows[start : start + batch])


def insert_org(conn, rng: random.Random, password_hash: str, now: datetime, batch: int) -> Org:
    """Units, teams, people with their roles, team membership and category routing."""
    units, teams = BusinessUnit.__table__, ITTeam.__table__
    categories = Category.__table__
    long_ago = now - timedelta(days=HISTORY_DAYS + 30)

    unit_ids = list(range(1, len(UNITS) + 1))
    conn.execute(units.insert(), [
        {"id": i, "name": name, "description": f"The {name} unit.",
         "objectives": f"Keep {name} running smoothly\nFewer repeat problems\n"
                       "Faster onboarding for new starters",
         "brm_id": None, "it_buddy_id": None, "created_at": long_ago}
        for i, name in zip(unit_ids, UNITS, strict=True)
    ])
    team_ids = {name: i for i, name in enumerate(TEAMS, start=1)}
    conn.execute(teams.insert(), [
        {"id": i, "name": name, "description": f"{name} team.", "created_at": long_ago}
        for name, i in team_ids.items()
    ])

    user_rows: list[dict] = []
    role_rows: list[dict] = []

    def add_user(uid, email, name, title, unit_id, roles, buddy=None):
        user_rows.append({
            "id": uid, "email": email, "display_name": name, "job_title": title,
            "phone": f"+44 20 7946 {rng.randint(1000, 9999)}", "password_hash": password_hash,
            "active": True, "business_unit_id": unit_id, "it_buddy_id": buddy,
            "created_at": long_ago, "last_login_at": None,
        })
        role_rows.extend({"user_id": uid, "role": role} for role in roles)

    # IT staff: ids 1..40; the first is the agent the benchmark signs in as.
    staff_ids = list(range(1, STAFF_COUNT + 1))
    for uid in staff_ids:
        email, name = (AGENT_EMAIL, "Bench Agent") if uid == 1 else (
            f"staff{uid}@bench.example", person_name(rng))
        extra = ("agent", "buddy") if uid % 3 == 1 else ("agent",)
        add_user(uid, email, name, "IT support engineer", None, ("requester", *extra))
    brm_ids = [STAFF_COUNT + 1, STAFF_COUNT + 2]  # two BRMs, not IT staff
    for uid in brm_ids:
        add_user(uid, f"brm{uid}@bench.example", person_name(rng),
                 "Business relationship manager", None, ("requester", "brm"))
    buddies = [uid for uid in staff_ids if uid % 3 == 1]
    requester_units = []
    first_requester = STAFF_COUNT + len(brm_ids) + 1
    for uid in range(first_requester, first_requester + REQUESTER_COUNT):
        unit_id = rng.choice(unit_ids)
        buddy = rng.choice(buddies) if rng.random() < 0.02 else None
        email = REQUESTER_EMAIL if uid == first_requester else f"person{uid}@bench.example"
        add_user(uid, email, person_name(rng), "Employee", unit_id, ("requester",), buddy)
        requester_units.append((uid, unit_id))
    insert_batches(conn, User.__table__, user_rows, batch)
    insert_batches(conn, RoleGrant.__table__, role_rows, batch)

    for i, unit_id in enumerate(unit_ids):
        conn.execute(
            units.update()
            .where(units.c.id == unit_id)
            .values(brm_id=brm_ids[i % len(brm_ids)], it_buddy_id=buddies[i % len(buddies)])
        )

    # Five people per team, and a quarter of the staff in a second team as well.
    team_staff: dict[int, list[int]] = defaultdict(list)
    team_list = list(team_ids.values())
    for index, uid in enumerate(staff_ids):
        team_staff[team_list[index % len(team_list)]].append(uid)
        if rng.random() < 0.25:
            other = rng.choice(team_list)
            if uid not in team_staff[other]:
                team_staff[other].append(uid)
    conn.execute(team_members.insert(), [
        {"team_id": t, "user_id": u} for t, members in team_staff.items() for u in members
    ])

    category_ids = dict(conn.execute(select(categories.c.slug, categories.c.id)).all())
    for slug, team_name in CATEGORY_TEAMS.items():
        conn.execute(
            categories.update()
            .where(categories.c.slug == slug)
            .values(default_team_id=team_ids[team_name])
        )
    return Org(
        staff_ids=staff_ids, team_ids=team_ids, team_staff=dict(team_staff),
        requester_units=requester_units, category_ids=category_ids, agent_id=1,
        busy_requester=requester_units[0], unit_ids=unit_ids,
    )
