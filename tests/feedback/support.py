"""Helpers shared by the feedback tests: placing, resolving and answering requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.feedback import surveys
from tracker.models import (
    BusinessUnit,
    ITTeam,
    Notification,
    ServiceRequest,
    SurveyInvitation,
    SurveyResponse,
    User,
)


@dataclass
class Scene:
    """A requester in a unit with a BRM, and a request assigned to an agent in a team."""

    requester: User
    agent: User
    teammate: User
    brm: User
    unit: BusinessUnit
    team: ITTeam
    request: ServiceRequest


def page_text(response) -> str:
    return visible_text(response.get_data(as_text=True))


def place(app, service_request, agent=None, team=None) -> None:
    """Assign the request to `agent` in `team`, as the board would."""
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        found.assignee_id = agent.id if agent else None
        found.team_id = team.id if team else None
        db.session.commit()


def resolve(client, agent, service_request) -> None:
    """An agent marks the request resolved through the request page."""
    client.login(agent.email)
    response = client.form_post(
        f"/requests/{service_request.reference}/stage", {"stage": "resolved"}
    )
    assert response.status_code == 303, response.get_data(as_text=True)


def invite(app, service_request, now: datetime | None = None) -> str:
    """Invite the requester directly; returns the one-time token."""
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        _, token = surveys.invite(found, now)
        db.session.commit()
        return token


def answer(app, service_request, score: int, comment: str = "", now=None) -> int:
    """Invite and answer at `now` in one go; returns the response id."""
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        invitation, _ = surveys.invite(found, now)
        response = surveys.answer(invitation, score, comment, now)
        db.session.commit()
        return response.id


def fetch(app, model, **where) -> list:
    """Rows of `model` matching `where`, detached, in id order."""
    with app.app_context():
        query = select(model).filter_by(**where).order_by(model.id)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def get(app, model, key):
    with app.app_context():
        found = db.session.get(model, key)
        if found is not None:
            db.session.expunge(found)
        return found


def responses(app, **where) -> list[SurveyResponse]:
    return fetch(app, SurveyResponse, **where)


def invitations(app, **where) -> list[SurveyInvitation]:
    return fetch(app, SurveyInvitation, **where)


def notifications_of(app, user, kind: str | None = None) -> list[Notification]:
    where = {"user_id": user.id}
    if kind:
        where["kind"] = kind
    return fetch(app, Notification, **where)


def survey_post(client, token: str, score, comment: str = ""):
    return client.form_post(f"/survey/{token}", {"score": str(score), "comment": comment})


def in_app_post(client, service_request, score, comment: str = ""):
    return client.form_post(
        f"/requests/{service_request.reference}/survey",
        {"score": str(score), "comment": comment},
    )
