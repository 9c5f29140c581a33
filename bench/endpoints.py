"""What the benchmark measures: one definition per page or action.

To measure another page, add an Endpoint to `ENDPOINTS`. `path` and `form` get the
Scene (ids found in the database) and the run number, so an action can work on
another object each time (assign a different request, answer a different survey).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import func, select

from bench.data import AGENT_EMAIL, REQUESTER_EMAIL, SURVEY_TOKEN_PREFIX
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest, SurveyInvitation, User
from tracker.models.requests import OPEN_STAGES, format_reference

# p95 targets in ms, at 100,000 requests on SQLite, in-process.
TARGETS = {"request": 15.0, "board": 50.0, "dashboard": 100.0}
TARGET_NAMES = {"request": "request pages and actions", "board": "board",
                "dashboard": "dashboards"}
PERSONAS = {"agent": AGENT_EMAIL, "requester": REQUESTER_EMAIL, "anonymous": None}


@dataclass
class Scene:
    """The ids the endpoints need, found in the database being measured."""

    long_request: str  # the reference of the request with the long conversation
    team: int  # the team with the most open requests
    unit: int  # the busy requester's unit
    assignable: list[tuple[str, int]] = field(default_factory=list)  # (reference, version)
    survey_tokens: list[str] = field(default_factory=list)

    @classmethod
    def discover(cls, app: Flask, needed: int) -> Scene:
        with app.app_context():
            sr = ServiceRequest.__table__
            open_stages = [s.value for s in OPEN_STAGES]
            long_request = db.session.scalar(
                select(RequestEvent.request_id).group_by(RequestEvent.request_id)
                .order_by(func.count().desc()).limit(1))
            team = db.session.scalar(
                select(sr.c.team_id)
                .where(sr.c.stage.in_(open_stages), sr.c.team_id.is_not(None))
                .group_by(sr.c.team_id).order_by(func.count().desc(), sr.c.team_id).limit(1))
            requester = db.session.execute(
                select(User.id, User.business_unit_id).where(User.email == REQUESTER_EMAIL)
            ).one()
            agent_id = db.session.scalar(select(User.id).where(User.email == AGENT_EMAIL))
            candidates = db.session.execute(
                select(sr.c.id, sr.c.version)
                .where(sr.c.stage.in_(open_stages),
                       sr.c.assignee_id.is_(None) | (sr.c.assignee_id != agent_id))
                .order_by(sr.c.id)).all()
            invitations = db.session.scalars(
                select(SurveyInvitation.id)
                .where(SurveyInvitation.answered_at.is_(None),
                       SurveyInvitation.expires_at > utcnow(),
                       SurveyInvitation.agent_id.is_not(None))  # the same work every time
                .order_by(SurveyInvitation.id)).all()
            db.session.remove()
        if len(candidates) < needed or len(invitations) < needed:
            raise SystemExit(f"the database has {len(candidates)} requests to assign and "
                             f"{len(invitations)} open surveys; {needed} of each are needed")
        rng = random.Random(7)  # noqa: S311 - which requests, not security
        return cls(
            long_request=format_reference(long_request), team=team, unit=requester[1],
            assignable=[(format_reference(i), v) for i, v in rng.sample(candidates, needed)],
            survey_tokens=[f"{SURVEY_TOKEN_PREFIX}{i}" for i in rng.sample(invitations, needed)],
        )


Path = str | Callable[[Scene, int], str]
Form = Callable[[Scene, int], dict[str, str]]


@dataclass(frozen=True)
class Endpoint:
    name: str
    who: str  # a key of PERSONAS
    target: str  # a key of TARGETS
    path: Path
    method: str = "GET"
    form: Form | None = None  # the POST body (the CSRF token is added)
    htmx: bool = False
    status: int = 200
    served: bool = False  # also measured through gunicorn

    def url(self, scene: Scene, i: int) -> str:
        return self.path(scene, i) if callable(self.path) else self.path.format(s=scene)

    @property
    def shown_path(self) -> str:
        return "(varies)" if callable(self.path) else self.path


def _filing(_scene: Scene, i: int) -> dict[str, str]:
    return {
        "category": "broken", "title": f"The printer on floor {i % 7} jams",
        "description": "It jams on every second page, since this morning.",
        "impact": "my_team", "urgency": "slowed", "idempotency_key": uuid.uuid4().hex,
    }


def _assign_path(scene: Scene, i: int) -> str:
    return f"/board/requests/{scene.assignable[i][0]}/assign"


def _assign_form(scene: Scene, i: int) -> dict[str, str]:
    return {"version": str(scene.assignable[i][1]), "ctx": "card", "next": "/board",
            "assignee": "me"}


def _survey_path(scene: Scene, i: int) -> str:
    return f"/survey/{scene.survey_tokens[i]}"


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("portal home", "requester", "request", "/"),
    Endpoint("my requests", "requester", "request", "/requests/"),
    Endpoint("request detail, 50 comments", "requester", "request",
             "/requests/{s.long_request}", served=True),
    Endpoint("request detail, 50 comments (staff)", "agent", "request",
             "/requests/{s.long_request}"),
    Endpoint("file a request", "requester", "request", "/requests/new", method="POST",
             form=_filing, status=303, served=True),
    Endpoint("board", "agent", "board", "/board", served=True),
    Endpoint("board, team + priority", "agent", "board", "/board?team={s.team}&priority=2"),
    Endpoint("board, breaching", "agent", "board", "/board?sla=breached"),
    Endpoint("board, text search", "agent", "board", "/board?q=printer"),
    Endpoint("board as a list, by due time", "agent", "board", "/board?view=list&sort=due"),
    Endpoint("board with closed", "agent", "board", "/board?closed=1"),
    Endpoint("assign to me (htmx)", "agent", "request", _assign_path, method="POST",
             form=_assign_form, htmx=True),
    Endpoint("unit dashboard, 90 days", "agent", "dashboard", "/units/{s.unit}"),
    Endpoint("unit dashboard, 365 days", "agent", "dashboard", "/units/{s.unit}?period=365"),
    Endpoint("portfolio, 20 units", "agent", "dashboard", "/portfolio"),
    Endpoint("tools inventory", "agent", "dashboard", "/tools/"),
    Endpoint("survey answer", "anonymous", "request", _survey_path, method="POST",
             form=lambda _s, i: {"score": str(4 + i % 2), "comment": "Thanks, all good."}),
)
