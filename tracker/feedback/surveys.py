"""Survey invitations and answers.

A link's token is 256 random bits shown once (for the e-mail) and stored only as its
SHA-256, so nobody reading the database or a backup can answer in someone's name.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import (
    SCORE_WORDS,
    BusinessUnit,
    EventKind,
    ITTeam,
    ServiceRequest,
    Stage,
    SurveyInvitation,
    SurveyResponse,
    User,
)
from tracker.notifications.services import notify
from tracker.service_requests.timeline import RequestRuleError, record

SURVEY_LIFETIME = timedelta(days=14)
LOW_SCORES = frozenset({1, 2})
COMMENT_MAX = 5000


class SurveyClosed(RequestRuleError):
    """This survey can't be answered (any more)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def withdraw(service_request: ServiceRequest, now: datetime) -> None:
    """The request is back with IT: an unanswered question about it lapses."""
    db.session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.request_id == service_request.id,
            SurveyInvitation.answered_at.is_(None),
            SurveyInvitation.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def invite(
    service_request: ServiceRequest, now: datetime | None = None
) -> tuple[SurveyInvitation, str]:
    """Ask the requester how it went; returns the invitation and its one-time token."""
    now = now or utcnow()
    # A request resolved again asks again; the older, unanswered question lapses.
    withdraw(service_request, now)
    token = secrets.token_urlsafe(32)
    invitation = SurveyInvitation(
        request_id=service_request.id,
        requester_id=service_request.requester_id,
        agent_id=service_request.assignee_id,
        team_id=service_request.team_id,
        business_unit_id=service_request.business_unit_id,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + SURVEY_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def find_by_token(token: str) -> SurveyInvitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_token(token))
    )


_PENDING_FOR_REQUEST = (  # built once: the request page asks on every view
    select(SurveyInvitation)
    .where(
        SurveyInvitation.request_id == bindparam("request_id"),
        SurveyInvitation.answered_at.is_(None),
        SurveyInvitation.expires_at > bindparam("now"),
    )
    .order_by(SurveyInvitation.created_at.desc())
    .limit(1)
)


def pending_for_request(service_request: ServiceRequest, now: datetime) -> SurveyInvitation | None:
    """The open question about this request, if there is one."""
    return db.session.scalar(
        _PENDING_FOR_REQUEST, {"request_id": service_request.id, "now": now}
    )


def pending_for_person(user: User, now: datetime, limit: int = 3) -> list[SurveyInvitation]:
    """Questions waiting for this person, newest first, with their requests."""
    return list(
        db.session.scalars(
            select(SurveyInvitation)
            .options(joinedload(SurveyInvitation.request))
            .where(
                SurveyInvitation.requester_id == user.id,
                SurveyInvitation.answered_at.is_(None),
                SurveyInvitation.expires_at > now,
            )
            .order_by(SurveyInvitation.created_at.desc())
            .limit(limit)
        )
    )


def check_open(invitation: SurveyInvitation, now: datetime) -> None:
    """Refuse an answered or expired survey with the right words and status."""
    if invitation.answered_at is not None:
        raise SurveyClosed("You already answered this survey. Thank you!", 409)
    if invitation.expires_at <= now:
        raise SurveyClosed("This survey link has expired.", 410)


def answer(
    invitation: SurveyInvitation, score: int, comment: str, now: datetime | None = None
) -> SurveyResponse:
    """Store an answer exactly once, tell the right people, and note it on the timeline."""
    now = now or utcnow()
    if score not in SCORE_WORDS:
        raise RequestRuleError("Please choose a score from 1 to 5.")
    check_open(invitation, now)
    # Claim the invitation in the database: of two answers racing, one wins.
    claimed = db.session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.id == invitation.id,
            SurveyInvitation.answered_at.is_(None),
            SurveyInvitation.expires_at > now,
        )
        .values(answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise SurveyClosed("You already answered this survey. Thank you!", 409)
    response = SurveyResponse(
        invitation_id=invitation.id,
        request_id=invitation.request_id,
        agent_id=invitation.agent_id,
        team_id=invitation.team_id,
        business_unit_id=invitation.business_unit_id,
        score=score,
        comment=comment.strip()[:COMMENT_MAX],
        created_at=now,
    )
    db.session.add(response)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise SurveyClosed("You already answered this survey. Thank you!", 409) from exc
    service_request = db.session.get(ServiceRequest, invitation.request_id)
    requester = db.session.get(User, invitation.requester_id)
    record(
        service_request,
        requester,
        EventKind.FEEDBACK,
        internal=True,
        new_value=str(score),
        body=response.comment or None,
    )
    _tell_people(service_request, requester, invitation, response)
    db.session.flush()
    return response


def _tell_people(service_request, requester, invitation, response) -> None:
    link = f"/requests/{service_request.reference}"
    words = SCORE_WORDS[response.score].lower()
    who = requester.display_name if requester else "The requester"
    notify(
        [invitation.agent_id],
        "survey_answered",
        f"{who} rated {service_request.reference} {response.score}/5 ({words}).",
        link,
    )
    if response.score in LOW_SCORES:
        people: list[int | None] = []
        if invitation.team_id:
            team = db.session.get(ITTeam, invitation.team_id)
            people += [member.id for member in team.members] if team else []
        if invitation.business_unit_id:
            unit = db.session.get(BusinessUnit, invitation.business_unit_id)
            people.append(unit.brm_id if unit else None)
        people = [p for p in people if p not in (invitation.agent_id, invitation.requester_id)]
        notify(
            people,
            "low_score",
            f"Low score on {service_request.reference}: {who} rated it {response.score}/5 "
            f"({words}). Worth a follow-up.",
            link,
        )


def add_follow_up(response: SurveyResponse, text: str) -> None:
    """The answer to "what went wrong?", added to the comment."""
    text = text.strip()
    if not text:
        raise RequestRuleError("Please tell us a little about what went wrong.")
    combined = f"{response.comment}\n\n{text}" if response.comment else text
    response.comment = combined[:COMMENT_MAX]
    db.session.flush()


def can_reopen(service_request: ServiceRequest) -> bool:
    return service_request.stage_enum in (Stage.RESOLVED, Stage.CLOSED)
