"""Benchmark of the triage board on a realistically sized database.

Builds a fresh database with the real migrations, fills it with an organisation and N
requests using bulk Core inserts, then measures the board's pages in-process with the
Flask test client (signed in as an agent through the real login): p50/p95 latency, SQL
statements per request, where the SQL time goes, and the query plans of the board's two
main queries.

    .venv/bin/python bench/board.py --requests 10000
    .venv/bin/python bench/board.py --requests 100000 --json out.json
    .venv/bin/python bench/board.py --requests 100000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/rapport_bench --reset

See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from bisect import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url

from tracker import create_app
from tracker.auth.passwords import hash_password
from tracker.config import TestConfig
from tracker.demo import REQUEST_TEXTS, REQUESTER_REPLIES, STAFF_REPLIES
from tracker.extensions import db
from tracker.models import (
    BusinessUnit,
    Category,
    ITTeam,
    NextAction,
    RequestEvent,
    RoleGrant,
    ServiceRequest,
    SurveyInvitation,
    SurveyResponse,
    Touchpoint,
    User,
    team_members,
)
from tracker.models.requests import format_reference
from tracker.service_requests.services import derive_priority
from tracker.service_requests.sla import DEFAULT_TARGETS, RISK_SHARE

BENCH_PASSWORD = "bench-password"  # noqa: S105 - a throwaway benchmark account
AGENT_EMAIL = "agent@bench.example"
BOARD_TARGET_MS = 50.0
DASHBOARD_TARGET_MS = 100.0
PORTFOLIO_TARGET_MS = 150.0
SURVEY_SHARE = 0.3  # closed requests whose satisfaction survey was answered
TOUCHPOINTS_PER_UNIT = 8
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
IGNORED_STATEMENTS = ("BEGIN", "SAVEPOINT", "RELEASE")

# --- the organisation ---------------------------------------------------------------

UNITS = (
    "Finance",
    "Sales",
    "Operations",
    "People & Culture",
    "Customer Care",
    "Legal & Compliance",
    "Marketing",
    "Procurement",
    "Facilities",
    "Research & Development",
    "Product",
    "Engineering",
    "Quality Assurance",
    "Logistics",
    "Customer Success",
    "Internal Audit",
    "Treasury",
    "Communications",
    "Data & Analytics",
    "Strategy",
)
TEAMS = (
    "Service Desk",
    "Workplace & Devices",
    "Identity & Access",
    "Business Applications",
    "Network & Telecoms",
    "Infrastructure & Cloud",
    "Security Operations",
    "Data & Reporting",
)
CATEGORY_TEAMS = {
    "broken": "Workplace & Devices",
    "access": "Identity & Access",
    "new": "Workplace & Devices",
    "question": "Service Desk",
    "idea": "Business Applications",
}
FIRST_NAMES = (
    "Alex", "Sam", "Priya", "Rosa", "Tom", "Mei", "Jonas", "Aisha", "Mark", "Nina", "Owen",
    "Carla", "Daniel", "Fatima", "George", "Hana", "Ivan", "Julia", "Kofi", "Laura", "Miguel",
    "Noor", "Oliver", "Paula", "Quentin", "Rita", "Stefan", "Tara", "Umar", "Vera", "Will",
    "Yusuf", "Zoe", "Ben", "Chloe", "Dev", "Elena", "Finn", "Grace", "Hugo",
)
LAST_NAMES = (
    "Morgan", "Okafor", "Natarajan", "Jiménez", "Baker", "Chen", "Berg", "Khan", "Ellis",
    "Petrov", "Hughes", "Rossi", "Kim", "Zahra", "Adams", "Sato", "Novak", "Martin", "Mensah",
    "Weiss", "Santos", "Haddad", "Grant", "Costa", "Dubois", "Larsen", "Nowak", "Silva",
    "Fischer", "Murphy", "Ivanova", "Moreau", "Tanaka", "Singh", "Walsh", "Horvat",
)
PLACES = (
    "London office", "Leeds warehouse", "Bristol site", "working from home", "3rd floor",
    "meeting room B", "Building 2", "the contact centre",
)
STAFF_COUNT = 40
REQUESTER_COUNT = 2000

# --- the requests ---------------------------------------------------------------------

# ~92% closed, ~2% resolved, the rest open.
STAGE_WEIGHTS = {
    "closed": 92.0,
    "resolved": 2.0,
    "new": 1.3,
    "triaged": 0.9,
    "in_progress": 2.5,
    "waiting_on_requester": 1.3,
}
CATEGORY_WEIGHTS = {"broken": 40, "access": 25, "new": 18, "question": 12, "idea": 5}
IMPACT_WEIGHTS = {"just_me": 65, "my_team": 25, "whole_unit": 10}
URGENCY_WEIGHTS = {"workaround": 30, "slowed": 50, "blocked": 20}
# The SLA state an open, running request is generated in (the clock is placed to match).
RUNNING_STATE_WEIGHTS = {"on_track": 50, "at_risk": 15, "breached": 35}
COMMENT_COUNT_WEIGHTS = {0: 25, 1: 35, 2: 25, 3: 15}
# SLA targets are working minutes; as plain wall-clock offsets, a working minute is
# stretched by this much (8 working hours a day, five days a week ~ x4; x3 keeps it simple).
WALL_CLOCK_STRETCH = 3
HISTORY_DAYS = 730


def weighted(rng: random.Random, weights: dict):
    """A fast weighted choice from a {value: weight} mapping (cumulative table cached)."""
    table = _CUMULATIVE.get(id(weights))
    if table is None:
        table = (list(weights), list(accumulate(weights.values())))
        _CUMULATIVE[id(weights)] = table
    values, cumulative = table
    return values[bisect(cumulative, rng.random() * cumulative[-1])]


_CUMULATIVE: dict[int, tuple[list, list[float]]] = {}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ======================================================================================
# Database set-up
# ======================================================================================


def prepare_database(args) -> tuple[str, str | None]:
    """The URL to use (created if needed), refusing to wipe data unless --reset is given.

    Returns (url, the temporary directory holding the SQLite file, or None).
    """
    tmpdir = None
    if args.database_url:
        url = args.database_url
    else:
        if args.database:
            path = Path(args.database).resolve()
        else:
            tmpdir = tempfile.mkdtemp(prefix="rapport-bench-")
            path = Path(tmpdir) / "bench.sqlite3"
        if path.exists() and not args.reuse:
            if not args.reset:
                sys.exit(f"{path} exists: pass --reset to rebuild it or --reuse to measure it.")
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"

    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        _ensure_postgres_database(url)
        engine = create_engine(url)
        try:
            tables = inspect(engine).get_table_names()
            if tables and not args.reuse:
                if not args.reset:
                    sys.exit(
                        f"database {parsed.database!r} has tables: pass --reset to drop "
                        "everything in it, or --reuse to measure it as it is."
                    )
                with engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
    return url, tmpdir


def _ensure_postgres_database(url: str) -> None:
    parsed = make_url(url)
    name = parsed.database
    if not name or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        sys.exit(f"a plain PostgreSQL database name is needed, got {name!r}")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                progress(f"creating PostgreSQL database {name}")
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()


# ======================================================================================
# Data
# ======================================================================================


@dataclass
class Org:
    staff_ids: list[int]
    team_ids: dict[str, int]
    team_staff: dict[int, list[int]]
    requester_units: list[tuple[int, int]]  # (user id, unit id)
    category_ids: dict[str, int]
    agent_id: int


@dataclass
class Counts:
    requests: int = 0
    events: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    survey_answers: int = 0
    open_sla: dict[str, int] = field(default_factory=dict)


def insert_batches(conn, table, rows: list[dict], batch: int) -> None:
    """executemany in batches (Core, no ORM objects)."""
    for start in range(0, len(rows), batch):
        conn.execute(table.insert(), rows[start : start + batch])


def populate(app: Flask, n_requests: int, seed: int, batch: int, now: datetime) -> Counts:
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not security
    password_hash = hash_password(BENCH_PASSWORD)
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            org = _insert_org(conn, rng, password_hash, now, batch)
            counts = _insert_requests(conn, rng, org, n_requests, now, batch)
            if engine.dialect.name == "postgresql":
                for table in ("business_units", "it_teams", "users", "service_requests",
                              "survey_invitations", "touchpoints"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
        progress("analysing")
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        engine.dispose()
    return counts


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _insert_org(conn, rng, password_hash: str, now: datetime, batch: int) -> Org:
    units = BusinessUnit.__table__
    teams = ITTeam.__table__
    users = User.__table__
    roles = RoleGrant.__table__
    categories = Category.__table__
    long_ago = now - timedelta(days=HISTORY_DAYS + 30)

    unit_ids = list(range(1, len(UNITS) + 1))
    conn.execute(
        units.insert(),
        [
            {"id": i, "name": name, "description": f"The {name} unit.", "brm_id": None,
             "it_buddy_id": None, "created_at": long_ago}
            for i, name in zip(unit_ids, UNITS, strict=True)
        ],
    )
    team_ids = {name: i for i, name in enumerate(TEAMS, start=1)}
    conn.execute(
        teams.insert(),
        [
            {"id": i, "name": name, "description": f"{name} team.", "created_at": long_ago}
            for name, i in team_ids.items()
        ],
    )

    user_rows, role_rows = [], []

    def add_user(uid, email, name, title, unit_id, roles_of, buddy=None):
        user_rows.append({
            "id": uid, "email": email, "display_name": name, "job_title": title,
            "phone": f"+44 20 7946 {rng.randint(1000, 9999)}", "password_hash": password_hash,
            "active": True, "business_unit_id": unit_id, "it_buddy_id": buddy,
            "created_at": long_ago, "last_login_at": None,
        })
        role_rows.extend({"user_id": uid, "role": role} for role in roles_of)

    # IT staff: ids 1..40; the first is the agent the benchmark signs in as.
    staff_ids = list(range(1, STAFF_COUNT + 1))
    for uid in staff_ids:
        if uid == 1:
            email, name = AGENT_EMAIL, "Bench Agent"
        else:
            email, name = f"staff{uid}@bench.example", _person_name(rng)
        extra = ("agent", "buddy") if uid % 3 == 1 else ("agent",)
        add_user(uid, email, name, "IT support engineer", None, ("requester", *extra))
    # Two business relationship managers (not IT staff).
    brm_ids = [STAFF_COUNT + 1, STAFF_COUNT + 2]
    for uid in brm_ids:
        add_user(uid, f"brm{uid}@bench.example", _person_name(rng),
                 "Business relationship manager", None, ("requester", "brm"))
    buddies = [uid for uid in staff_ids if uid % 3 == 1]
    requester_units = []
    first_requester = STAFF_COUNT + len(brm_ids) + 1
    for uid in range(first_requester, first_requester + REQUESTER_COUNT):
        unit_id = rng.choice(unit_ids)
        buddy = rng.choice(buddies) if rng.random() < 0.02 else None
        add_user(uid, f"person{uid}@bench.example", _person_name(rng), "Employee", unit_id,
                 ("requester",), buddy)
        requester_units.append((uid, unit_id))
    insert_batches(conn, users, user_rows, batch)
    insert_batches(conn, roles, role_rows, batch)

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
    conn.execute(
        team_members.insert(),
        [{"team_id": t, "user_id": u} for t, members in team_staff.items() for u in members],
    )

    category_ids = dict(conn.execute(select(categories.c.slug, categories.c.id)).all())
    for slug, team_name in CATEGORY_TEAMS.items():
        conn.execute(
            categories.update()
            .where(categories.c.slug == slug)
            .values(default_team_id=team_ids[team_name])
        )
    progress(f"organisation: {len(UNITS)} units, {len(TEAMS)} teams, {len(staff_ids)} IT staff, "
             f"{REQUESTER_COUNT} requesters, {len(category_ids)} categories")
    return Org(staff_ids, team_ids, dict(team_staff), requester_units, category_ids, 1)


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value * WALL_CLOCK_STRETCH)


def _make_request(rng: random.Random, org: Org, now: datetime) -> tuple[dict, list[dict], str]:
    """One request row (without id), its events (without request id) and its SLA state."""
    stage = weighted(rng, STAGE_WEIGHTS)
    slug = weighted(rng, CATEGORY_WEIGHTS)
    title, description = rng.choice(REQUEST_TEXTS[slug])
    if rng.random() < 0.5:
        title = f"{title} ({rng.choice(PLACES)})"
    if rng.random() < 0.3:
        description += f" It happens at the {rng.choice(PLACES)} too."
    requester_id, unit_id = rng.choice(org.requester_units)
    impact = weighted(rng, IMPACT_WEIGHTS)
    urgency = weighted(rng, URGENCY_WEIGHTS)
    priority = derive_priority(impact, urgency)
    response_minutes, resolution_minutes = DEFAULT_TARGETS[priority]

    # Team and assignee: mostly the category's team; new requests often not routed yet.
    roll = rng.random()
    if stage == "new" and roll < 0.4:
        team_id = None
    elif roll < 0.75:
        team_id = org.team_ids[CATEGORY_TEAMS[slug]]
    elif roll < 0.97:
        team_id = rng.choice(list(org.team_ids.values()))
    else:
        team_id = None
    unassigned_share = {"new": 0.8, "triaged": 0.4}.get(stage, 0.03)
    if rng.random() < unassigned_share:
        assignee_id = None
    else:
        pool = org.team_staff.get(team_id) if team_id else None
        assignee_id = rng.choice(pool or org.staff_ids)

    answered = stage != "new" and not (stage == "triaged" and rng.random() < 0.5)
    sla_state = "done"
    resolved_at = closed_at = paused_at = None
    if stage == "closed":
        created = now - timedelta(days=3 + rng.random() * (HISTORY_DAYS - 3))
        late = rng.random() < 0.15
        took = resolution_minutes * (1 + rng.random() * 2 if late else 0.1 + rng.random() * 0.9)
        resolved_at = min(created + _minutes(took), now - timedelta(days=2))
        closed_at = min(resolved_at + timedelta(days=rng.uniform(0.2, 5)), now - timedelta(hours=1))
        paused_at = resolved_at
    elif stage == "resolved":
        resolved_at = now - timedelta(days=rng.random() * 5)
        created = resolved_at - _minutes(resolution_minutes * (0.1 + rng.random() * 1.5))
        paused_at = resolved_at
    elif stage == "waiting_on_requester":
        created = now - timedelta(hours=1 + rng.random() * 24 * 30)
        paused_at = created + (now - created) * rng.uniform(0.2, 0.9)
        sla_state = "paused"
    else:
        sla_state = weighted(rng, RUNNING_STATE_WEIGHTS)
        target = resolution_minutes if answered else response_minutes
        span = _minutes(target)
        if sla_state == "on_track":
            age = span * (RISK_SHARE * rng.random() * 0.98)
        elif sla_state == "at_risk":
            age = span * (RISK_SHARE + (1 - RISK_SHARE) * (0.02 + rng.random() * 0.96))
        else:  # breached: just now, or long forgotten
            age = span * 1.02 + timedelta(days=min(rng.expovariate(1 / 7), 300))
        created = now - age

    first_response_at = None
    if answered:
        first_response_at = created + _minutes(response_minutes * rng.uniform(0.05, 0.95))
        first_response_at = min(first_response_at, paused_at or now, now)
    first_response_due = created + _minutes(response_minutes)
    resolution_due = created + _minutes(resolution_minutes)
    if first_response_at is None:
        sla_due, warn_minutes = first_response_due, response_minutes * RISK_SHARE
    else:
        sla_due, warn_minutes = resolution_due, resolution_minutes * RISK_SHARE

    # Timeline: "created", then 0-3 comments between filing and the end (or now).
    end = closed_at or resolved_at or now
    events = [{"actor_id": requester_id, "kind": "created", "internal": False, "body": None,
               "created_at": created}]
    staff_member = assignee_id or rng.choice(org.staff_ids)
    moments = sorted(
        created + (end - created) * rng.random()
        for _ in range(weighted(rng, COMMENT_COUNT_WEIGHTS))
    )
    for index, moment in enumerate(moments):
        from_staff = index % 2 == 0
        events.append({
            "actor_id": staff_member if from_staff else requester_id,
            "kind": "comment",
            "internal": False,
            "body": rng.choice(STAFF_REPLIES if from_staff else REQUESTER_REPLIES),
            "created_at": moment,
        })
    last = max(events[-1]["created_at"], closed_at or created, resolved_at or created)

    row = {
        "title": title,
        "description": description,
        "category_id": org.category_ids[slug],
        "requester_id": requester_id,
        "business_unit_id": unit_id,
        "impact": impact,
        "urgency": urgency,
        "priority": priority,
        "priority_overridden": False,
        "stage": stage,
        "assignee_id": assignee_id,
        "team_id": team_id,
        "created_at": created,
        "updated_at": last,
        "last_activity_at": last,
        "first_response_at": first_response_at,
        "resolved_at": resolved_at,
        "closed_at": closed_at,
        "reopen_count": 0,
        "first_response_due_at": first_response_due,
        "resolution_due_at": resolution_due,
        "sla_due_at": sla_due,
        "sla_warn_at": created + _minutes(warn_minutes),
        "sla_paused_at": paused_at,
        "sla_paused_seconds": 0,
        "idempotency_key": None,
        "version": 1,
    }
    return row, events, sla_state


def _insert_requests(conn, rng, org: Org, n: int, now: datetime, batch: int) -> Counts:
    started = time.perf_counter()
    made = [_make_request(rng, org, now) for _ in range(n)]
    made.sort(key=lambda item: item[0]["created_at"])  # ids follow filing order
    request_rows, event_rows = [], []
    counts = Counts(requests=n)
    by_stage: dict[str, int] = defaultdict(int)
    open_sla: dict[str, int] = defaultdict(int)
    for request_id, (row, events, state) in enumerate(made, start=1):
        row["id"] = request_id
        request_rows.append(row)
        by_stage[row["stage"]] += 1
        if state != "done":
            open_sla[state] += 1
        for item in events:
            item["request_id"] = request_id
            item.update(old_value=None, new_value=None, idempotency_key=None)
            event_rows.append(item)
    event_rows.sort(key=lambda item: item["created_at"])
    progress(f"generated {n} requests and {len(event_rows)} events "
             f"in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    insert_batches(conn, ServiceRequest.__table__, request_rows, batch)
    progress(f"inserted requests in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    insert_batches(conn, RequestEvent.__table__, event_rows, batch)
    progress(f"inserted events in {time.perf_counter() - started:.1f} s")
    counts.events = len(event_rows)
    started = time.perf_counter()
    counts.survey_answers = _insert_feedback(conn, rng, request_rows, batch)
    _insert_touchpoints(conn, rng, now)
    progress(f"inserted {counts.survey_answers} survey answers and touchpoints "
             f"in {time.perf_counter() - started:.1f} s")
    counts.by_stage = dict(sorted(by_stage.items()))
    counts.open_sla = dict(sorted(open_sla.items()))
    return counts


def _insert_feedback(conn, rng, request_rows: list[dict], batch: int) -> int:
    """Answered satisfaction surveys for a share of the closed requests."""
    invitations, responses = [], []
    for row in request_rows:
        if row["stage"] != "closed" or rng.random() >= SURVEY_SHARE:
            continue
        answered = row["resolved_at"] + timedelta(hours=rng.uniform(1, 72))
        shared = {
            "request_id": row["id"], "agent_id": row["assignee_id"], "team_id": row["team_id"],
            "business_unit_id": row["business_unit_id"],
        }
        invitations.append({
            "id": len(invitations) + 1, **shared, "requester_id": row["requester_id"],
            "token_hash": f"{row['id']:064x}", "created_at": row["resolved_at"],
            "expires_at": row["resolved_at"] + timedelta(days=30), "answered_at": answered,
        })
        responses.append({
            "invitation_id": len(invitations), **shared,
            "score": rng.choices([5, 4, 3, 2, 1], weights=[40, 30, 15, 10, 5])[0],
            "comment": rng.choice(("", "", "Quick and friendly, thanks.", "Took a while.")),
            "created_at": answered, "action_id": None,
        })
    insert_batches(conn, SurveyInvitation.__table__, invitations, batch)
    insert_batches(conn, SurveyResponse.__table__, responses, batch)
    return len(responses)


def _insert_touchpoints(conn, rng, now: datetime) -> None:
    """A touchpoint log for every unit, each meeting with two agreed actions."""
    touchpoints, actions = [], []
    for unit_id in range(1, len(UNITS) + 1):
        for _ in range(TOUCHPOINTS_PER_UNIT):
            days = rng.randint(3, 400)
            touchpoints.append({
                "id": len(touchpoints) + 1, "business_unit_id": unit_id,
                "happened_on": (now - timedelta(days=days)).date(), "kind": "meeting",
                "attendees": "The unit head, the BRM", "notes": "Regular catch-up.",
                "created_by_id": None, "created_at": now - timedelta(days=days),
            })
            for n in range(2):
                actions.append({
                    "touchpoint_id": len(touchpoints), "business_unit_id": unit_id,
                    "description": f"Follow-up {n + 1}", "owner": "The BRM",
                    "due_on": (now - timedelta(days=days - 14)).date(),
                    "done_at": None if rng.random() < 0.2 else now - timedelta(days=days - 10),
                    "done_by_id": None,
                })
    conn.execute(Touchpoint.__table__.insert(), touchpoints)
    conn.execute(NextAction.__table__.insert(), actions)


def describe_database(app: Flask) -> Counts:
    """Counts of an existing benchmark database (for --reuse)."""
    with app.app_context():
        sr = ServiceRequest.__table__
        by_stage = dict(
            db.session.execute(select(sr.c.stage, db.func.count()).group_by(sr.c.stage)).all()
        )
        events = db.session.scalar(select(db.func.count()).select_from(RequestEvent.__table__))
        db.session.remove()
    return Counts(requests=sum(by_stage.values()), events=events or 0,
                  by_stage=dict(sorted(by_stage.items())))


# ======================================================================================
# Measuring
# ======================================================================================


class StatementLog:
    """Counts and times the SQL statements an engine runs (BEGIN/SAVEPOINT/RELEASE aside)."""

    def __init__(self, engine):
        self.engine = engine
        self.entries: list[tuple[str, object, float]] = []
        self._started: float | None = None

    def _before(self, _conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(IGNORED_STATEMENTS):
            self._started = None
            return
        self._started = time.perf_counter()
        self.entries.append((statement, parameters, 0.0))

    def _after(self, _conn, _cursor, _statement, _parameters, _context, _many):
        if self._started is not None and self.entries:
            statement, parameters, _ = self.entries[-1]
            self.entries[-1] = (statement, parameters, time.perf_counter() - self._started)
            self._started = None

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def take(self) -> list[tuple[str, object, float]]:
        entries, self.entries = self.entries, []
        return entries


class Phases:
    """Times the board's phases by wrapping module functions for the duration.

    "data" is `board_context` (every query plus ORM loading, and the list's paginate),
    "render" the template (page or htmx fragment). GC pauses are timed via gc.callbacks.
    Nothing in tracker/ is changed: the wrappers are set on the modules and removed.
    """

    def __init__(self):
        self.times: dict[str, float] = defaultdict(float)
        self.gc_pauses: list[tuple[int, float]] = []
        self._gc_started = 0.0
        self._saved: list[tuple[object, str, object]] = []

    def _wrap(self, module, name: str, phase: str) -> None:
        original = getattr(module, name)
        times = self.times

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                times[phase] += time.perf_counter() - started

        self._saved.append((module, name, original))
        setattr(module, name, timed)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append((info["generation"], time.perf_counter() - self._gc_started))

    def __enter__(self):
        from tracker.triage import actions, views

        self._wrap(views, "board_context", "data")
        self._wrap(views, "render", "render")
        self._wrap(actions, "render", "render")
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *_exc):
        gc.callbacks.remove(self._on_gc)
        for module, name, original in reversed(self._saved):
            setattr(module, name, original)
        self._saved.clear()

    def take(self) -> tuple[dict[str, float], list[tuple[int, float]]]:
        times, pauses = dict(self.times), self.gc_pauses
        self.times.clear()
        self.gc_pauses = []
        return times, pauses


def label(statement: str) -> str:
    """A short name for a statement, to tell where the time goes."""
    s = " ".join(statement.split())
    checks = (
        ("UNION ALL", "board cards"),
        ("GROUP BY service_requests.stage", "stage counts"),
        ("GROUP BY service_requests.assignee_id", "workload"),
        ("FROM saved_views", "saved views"),
        ("FROM sla_policies", "SLA policies"),
        ("FROM business_hours", "business hours"),
        ("FROM it_teams ORDER BY", "options: teams"),
        ("FROM business_units ORDER BY", "options: units"),
        ("FROM categories ORDER BY", "options: categories"),
        ("SELECT user_roles.user_id", "options: staff"),
        ("UPDATE service_requests", "update request"),
        ("INSERT INTO request_events", "insert event"),
    )
    for needle, name in checks:
        if needle in s:
            return name
    if "FROM users" in s and "users.id =" in s and "user_roles" in s:
        return "load user"
    if re.match(r"SELECT count\(\*\) (AS \w+ )?FROM \(SELECT service_requests", s):
        return "list count"
    if "FROM service_requests" in s and "LIMIT" in s and "ORDER BY" in s:
        return "list page"
    if "FROM service_requests" in s and "service_requests.id IN" in s:
        return "cards by id"
    if "FROM service_requests" in s and "WHERE service_requests.id =" in s:
        return "load request"
    if "FROM users" in s and "WHERE users.id =" in s:
        return "load user by id"
    return s[:60]


@dataclass
class Result:
    name: str
    path: str
    runs: list[float]
    queries: list[int]
    sql: list[float]
    per_statement: dict[str, list[float]]
    status: int
    data: list[float]
    render: list[float]
    gc_ms: list[float]
    gen2: int

    @property
    def p50(self) -> float:
        return percentile(self.runs, 50)

    @property
    def p95(self) -> float:
        return percentile(self.runs, 95)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "path": self.path,
            "status": self.status,
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "mean_ms": round(statistics.fmean(self.runs), 2),
            "max_ms": round(max(self.runs), 2),
            "queries": sorted(set(self.queries)),
            "sql_execute_p50_ms": round(percentile(self.sql, 50), 2),
            "statements_p50_ms": {
                key: round(percentile(values, 50), 3)
                for key, values in self.per_statement.items()
            },
            "data_p50_ms": round(percentile(self.data, 50), 2),
            "render_p50_ms": round(percentile(self.render, 50), 2),
            "gc_pause_total_ms": round(sum(self.gc_ms), 2),
            "gc_pause_max_ms": round(max(self.gc_ms), 2),
            "gc_gen2_collections": self.gen2,
            "runs_ms": [round(r, 3) for r in self.runs],
        }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


class Bench:
    def __init__(self, app: Flask, warmup: int, runs: int):
        self.app = app
        self.warmup = warmup
        self.runs = runs
        self.client = app.test_client()
        with app.app_context():
            self.engine = db.engine
        self.log = StatementLog(self.engine)

    def login(self) -> None:
        page = self.client.get("/login")
        token = CSRF_META.search(page.get_data(as_text=True)).group(1)
        response = self.client.post(
            "/login",
            data={"email": AGENT_EMAIL, "password": BENCH_PASSWORD, "csrf_token": token},
        )
        if response.status_code != 302:
            sys.exit(f"signing in failed with {response.status_code}")
        check = self.client.get("/board")
        if check.status_code != 200:
            sys.exit(f"/board answered {check.status_code} after signing in")
        self.csrf = CSRF_META.search(check.get_data(as_text=True)).group(1)

    def _measure(self, name: str, path: str, call) -> Result:
        """Warm up, then time `call(i)` runs, counting and timing statements in each."""
        status = 0
        for i in range(self.warmup):
            status = call(i).status_code
            if status != 200:
                sys.exit(f"{name}: {path} answered {status} during warm-up")
        runs, queries, sql, data, render, gc_ms = [], [], [], [], [], []
        gen2 = 0
        per_statement: dict[str, list[float]] = defaultdict(list)
        gc.collect()
        with self.log, Phases() as phases:
            for i in range(self.warmup, self.warmup + self.runs):
                self.log.take()
                phases.take()
                started = time.perf_counter()
                response = call(i)
                elapsed = (time.perf_counter() - started) * 1000
                entries = self.log.take()
                times, pauses = phases.take()
                data.append(times.get("data", 0.0) * 1000)
                render.append(times.get("render", 0.0) * 1000)
                gc_ms.append(sum(p[1] for p in pauses) * 1000)
                gen2 += sum(1 for p in pauses if p[0] == 2)
                status = response.status_code
                if status != 200:
                    sys.exit(f"{name}: {path} answered {status}")
                runs.append(elapsed)
                queries.append(len(entries))
                sql.append(sum(e[2] for e in entries) * 1000)
                seen: dict[str, int] = defaultdict(int)
                for statement, _params, seconds in entries:
                    key = label(statement)
                    seen[key] += 1
                    if seen[key] > 1:
                        key = f"{key} #{seen[key]}"
                    per_statement[key].append(seconds * 1000)
        return Result(name, path, runs, queries, sql, dict(per_statement), status,
                      data, render, gc_ms, gen2)

    def get(self, name: str, path: str) -> Result:
        progress(f"measuring {name}: GET {path}")
        return self._measure(name, path, lambda _i: self.client.get(path))

    def assign(self, name: str) -> Result:
        """Assign to me via htmx, each time on another open request, with its version."""
        total = self.warmup + self.runs
        with self.app.app_context():
            sr = ServiceRequest.__table__
            agent_id = db.session.scalar(select(User.id).where(User.email == AGENT_EMAIL))
            candidates = db.session.execute(
                select(sr.c.id, sr.c.version)
                .where(
                    sr.c.stage.in_(["new", "triaged", "in_progress", "waiting_on_requester"]),
                    (sr.c.assignee_id.is_(None)) | (sr.c.assignee_id != agent_id),
                )
                .order_by(sr.c.id)
            ).all()
            db.session.remove()
        if len(candidates) < total:
            sys.exit(f"only {len(candidates)} open requests to assign, {total} needed")
        pool = random.Random(7).sample(candidates, total)  # noqa: S311 - not security
        path = "/board/requests/<REF>/assign"
        progress(f"measuring {name}: POST {path} (htmx)")

        def call(i: int):
            request_id, version = pool[i]
            return self.client.post(
                f"/board/requests/{format_reference(request_id)}/assign",
                data={"version": str(version), "ctx": "card", "next": "/board",
                      "assignee": "me"},
                headers={"HX-Request": "true", "X-CSRFToken": self.csrf},
            )

        return self._measure(name, path, call)


def pick_filters(app: Flask) -> dict[str, str]:
    """A busy team for the filtered views."""
    with app.app_context():
        sr = ServiceRequest.__table__
        team_id = db.session.scalar(
            select(sr.c.team_id)
            .where(sr.c.stage.in_(["new", "triaged", "in_progress", "waiting_on_requester"]),
                   sr.c.team_id.is_not(None))
            .group_by(sr.c.team_id)
            .order_by(db.func.count().desc(), sr.c.team_id)
            .limit(1)
        )
        db.session.remove()
    return {"team": str(team_id)}


def endpoints(filters: dict[str, str], with_closed: bool) -> list[tuple[str, str]]:
    team = filters["team"]
    items = [
        ("board (default)", "/board"),
        (f"board team={team}&priority=2", f"/board?team={team}&priority=2"),
        ("board sla=breached", "/board?sla=breached"),
        ("board q=printer", "/board?q=printer"),
        ("list view=list&sort=due", "/board?view=list&sort=due"),
    ]
    if with_closed:
        items.append(("board closed=1", "/board?closed=1"))
    items += [
        ("unit dashboard (90 days)", "/units/1"),
        ("unit dashboard period=365", "/units/1?period=365"),
        ("portfolio (20 units)", "/portfolio"),
    ]
    return items


# ======================================================================================
# Query plans
# ======================================================================================


def explain(app: Flask, bench: Bench, views: list[tuple[str, str]], analyze: bool,
            replays: int) -> list[dict]:
    """Plans (and replayed timings) of the grouped count and the card query.

    The workload query (open requests per person) is shown once as well: it runs on
    every board page.
    """
    plans = []
    for index, (view_name, path) in enumerate(views):
        with bench.log:
            bench.log.take()
            bench.client.get(path)
            entries = bench.log.take()
        wanted = {"stage counts": None, "board cards": None}
        if index == 0:  # the same on every view: no filters apply to it
            wanted["workload"] = None
        for statement, parameters, _ in entries:
            key = label(statement)
            if key in wanted and wanted[key] is None:
                wanted[key] = (statement, parameters)
        for key, found in wanted.items():
            if found is None:
                continue
            statement, parameters = found
            plan, replay_ms, rows = _plan_of(app, statement, parameters, analyze, replays)
            plans.append({
                "view": view_name, "path": path, "query": key, "sql": statement,
                "plan": plan, "replay_p50_ms": round(replay_ms, 3), "rows": rows,
            })
    return plans


def _plan_of(app, statement: str, parameters, analyze: bool, replays: int):
    with app.app_context():
        engine = db.engine
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                depth: dict[int, int] = {0: -1}
                lines = []
                for node_id, parent, _unused, detail in rows:
                    depth[node_id] = depth.get(parent, -1) + 1
                    lines.append("  " * depth[node_id] + detail)
            else:
                prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
                rows = conn.exec_driver_sql(prefix + statement, parameters).all()
                lines = [row[0] for row in rows]
            timings = []
            result_rows = 0
            for _ in range(replays):
                started = time.perf_counter()
                result_rows = len(conn.exec_driver_sql(statement, parameters).all())
                timings.append((time.perf_counter() - started) * 1000)
            conn.rollback()
        db.session.remove()
    return lines, statistics.median(timings), result_rows


# ======================================================================================
# Output
# ======================================================================================


def markdown_results(results: list[Result]) -> str:
    lines = [
        "| endpoint | p50 ms | p95 ms | max ms | SQL stmts | SQL exec p50 | data p50 "
        "| render p50 | full GCs (max pause ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        counts = sorted(set(r.queries))
        shown = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
        lines.append(
            f"| {r.name} | {r.p50:.1f} | {r.p95:.1f} | {max(r.runs):.1f} | {shown} | "
            f"{percentile(r.sql, 50):.1f} | {_ms(r.data)} | {_ms(r.render)} | "
            f"{r.gen2} ({max(r.gc_ms):.0f}) |"
        )
    return "\n".join(lines)


def _ms(values: list[float]) -> str:
    """p50 of a phase, or a dash when the endpoint never went through it."""
    return f"{percentile(values, 50):.1f}" if any(values) else "–"


def markdown_statements(results: list[Result], top: int) -> str:
    lines = [
        f"| endpoint | slowest statements (execute p50 ms, top {top}) |",
        "|---|---|",
    ]
    for r in results:
        ranked = sorted(
            ((percentile(v, 50), k) for k, v in r.per_statement.items()), reverse=True
        )[:top]
        lines.append(f"| {r.name} | " + ", ".join(f"{k} {ms:.2f}" for ms, k in ranked) + " |")
    return "\n".join(lines)


def markdown_plans(plans: list[dict]) -> str:
    out = []
    for plan in plans:
        out.append(
            f"#### {plan['query']} — {plan['view']} (`{plan['path']}`): "
            f"replayed p50 {plan['replay_p50_ms']:.2f} ms, {plan['rows']} rows"
        )
        out.append("```")
        out.extend(plan["plan"])
        out.append("```")
    return "\n".join(out)


def machine() -> dict:
    info = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    if hasattr(os, "getloadavg"):
        info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def server_version(app: Flask) -> str:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            import sqlite3

            version = f"SQLite {sqlite3.sqlite_version}"
        else:
            version = db.session.scalar(text("SHOW server_version"))
            version = f"PostgreSQL {version}"
        db.session.remove()
    return version


# ======================================================================================


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests to generate")
    parser.add_argument("--database", help="SQLite file to build (default: a temp dir)")
    parser.add_argument("--database-url", help="any SQLAlchemy URL, e.g. PostgreSQL")
    parser.add_argument("--reset", action="store_true",
                        help="wipe an existing database file / database first")
    parser.add_argument("--reuse", action="store_true",
                        help="measure an existing benchmark database, don't build")
    parser.add_argument("--runs", type=int, default=50, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch", type=int, default=5000, help="rows per executemany")
    parser.add_argument("--no-closed", action="store_true",
                        help="skip the board with the closed column")
    parser.add_argument("--explain-analyze", action="store_true",
                        help="PostgreSQL: EXPLAIN (ANALYZE, BUFFERS) instead of EXPLAIN")
    parser.add_argument("--no-plans", action="store_true", help="skip the query plans")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="gc.freeze() after signing in (shows what GC pauses cost)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary SQLite database (printed at the end)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.database and args.database_url:
        parser.error("give --database or --database-url, not both")
    if args.reset and args.reuse:
        parser.error("--reset and --reuse exclude each other")
    if args.reuse and not (args.database or args.database_url):
        parser.error("--reuse needs --database or --database-url")

    url, tmpdir = prepare_database(args)
    instance = tempfile.mkdtemp(prefix="rapport-bench-instance-")
    app = create_app(TestConfig(instance, url))
    try:
        report = run(app, url, args)
    finally:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(instance, ignore_errors=True)
        if tmpdir and args.keep:
            progress(f"database kept in {tmpdir} (delete it when done)")
        elif tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
        progress(f"wrote {args.json}")
    return 0


def run(app: Flask, url: str, args) -> dict:
    """Build (unless --reuse), measure, explain and print; returns the JSON report."""
    backend = make_url(url).get_backend_name()
    now = datetime.now(UTC)

    build_seconds = None
    if args.reuse:
        counts = describe_database(app)
    else:
        started = time.perf_counter()
        progress(f"migrating {make_url(url).render_as_string(hide_password=True)}")
        with app.app_context():
            upgrade()
            db.session.remove()
            db.engine.dispose()
        counts = populate(app, args.requests, args.seed, args.batch, now)
        build_seconds = time.perf_counter() - started
        progress(f"database built in {build_seconds:.1f} s")

    bench = Bench(app, args.warmup, args.runs)
    bench.login()
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    filters = pick_filters(app)
    results = [bench.get(name, path) for name, path in endpoints(filters, not args.no_closed)]
    results.append(bench.assign("assign to me (htmx)"))

    plans = []
    if not args.no_plans:
        progress("query plans")
        views = [
            ("default", "/board"),
            (f"team={filters['team']}&priority=2", f"/board?team={filters['team']}&priority=2"),
            ("sla=breached", "/board?sla=breached"),
        ]
        plans = explain(app, bench, views, args.explain_analyze, replays=10)

    version = server_version(app)
    meta = {
        "backend": backend,
        "server": version,
        "requests": counts.requests,
        "events": counts.events,
        "by_stage": counts.by_stage,
        "open_sla_states": counts.open_sla,
        "build_seconds": round(build_seconds, 1) if build_seconds else None,
        "warmup": args.warmup,
        "runs": args.runs,
        "gc_freeze": args.gc_freeze,
        "machine": machine(),
        "database": make_url(url).render_as_string(hide_password=True),
    }
    board = results[0]
    verdict = "met" if board.p95 < BOARD_TARGET_MS else "MISSED"
    print(f"## Board benchmark: {counts.requests:,} requests on {version}\n")
    print(f"{meta['machine'].get('cpu', '?')}, {meta['machine']['cpus']} CPUs, "
          f"Python {meta['machine']['python']}"
          + (f", load average {meta['machine']['load_average_at_end'][0]}"
             if "load_average_at_end" in meta["machine"] else "")
          + f"; {counts.events:,} events; "
          f"stages {counts.by_stage}"
          + (f"; open SLA states {counts.open_sla}" if counts.open_sla else "")
          + (f"; built in {build_seconds:.0f} s" if build_seconds else "")
          + f"; {args.warmup} warm-ups + {args.runs} timed requests per endpoint.\n")
    print(markdown_results(results))
    print("\ndata = `board_context` (every query + ORM loading); render = Jinja; SQL exec = time "
          "inside cursor.execute (on SQLite most row fetching comes after it); full GCs = "
          "generation-2 collections during the timed runs"
          + (" (gc.freeze() applied)" if args.gc_freeze else "") + ".")
    print(f"\nTarget: board p95 < {BOARD_TARGET_MS:.0f} ms: {verdict} ({board.p95:.1f} ms).")
    for result in results:
        target = (DASHBOARD_TARGET_MS if result.name.startswith("unit dashboard")
                  else PORTFOLIO_TARGET_MS if result.name.startswith("portfolio") else None)
        if target is not None:
            verdict = "met" if result.p95 < target else "MISSED"
            print(f"Target: {result.name} p95 < {target:.0f} ms: {verdict} ({result.p95:.1f} ms).")
    print()
    print(markdown_statements(results, top=3))
    if plans:
        print("\n### Query plans\n")
        print(markdown_plans(plans))
    return {"meta": meta, "results": [r.as_dict() for r in results], "plans": plans}


if __name__ == "__main__":
    sys.exit(main())
