"""Satisfaction figures through the API: the aggregates of tracker/feedback/stats.py.

IT staff get every agent, team and unit (as on the feedback page); a BRM gets the units
they manage (as on their dashboards) and no agents or teams. Requesters may not.
"""

from __future__ import annotations

from datetime import timedelta

from flask_login import current_user

from tracker.api import schemas
from tracker.api.blueprint import operation
from tracker.api.errors import ApiError
from tracker.api.parsing import query
from tracker.database import utcnow
from tracker.extensions import db
from tracker.feedback import stats
from tracker.models import Role
from tracker.relationships.access import brm_unit_ids

TAG = "Satisfaction"


def _figures(rows: list[stats.Satisfaction]) -> list[schemas.Satisfaction]:
    return [
        schemas.Satisfaction(
            id=row.key, name=row.name, answers=row.answers, average=row.average,
            recent_average=row.recent, earlier_average=row.earlier, trend=row.trend or None,
            invited=row.invited,
            response_rate=round(row.response_rate, 4) if row.response_rate is not None else None,
        )
        for row in rows
    ]


@operation(
    "/surveys/summary", "GET", summary="Satisfaction in numbers", tag=TAG,
    query=schemas.SurveyQuery,
    responses={
        200: ("Averages with their counts and trends", schemas.SurveySummary),
        403: ("Neither IT staff nor a BRM", schemas.Error),
        422: ("A parameter is not valid", schemas.Error),
    },
)
def survey_summary():
    """Answers to "How did we do?" (1 very poor to 5 excellent): per agent (an average
    only from `min_answers_for_a_person` answers, to be fair), per team and per unit, with
    the average of the last `trend_days` days against the ones before."""
    params = query(schemas.SurveyQuery)
    user, now = current_user, utcnow()
    staff, brm = user.is_staff, user.has_role(Role.BRM)
    if not (staff or brm):
        raise ApiError(403, "Satisfaction figures are for IT staff and BRMs.")
    since = now - timedelta(days=params.days) if params.days else None
    units = stats.by_unit(now, since)
    if not staff:
        mine = set(db.session.scalars(brm_unit_ids(user)))
        units = [row for row in units if row.key in mine]
    return schemas.SurveySummary(
        generated_at=now, since=since, min_answers_for_a_person=stats.MIN_ANSWERS_FOR_A_PERSON,
        trend_days=stats.TREND_DAYS,
        agents=_figures(stats.by_agent(now, since)) if staff else [],
        teams=_figures(stats.by_team(now, since)) if staff else [],
        units=_figures(units),
    ).model_dump(mode="json")
