"""What grows around the requests: surveys, touchpoints, pulses and shadow-IT tools."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from bench.data import (
    DATA_KIND_WEIGHTS,
    PAYER_WEIGHTS,
    SURVEY_SHARE,
    SURVEY_TOKEN_PREFIX,
    TOOL_NAMES,
    TOOL_STATUS_WEIGHTS,
    TOOLS_PER_UNIT,
    TOUCHPOINTS_PER_UNIT,
    UNITS,
    weighted,
)
from bench.seed_org import Org, insert_batches
from tracker.feedback.surveys import SURVEY_LIFETIME, hash_token
from tracker.models import (
    NextAction,
    PulseAnswer,
    PulseParticipant,
    PulseSurvey,
    ShadowTool,
    SurveyInvitation,
    SurveyResponse,
    ToolAdoption,
    ToolEvent,
    Touchpoint,
)
from tracker.relationships.pulse import quarter_of
from tracker.shadow_it.risk import assess
from tracker.shadow_it.services import domain_of, name_key

PULSE_QUARTERS = 4  # closed quarterly pulses per unit, plus the one open now
PULSE_ANSWERS = (12, 4)  # answers per closed pulse: business side, IT side


def insert_feedback(conn, rng: random.Random, request_rows: list[dict], batch: int) -> dict:
    """Answered surveys for a share of the closed requests, and an open one for every
    resolved request, whose link the benchmark knows (SURVEY_TOKEN_PREFIX + its id)."""
    invitations, responses = [], []
    pending = 0
    for row in request_rows:
        closed = row["stage"] == "closed"
        if not (row["stage"] == "resolved" or (closed and rng.random() < SURVEY_SHARE)):
            continue
        invitation_id = len(invitations) + 1
        shared = {
            "request_id": row["id"], "agent_id": row["assignee_id"], "team_id": row["team_id"],
            "business_unit_id": row["business_unit_id"],
        }
        answered = row["resolved_at"] + timedelta(hours=rng.uniform(1, 72)) if closed else None
        invitations.append({
            "id": invitation_id, **shared, "requester_id": row["requester_id"],
            "token_hash": hash_token(f"{SURVEY_TOKEN_PREFIX}{invitation_id}"),
            "created_at": row["resolved_at"],
            "expires_at": row["resolved_at"] + SURVEY_LIFETIME, "answered_at": answered,
        })
        if not closed:
            pending += 1
            continue
        responses.append({
            "invitation_id": invitation_id, **shared,
            "score": rng.choices([5, 4, 3, 2, 1], weights=[40, 30, 15, 10, 5])[0],
            "comment": rng.choice(("", "", "Quick and friendly, thanks.", "Took a while.")),
            "created_at": answered, "action_id": None,
        })
    insert_batches(conn, SurveyInvitation.__table__, invitations, batch)
    insert_batches(conn, SurveyResponse.__table__, responses, batch)
    return {"survey_answers": len(responses), "open_survey_links": pending}


def insert_touchpoints(conn, rng: random.Random, now: datetime) -> None:
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


def insert_pulses(conn, rng: random.Random, org: Org, now: datetime) -> None:
    """Four closed quarterly pulses per unit with their answers, and one open now."""
    pulses, participants, answers = [], [], []
    members: dict[int, list[int]] = {}
    for uid, unit_id in org.requester_units[1:]:  # the busy requester still has to answer
        members.setdefault(unit_id, []).append(uid)
    for unit_id in org.unit_ids:
        for back in range(PULSE_QUARTERS, -1, -1):
            opened = _quarter_start(now, back) + timedelta(days=5)
            if back == 0:
                opened = min(opened, now - timedelta(hours=1))
            pulse_id = len(pulses) + 1
            pulses.append({
                "id": pulse_id, "business_unit_id": unit_id, "quarter": quarter_of(opened),
                "opened_at": opened, "closes_at": opened + timedelta(days=21 if back else 30),
                "sent_by_id": None,
            })
            business = rng.sample(members[unit_id], PULSE_ANSWERS[0])
            it_side = rng.sample(org.staff_ids, PULSE_ANSWERS[1])
            for side, people in (("business", business), ("it", it_side)):
                for uid in people:
                    participants.append({"pulse_id": pulse_id, "user_id": uid})
                    answers.append({
                        "id": f"{rng.getrandbits(128):032x}", "pulse_id": pulse_id,
                        "side": side, "understanding": rng.randint(2, 5),
                        "ease": rng.randint(1, 5), "trust": rng.randint(2, 5),
                    })
    conn.execute(PulseSurvey.__table__.insert(), pulses)
    conn.execute(PulseParticipant.__table__.insert(), participants)
    conn.execute(PulseAnswer.__table__.insert(), answers)


def _quarter_start(now: datetime, back: int) -> datetime:
    """The first moment of the quarter `back` quarters before now's."""
    index = now.year * 4 + (now.month - 1) // 3 - back
    return now.replace(year=index // 4, month=index % 4 * 3 + 1, day=1, hour=9, minute=0,
                       second=0, microsecond=0)


def insert_tools(conn, rng: random.Random, org: Org, now: datetime) -> int:
    """Shadow-IT tools registered by people in every unit, used by other units too."""
    tools, adoptions, events = [], [], []
    members: dict[int, list[int]] = {}
    for uid, unit_id in org.requester_units:
        members.setdefault(unit_id, []).append(uid)
    for unit_id, unit in zip(org.unit_ids, UNITS, strict=True):
        for index in range(TOOLS_PER_UNIT):
            tool_id = len(tools) + 1
            base = TOOL_NAMES[(unit_id * 7 + index) % len(TOOL_NAMES)]
            name = f"{base} ({unit})"
            registrant = rng.choice(members[unit_id])
            people = rng.choice((1, 3, 8, 15, 40, 60))
            data_kind = weighted(rng, DATA_KIND_WEIGHTS)
            sign_in = "own_passwords" if rng.random() < 0.5 else "sso"
            critical = rng.random() < 0.3
            risk = assess(data_kind, sign_in, people, critical)
            payer = weighted(rng, PAYER_WEIGHTS)
            created = now - timedelta(days=rng.randint(5, 600))
            status = weighted(rng, TOOL_STATUS_WEIGHTS)
            tools.append({
                "id": tool_id, "name": name, "name_key": name_key(name),
                "url": f"https://{base.lower()}.example/{unit_id}-{index}",
                "domain": domain_of(f"https://{base.lower()}.example/{unit_id}-{index}"),
                "purpose": f"The {unit} team keeps its work in {base}.", "user_count": people,
                "payer": payer,
                "cost_amount": None if payer == "free" else Decimal(rng.randint(5, 400)),
                "cost_period": rng.choice(("month", "year")), "currency": "GBP",
                "data_kind": data_kind, "sign_in": sign_in, "business_critical": critical,
                "impact": "We would go back to spreadsheets." if critical else "",
                "renewal_date": (now + timedelta(days=rng.randint(-30, 365))).date()
                if payer != "free" else None,
                "unmet_request_id": None, "status": status, "risk_tier": risk.tier,
                "risk_reasons": risk.explanation, "advice": "", "registered_by_id": registrant,
                "business_unit_id": unit_id, "created_at": created, "updated_at": created,
                "version": 1,
            })
            adoptions.append({"tool_id": tool_id, "business_unit_id": unit_id,
                              "person_id": registrant, "people": people, "created_at": created})
            for other in rng.sample(org.unit_ids, rng.choice((0, 0, 1, 2, 3))):
                if other != unit_id:
                    adoptions.append({
                        "tool_id": tool_id, "business_unit_id": other,
                        "person_id": rng.choice(members[other]), "people": rng.randint(1, 20),
                        "created_at": created + timedelta(days=rng.randint(1, 60)),
                    })
            events.append({"tool_id": tool_id, "actor_id": registrant, "kind": "registered",
                           "old_value": None, "new_value": "registered", "body": None,
                           "created_at": created})
            if status != "registered":
                events.append({
                    "tool_id": tool_id, "actor_id": rng.choice(org.staff_ids), "kind": "status",
                    "old_value": "registered", "new_value": status,
                    "body": "Reviewed with the team.", "created_at": created + timedelta(days=7),
                })
    conn.execute(ShadowTool.__table__.insert(), tools)
    conn.execute(ToolAdoption.__table__.insert(), adoptions)
    conn.execute(ToolEvent.__table__.insert(), events)
    return len(tools)
