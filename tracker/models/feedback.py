"""Satisfaction surveys, their answers, and the changes feedback led to."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.database import UTCDateTime, utcnow
from tracker.extensions import db

if TYPE_CHECKING:
    from tracker.models.requests import ServiceRequest
    from tracker.models.users import User

SCORE_WORDS = {1: "Very poor", 2: "Poor", 3: "Okay", 4: "Good", 5: "Excellent"}


class SurveyInvitation(db.Model):
    """"How did we do?", asked once per resolution, answerable through a one-time link."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        Index("ix_survey_invitations_request", "request_id", "created_at"),
        # The questions waiting for a person (the portal home), newest first.
        Index("ix_survey_invitations_requester_open", "requester_id", "answered_at", "created_at"),
        Index("ix_survey_invitations_team_created", "team_id", "created_at"),
        Index("ix_survey_invitations_unit_created", "business_unit_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE")
    )
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Who and where the request was with when it was resolved, for fair attribution.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("it_teams.id", ondelete="SET NULL"))
    business_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_units.id", ondelete="SET NULL")
    )
    # Only a hash of the link's token is kept: a leaked database can't answer surveys.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[ServiceRequest] = relationship()
    response: Mapped[SurveyResponse | None] = relationship(back_populates="invitation")


class SurveyResponse(db.Model):
    """One answer: a score from 1 to 5 and, if the person wished, a comment."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        Index("ix_survey_responses_agent_created", "agent_id", "created_at"),
        Index("ix_survey_responses_team_created", "team_id", "created_at"),
        Index("ix_survey_responses_unit_created", "business_unit_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), unique=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("it_teams.id", ondelete="SET NULL"))
    business_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_units.id", ondelete="SET NULL")
    )
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_actions.id", ondelete="SET NULL"), index=True
    )

    invitation: Mapped[SurveyInvitation] = relationship(back_populates="response")
    request: Mapped[ServiceRequest] = relationship()
    agent: Mapped[User | None] = relationship(foreign_keys=[agent_id])
    action: Mapped[FeedbackAction | None] = relationship(back_populates="responses")

    @property
    def score_words(self) -> str:
        return SCORE_WORDS[self.score]


class FeedbackAction(db.Model):
    """"You said, we did": what changed because of one or more comments."""

    __tablename__ = "feedback_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    created_by: Mapped[User | None] = relationship()
    responses: Mapped[list[SurveyResponse]] = relationship(back_populates="action")
