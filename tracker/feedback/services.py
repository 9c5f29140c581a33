"""Closing the loop: marking feedback as acted upon, and reopening from a survey."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import FeedbackAction, ServiceRequest, SurveyResponse, User
from tracker.service_requests import services as request_services
from tracker.service_requests.timeline import RequestRuleError


def mark_acted_upon(response_ids: list[int], note: str, actor: User) -> FeedbackAction:
    """"You said, we did": link comments to the change they led to."""
    note = note.strip()
    if not note:
        raise RequestRuleError("Please say in a sentence what changed.")
    responses = list(
        db.session.scalars(select(SurveyResponse).where(SurveyResponse.id.in_(response_ids)))
    )
    if not responses:
        raise RequestRuleError("Please choose the comments this change answers.")
    action = FeedbackAction(note=note, created_by_id=actor.id)
    db.session.add(action)
    db.session.flush()
    for response in responses:
        response.action_id = action.id
    db.session.flush()
    return action


_LATEST_RESPONSE = (  # built once: the request page asks on every view
    select(SurveyResponse)
    .options(joinedload(SurveyResponse.action))
    .where(SurveyResponse.request_id == bindparam("request_id"))
    .order_by(SurveyResponse.created_at.desc())
    .limit(1)
)


def latest_response_for(service_request: ServiceRequest) -> SurveyResponse | None:
    """The requester's latest answer about this request, with what changed because of it."""
    return db.session.scalar(_LATEST_RESPONSE, {"request_id": service_request.id})


def reopen_after_survey(service_request: ServiceRequest, requester: User, reason: str) -> None:
    """A low score with "please reopen": back to IT with the person's words."""
    request_services.reopen(
        service_request, requester, reason or "Reopened from the satisfaction survey.",
        allow_closed=True,
    )
