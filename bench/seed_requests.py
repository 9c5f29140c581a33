"""Requests with consistent SLA columns, their timelines and the replies' notifications."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

from bench.data import (
    BUSY_REQUESTER_EVERY,
    CATEGORY_TEAMS,
    CATEGORY_WEIGHTS,
    COMMENT_COUNT_WEIGHTS,
    HISTORY_DAYS,
    IMPACT_WEIGHTS,
    LONG_CONVERSATION_COMMENTS,
    NOTIFY_SHARE,
    PLACES,
    RUNNING_STATE_WEIGHTS,
    STAGE_WEIGHTS,
    URGENCY_WEIGHTS,
    WALL_CLOCK_STRETCH,
    weighted,
)
from bench.seed_org import Org, insert_batches
from tracker.demo import REQUEST_TEXTS, REQUESTER_REPLIES, STAFF_REPLIES
from tracker.models import Notification, RequestEvent, ServiceRequest
from tracker.models.requests import format_reference
from tracker.service_requests.services import derive_priority
from tracker.service_requests.sla import DEFAULT_TARGETS, RISK_SHARE


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value * WALL_CLOCK_STRETCH)


def _route(rng: random.Random, org: Org, stage: str, slug: str) -> tuple[int | None, int | None]:
    """Team and assignee: mostly the category's team; new requests often not routed yet."""
    roll = rng.random()
    if stage == "new" and roll < 0.4:
        team_id = None
    elif roll < 0.75:
        team_id = org.team_ids[CATEGORY_TEAMS[slug]]
    elif roll < 0.97:
        team_id = rng.choice(list(org.team_ids.values()))
    else:
        team_id = None
    if rng.random() < {"new": 0.8, "triaged": 0.4}.get(stage, 0.03):
        return team_id, None
    pool = org.team_staff.get(team_id) if team_id else None
    return team_id, rng.choice(pool or org.staff_ids)


def make_request(rng: random.Random, org: Org, now: datetime, *, stage: str | None = None,
                 requester: tuple[int, int] | None = None,
                 comments: int | None = None) -> tuple[dict, list[dict], str]:
    """One request row (without id), its events (without request id) and its SLA state."""
    stage = stage or weighted(rng, STAGE_WEIGHTS)
    slug = weighted(rng, CATEGORY_WEIGHTS)
    title, description = rng.choice(REQUEST_TEXTS[slug])
    if rng.random() < 0.5:
        title = f"{title} ({rng.choice(PLACES)})"
    if rng.random() < 0.3:
        description += f" It happens at the {rng.choice(PLACES)} too."
    requester_id, unit_id = requester or rng.choice(org.requester_units)
    impact = weighted(rng, IMPACT_WEIGHTS)
    urgency = weighted(rng, URGENCY_WEIGHTS)
    priority = derive_priority(impact, urgency)
    response_minutes, resolution_minutes = DEFAULT_TARGETS[priority]
    team_id, assignee_id = _route(rng, org, stage, slug)

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
        span = _minutes(resolution_minutes if answered else response_minutes)
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

    # Timeline: "created", then comments between filing and the end (or now).
    end = closed_at or resolved_at or now
    events = [{"actor_id": requester_id, "kind": "created", "internal": False, "body": None,
               "created_at": created}]
    staff_member = assignee_id or rng.choice(org.staff_ids)
    count = weighted(rng, COMMENT_COUNT_WEIGHTS) if comments is None else comments
    moments = sorted(created + (end - created) * rng.random() for _ in range(count))
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
        "title": title, "description": description, "category_id": org.category_ids[slug],
        "requester_id": requester_id, "business_unit_id": unit_id, "impact": impact,
        "urgency": urgency, "priority": priority, "priority_overridden": False, "stage": stage,
        "assignee_id": assignee_id, "team_id": team_id, "created_at": created,
        "updated_at": last, "last_activity_at": last, "first_response_at": first_response_at,
        "resolved_at": resolved_at, "closed_at": closed_at, "reopen_count": 0,
        "first_response_due_at": first_response_due, "resolution_due_at": resolution_due,
        "sla_due_at": sla_due, "sla_warn_at": created + _minutes(warn_minutes),
        "sla_paused_at": paused_at, "sla_paused_seconds": 0, "idempotency_key": None,
        "version": 1,
    }
    return row, events, sla_state


def generate(rng: random.Random, org: Org, n: int, now: datetime):
    """N requests in filing order (ids 1..N); one in every BUSY_REQUESTER_EVERY is the busy
    requester's, and one of theirs, still in progress, has a long conversation."""
    made = []
    for index in range(n - 1):
        busy = index % BUSY_REQUESTER_EVERY == 0
        made.append(make_request(rng, org, now, requester=org.busy_requester if busy else None))
    made.append(make_request(rng, org, now, stage="in_progress", requester=org.busy_requester,
                             comments=LONG_CONVERSATION_COMMENTS))
    made.sort(key=lambda item: item[0]["created_at"])
    return made


def insert_requests(conn, rng: random.Random, org: Org, n: int, now: datetime,
                    batch: int) -> tuple[list[dict], dict]:
    """Insert the requests, their events and the reply notifications; returns the rows."""
    request_rows, event_rows, notes = [], [], []
    by_stage: dict[str, int] = defaultdict(int)
    open_sla: dict[str, int] = defaultdict(int)
    for request_id, (row, events, state) in enumerate(generate(rng, org, n, now), start=1):
        row["id"] = request_id
        request_rows.append(row)
        by_stage[row["stage"]] += 1
        if state != "done":
            open_sla[state] += 1
        for item in events:
            item["request_id"] = request_id
            item.update(old_value=None, new_value=None, idempotency_key=None)
            event_rows.append(item)
            if (item["kind"] == "comment" and item["actor_id"] != row["requester_id"]
                    and rng.random() < NOTIFY_SHARE):
                notes.append(_reply_notification(row, item, now))
    event_rows.sort(key=lambda item: item["created_at"])
    insert_batches(conn, ServiceRequest.__table__, request_rows, batch)
    insert_batches(conn, RequestEvent.__table__, event_rows, batch)
    notes.sort(key=lambda item: item["created_at"])
    insert_batches(conn, Notification.__table__, notes, batch)
    counts = {"requests": n, "events": len(event_rows), "notifications": len(notes),
              "by_stage": dict(sorted(by_stage.items())),
              "open_sla_states": dict(sorted(open_sla.items()))}
    return request_rows, counts


def _reply_notification(row: dict, event: dict, now: datetime) -> dict:
    reference = format_reference(row["id"])
    recent = now - event["created_at"] < timedelta(days=2)
    return {
        "user_id": row["requester_id"], "kind": "request_reply",
        "message": f"IT replied to your request {reference}.",
        "link": f"/requests/{reference}", "created_at": event["created_at"],
        "read_at": None if recent else event["created_at"] + timedelta(hours=3),
    }
