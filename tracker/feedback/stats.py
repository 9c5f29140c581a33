"""Satisfaction in numbers: averages with their count, trend and response rate, in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import (
    BusinessUnit,
    FeedbackAction,
    ITTeam,
    ServiceRequest,
    SurveyInvitation,
    SurveyResponse,
    User,
)

# Below this many answers an average says more about luck than about a person.
MIN_ANSWERS_FOR_A_PERSON = 3
TREND_DAYS = 30


@dataclass(frozen=True)
class Satisfaction:
    """Satisfaction for one agent, team or unit."""

    key: int | None
    name: str
    answers: int
    average: float | None
    recent: float | None  # average of the last TREND_DAYS days
    earlier: float | None  # average of the TREND_DAYS days before that
    invited: int | None = None

    @property
    def trend(self) -> str:
        if self.recent is None or self.earlier is None:
            return ""
        if self.recent - self.earlier >= 0.2:
            return "up"
        if self.earlier - self.recent >= 0.2:
            return "down"
        return "steady"

    @property
    def response_rate(self) -> float | None:
        if not self.invited:
            return None
        return self.answers / self.invited


def _windowed(column, now: datetime):
    recent_start = now - timedelta(days=TREND_DAYS)
    earlier_start = now - timedelta(days=2 * TREND_DAYS)
    created = SurveyResponse.created_at
    recent = func.avg(case((created >= recent_start, SurveyResponse.score)))
    earlier = func.avg(
        case((and_(created >= earlier_start, created < recent_start), SurveyResponse.score))
    )
    return (
        column,
        func.count(SurveyResponse.id),
        func.avg(SurveyResponse.score),
        recent,
        earlier,
    )


def _rows(group_column, now: datetime, since: datetime | None):
    query = select(*_windowed(group_column, now)).group_by(group_column)
    if since is not None:
        query = query.where(SurveyResponse.created_at >= since)
    return {row[0]: row[1:] for row in db.session.execute(query)}


def _invited(group_column, since: datetime | None) -> dict:
    query = select(group_column, func.count()).group_by(group_column)
    if since is not None:
        query = query.where(SurveyInvitation.created_at >= since)
    return dict(db.session.execute(query).all())


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)


def by_agent(now: datetime, since: datetime | None = None) -> list[Satisfaction]:
    """Per agent; the average stays hidden below MIN_ANSWERS_FOR_A_PERSON answers."""
    rows = _rows(SurveyResponse.agent_id, now, since)
    people = {
        u.id: u.display_name
        for u in db.session.scalars(select(User).where(User.id.in_([k for k in rows if k])))
    }
    result = []
    for key, (answers, average, recent, earlier) in rows.items():
        if key is None:
            continue
        fair = answers >= MIN_ANSWERS_FOR_A_PERSON
        result.append(
            Satisfaction(
                key, people.get(key, "Former colleague"), answers,
                _round(average) if fair else None,
                _round(recent) if fair else None,
                _round(earlier) if fair else None,
            )
        )
    return sorted(result, key=lambda s: (-s.answers, s.name))


def _by_group(
    model, response_column, invitation_column, now, since, nobody: str
) -> list[Satisfaction]:
    rows = _rows(response_column, now, since)
    invited = _invited(invitation_column, since)
    names = {g.id: g.name for g in db.session.scalars(select(model))}
    result = []
    for key in sorted(set(rows) | set(invited), key=lambda k: names.get(k, "~")):
        answers, average, recent, earlier = rows.get(key, (0, None, None, None))
        result.append(
            Satisfaction(
                key, names.get(key, nobody), answers, _round(average), _round(recent),
                _round(earlier), invited.get(key, 0),
            )
        )
    return result


def by_team(now: datetime, since: datetime | None = None) -> list[Satisfaction]:
    return _by_group(
        ITTeam, SurveyResponse.team_id, SurveyInvitation.team_id, now, since, "No team"
    )


def by_unit(now: datetime, since: datetime | None = None) -> list[Satisfaction]:
    return _by_group(
        BusinessUnit, SurveyResponse.business_unit_id, SurveyInvitation.business_unit_id,
        now, since, "No unit",
    )


def for_unit(unit_id: int, now: datetime, since: datetime | None = None) -> Satisfaction:
    """One unit's CSAT (for the relationship dashboard), "no data yet" as zero answers."""
    for row in by_unit(now, since):
        if row.key == unit_id:
            return row
    return Satisfaction(unit_id, "", 0, None, None, None, 0)


def latest_comments(limit: int = 15, unit_id: int | None = None) -> list[SurveyResponse]:
    """Recent answers that came with words, newest first."""
    query = (
        select(SurveyResponse)
        .options(
            joinedload(SurveyResponse.request).joinedload(ServiceRequest.requester),
            joinedload(SurveyResponse.agent),
            joinedload(SurveyResponse.action),
        )
        .where(SurveyResponse.comment != "")
        .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc())
        .limit(limit)
    )
    if unit_id is not None:
        query = query.where(SurveyResponse.business_unit_id == unit_id)
    return list(db.session.scalars(query))


def latest_actions(limit: int = 10, unit_id: int | None = None) -> list[FeedbackAction]:
    """"You said, we did": the newest changes, with the comments that led to them."""
    query = (
        select(FeedbackAction)
        .options(joinedload(FeedbackAction.created_by))
        .order_by(FeedbackAction.created_at.desc())
        .limit(limit)
    )
    if unit_id is not None:
        query = query.where(
            FeedbackAction.id.in_(
                select(SurveyResponse.action_id).where(SurveyResponse.business_unit_id == unit_id)
            )
        )
    return list(db.session.scalars(query))
