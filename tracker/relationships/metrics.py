"""A unit's relationship in numbers, computed in SQL with GROUP BY and window functions.

Every function answers for a list of units at once (the portfolio) or one unit (the
dashboard) in a fixed number of queries, whatever the number of requests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload

from tracker.database import UTCDateTime
from tracker.extensions import db
from tracker.models import (
    Category,
    NextAction,
    ServiceRequest,
    ShadowTool,
    Stage,
    SurveyResponse,
    ToolAdoption,
    Touchpoint,
)
from tracker.models.requests import OPEN_STAGES as REQUEST_OPEN_STAGES
from tracker.relationships.health import Measures
from tracker.relationships.sqltime import bucket_of, seconds_between
from tracker.service_requests.sla import RUNNING_STAGES
from tracker.shadow_it.queries import HIGH_TIERS, UNREVIEWED, yearly_cost_sql

PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90
# Buckets per period for the charts: 2-day, weekly and monthly bars.
BUCKETS = {30: 15, 90: 13, 365: 12}
IDEA_SLUG = "idea"
# The request model's open stages, as stored values in the order of the workflow.
OPEN_STAGES = tuple(s.value for s in Stage if s in REQUEST_OPEN_STAGES)
RUNNING = tuple(s.value for s in RUNNING_STAGES)


def _at(moment: datetime):
    return literal(moment, UTCDateTime())


@dataclass(frozen=True)
class Window:
    """The chosen period ending now, and the one of the same length before it."""

    now: datetime
    days: int

    @property
    def start(self) -> datetime:
        return self.now - timedelta(days=self.days)

    @property
    def previous_start(self) -> datetime:
        return self.now - timedelta(days=2 * self.days)

    @property
    def bucket_seconds(self) -> float:
        return self.days * 86400 / BUCKETS[self.days]

    def bucket_starts(self) -> list[datetime]:
        size = timedelta(seconds=self.bucket_seconds)
        return [self.start + size * i for i in range(BUCKETS[self.days])]


def _share(part, whole) -> float | None:
    return None if not whole else part / whole


@dataclass
class Outcomes:
    """Requests of one unit in a window: what came in, what got resolved and how."""

    filed: int = 0
    resolved: int = 0
    in_time: int = 0
    reopened: int = 0
    open: int = 0
    breaching: int = 0
    previous_resolved: int = 0
    previous_in_time: int = 0
    previous_reopened: int = 0

    @property
    def attainment(self) -> float | None:
        return _share(self.in_time, self.resolved)

    @property
    def reopen_rate(self) -> float | None:
        return _share(self.reopened, self.resolved)

    @property
    def previous_attainment(self) -> float | None:
        return _share(self.previous_in_time, self.previous_resolved)

    @property
    def previous_reopen_rate(self) -> float | None:
        return _share(self.previous_reopened, self.previous_resolved)


def outcomes(unit_ids: list[int], window: Window) -> dict[int, Outcomes]:
    """Filed, resolved, resolved in time, reopened, open and breaching, per unit.

    Three grouped queries, each answered from one covering index on SQLite and
    PostgreSQL: filing dates, resolutions, and the open queue.
    """
    sr = ServiceRequest
    start, before = _at(window.start), _at(window.previous_start)
    result = {unit_id: Outcomes() for unit_id in unit_ids}

    for unit_id, filed in db.session.execute(
        select(sr.business_unit_id, func.count())
        .where(sr.business_unit_id.in_(unit_ids), sr.created_at >= start)
        .group_by(sr.business_unit_id)
    ):
        result[unit_id].filed = int(filed)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    now_part = sr.resolved_at >= start
    in_time = sr.resolved_at <= sr.resolution_due_at
    reopened = sr.reopen_count > 0
    for unit_id, *figures in db.session.execute(
        select(
            sr.business_unit_id,
            count(now_part),
            count(and_(now_part, in_time)),
            count(and_(now_part, reopened)),
            count(~now_part),
            count(and_(~now_part, in_time)),
            count(and_(~now_part, reopened)),
        )
        .where(sr.business_unit_id.in_(unit_ids), sr.resolved_at >= before)
        .group_by(sr.business_unit_id)
    ):
        row = result[unit_id]
        (row.resolved, row.in_time, row.reopened, row.previous_resolved,
         row.previous_in_time, row.previous_reopened) = (int(f) for f in figures)

    for unit_id, open_count, breaching in db.session.execute(
        select(
            sr.business_unit_id,
            func.count(),
            count(and_(sr.stage.in_(RUNNING), sr.sla_due_at <= _at(window.now))),
        )
        .where(sr.business_unit_id.in_(unit_ids), sr.stage.in_(OPEN_STAGES))
        .group_by(sr.business_unit_id)
    ):
        result[unit_id].open, result[unit_id].breaching = int(open_count), int(breaching)
    return result


@dataclass(frozen=True)
class Satisfaction:
    answers: int = 0
    average: float | None = None
    previous_answers: int = 0
    previous_average: float | None = None


def satisfaction(unit_ids: list[int], window: Window) -> dict[int, Satisfaction]:
    """CSAT per unit for the window and the one before it."""
    start, before = _at(window.start), _at(window.previous_start)
    now_part = SurveyResponse.created_at >= start
    rows = db.session.execute(
        select(
            SurveyResponse.business_unit_id,
            func.count(case((now_part, 1))),
            func.avg(case((now_part, SurveyResponse.score))),
            func.count(case((~now_part, 1))),
            func.avg(case((~now_part, SurveyResponse.score))),
        )
        .where(
            SurveyResponse.business_unit_id.in_(unit_ids),
            SurveyResponse.created_at >= before,
        )
        .group_by(SurveyResponse.business_unit_id)
    )
    result = {unit_id: Satisfaction() for unit_id in unit_ids}
    for unit_id, answers, average, previous_answers, previous_average in rows:
        result[unit_id] = Satisfaction(
            answers, _round(average), previous_answers, _round(previous_average)
        )
    return result


def _round(value, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


@dataclass(frozen=True)
class Ideas:
    open: int = 0
    average_age_days: float | None = None
    previous_open: int = 0
    previous_average_age_days: float | None = None


def _idea_category():
    return select(Category.id).where(Category.slug == IDEA_SLUG).scalar_subquery()


def ideas(unit_ids: list[int], window: Window) -> dict[int, Ideas]:
    """Open ideas per unit and their average age, now and at the start of the window."""
    sr = ServiceRequest
    now, start = _at(window.now), _at(window.start)
    open_now = sr.stage.in_(OPEN_STAGES)
    # Open at the start of the window: filed before it, not yet resolved or closed then.
    open_then = and_(
        sr.created_at < start,
        func.coalesce(sr.resolved_at, sr.closed_at, now) >= start,
    )
    day = 86400.0
    rows = db.session.execute(
        select(
            sr.business_unit_id,
            func.count(case((open_now, 1))),
            func.avg(case((open_now, seconds_between(sr.created_at, now) / day))),
            func.count(case((open_then, 1))),
            func.avg(case((open_then, seconds_between(sr.created_at, start) / day))),
        )
        .where(
            sr.category_id == _idea_category(),
            sr.business_unit_id.in_(unit_ids),
            # Finished before the window started: neither open now nor open then.
            or_(open_now, sr.resolved_at >= start, sr.closed_at >= start),
        )
        .group_by(sr.business_unit_id)
    )
    result = {unit_id: Ideas() for unit_id in unit_ids}
    for unit_id, count_now, age_now, count_then, age_then in rows:
        result[unit_id] = Ideas(count_now, _round(age_now, 1), count_then, _round(age_then, 1))
    return result


def risky_tools(unit_ids: list[int]) -> dict[int, int | None]:
    """High or critical tools each unit uses that IT has not decided on yet.

    None for a unit that has registered or adopted no tool at all: there is nothing to
    count yet, which is not the same as having nothing risky.
    """
    risky = and_(ShadowTool.status.in_(UNREVIEWED), ShadowTool.risk_tier.in_(HIGH_TIERS))
    rows = db.session.execute(
        select(
            ToolAdoption.business_unit_id,
            func.count(func.distinct(case((risky, ShadowTool.id)))),
        )
        .join(ShadowTool, ShadowTool.id == ToolAdoption.tool_id)
        .where(ToolAdoption.business_unit_id.in_(unit_ids))
        .group_by(ToolAdoption.business_unit_id)
    )
    result: dict[int, int | None] = dict.fromkeys(unit_ids)
    result.update({unit_id: int(n) for unit_id, n in rows})
    return result


@dataclass(frozen=True)
class Contact:
    last: date | None = None
    last_before_window: date | None = None
    overdue_actions: int = 0
    open_actions: int = 0


def contact(unit_ids: list[int], window: Window) -> dict[int, Contact]:
    """Last touchpoint per unit (now and before the window) and its overdue next actions."""
    today = window.now.date()
    start_day = window.start.date()
    touch = {
        unit_id: (last, last_before)
        for unit_id, last, last_before in db.session.execute(
            select(
                Touchpoint.business_unit_id,
                func.max(Touchpoint.happened_on),
                func.max(case((Touchpoint.happened_on < start_day, Touchpoint.happened_on))),
            )
            .where(Touchpoint.business_unit_id.in_(unit_ids))
            .group_by(Touchpoint.business_unit_id)
        )
    }
    actions = {
        unit_id: (int(overdue), int(total))
        for unit_id, overdue, total in db.session.execute(
            select(
                NextAction.business_unit_id,
                func.count(case((NextAction.due_on < today, 1))),
                func.count(),
            )
            .where(NextAction.business_unit_id.in_(unit_ids), NextAction.done_at.is_(None))
            .group_by(NextAction.business_unit_id)
        )
    }
    result = {}
    for unit_id in unit_ids:
        last, last_before = touch.get(unit_id, (None, None))
        overdue, total = actions.get(unit_id, (0, 0))
        result[unit_id] = Contact(_as_date(last), _as_date(last_before), overdue, total)
    return result


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite's MAX over a CASE loses the type


def _days_between(earlier: date | None, later: date) -> int | None:
    return None if earlier is None else max((later - earlier).days, 0)


def measures(
    unit_id: int, window: Window, outcome: Outcomes, csat: Satisfaction, idea: Ideas,
    tools: int, touch: Contact,
) -> tuple[Measures, Measures]:
    """The health inputs now, and at the start of the window (for the trend arrow)."""
    now = Measures(
        sla_attainment=outcome.attainment,
        csat=csat.average,
        reopen_rate=outcome.reopen_rate,
        idea_age_days=idea.average_age_days if idea.open else None,
        risky_tools=tools,
        days_since_touchpoint=_days_between(touch.last, window.now.date()),
    )
    before = Measures(
        sla_attainment=outcome.previous_attainment,
        csat=csat.previous_average,
        reopen_rate=outcome.previous_reopen_rate,
        idea_age_days=idea.previous_average_age_days if idea.previous_open else None,
        # The registry keeps no history of risk per day: today's count stands in.
        risky_tools=tools,
        days_since_touchpoint=_days_between(touch.last_before_window, window.start.date()),
    )
    return now, before


# -- The dashboard's detail for one unit ------------------------------------------------


@dataclass(frozen=True)
class Bar:
    start: datetime
    count: int
    average: float | None = None


def volume(unit_id: int, window: Window) -> tuple[list[Bar], int]:
    """Requests filed per bucket in the window, and the total of the window before."""
    sr = ServiceRequest
    start = _at(window.start)
    bucket = case(
        (sr.created_at < start, -1),
        else_=bucket_of(start, sr.created_at, window.bucket_seconds),
    )
    rows = dict(
        db.session.execute(
            select(bucket, func.count())
            .where(sr.business_unit_id == unit_id, sr.created_at >= _at(window.previous_start))
            .group_by(bucket)
        ).all()
    )
    bars = [Bar(s, int(rows.get(i, 0))) for i, s in enumerate(window.bucket_starts())]
    return bars, int(rows.get(-1, 0))


def csat_trend(unit_id: int, window: Window) -> list[Bar]:
    """Satisfaction answers and their average per bucket."""
    start = _at(window.start)
    bucket = bucket_of(start, SurveyResponse.created_at, window.bucket_seconds)
    rows = {
        index: (count, average)
        for index, count, average in db.session.execute(
            select(bucket, func.count(), func.avg(SurveyResponse.score))
            .where(SurveyResponse.business_unit_id == unit_id, SurveyResponse.created_at >= start)
            .group_by(bucket)
        )
    }
    return [
        Bar(s, int(rows.get(i, (0, None))[0]), _round(rows.get(i, (0, None))[1], 1))
        for i, s in enumerate(window.bucket_starts())
    ]


def by_category(unit_id: int, window: Window) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Category.staff_name, func.count(ServiceRequest.id))
        .join(ServiceRequest, ServiceRequest.category_id == Category.id)
        .where(
            ServiceRequest.business_unit_id == unit_id,
            ServiceRequest.created_at >= _at(window.start),
        )
        .group_by(Category.id, Category.staff_name, Category.position)
        .order_by(func.count(ServiceRequest.id).desc(), Category.position)
    )
    return [(name, int(n)) for name, n in rows]


def open_by_stage(unit_id: int) -> list[tuple[Stage, int]]:
    counts = dict(
        db.session.execute(
            select(ServiceRequest.stage, func.count())
            .where(
                ServiceRequest.business_unit_id == unit_id,
                ServiceRequest.stage.in_(OPEN_STAGES),
            )
            .group_by(ServiceRequest.stage)
        ).all()
    )
    return [(Stage(stage), int(counts.get(stage, 0))) for stage in OPEN_STAGES]


@dataclass(frozen=True)
class Medians:
    first_response_seconds: float | None = None
    resolution_seconds: float | None = None


def medians(unit_id: int, window: Window) -> Medians:
    """Median time to first response (of the requests filed in the window) and to
    resolution (of those resolved in it), in calendar time.

    One query: the durations are ranked per measure with ROW_NUMBER and COUNT over a
    window, and the middle one (or the mean of the middle two) is kept.
    """
    sr = ServiceRequest
    start = _at(window.start)
    durations = union_all(
        select(
            literal("response").label("measure"),
            seconds_between(sr.created_at, sr.first_response_at).label("seconds"),
        ).where(
            sr.business_unit_id == unit_id, sr.created_at >= start,
            sr.first_response_at.is_not(None),
        ),
        select(
            literal("resolution").label("measure"),
            seconds_between(sr.created_at, sr.resolved_at).label("seconds"),
        ).where(sr.business_unit_id == unit_id, sr.resolved_at >= start),
    ).subquery()
    ranked = select(
        durations.c.measure,
        durations.c.seconds,
        func.row_number()
        .over(partition_by=durations.c.measure, order_by=durations.c.seconds)
        .label("position"),
        func.count().over(partition_by=durations.c.measure).label("total"),
    ).subquery()
    rows = dict(
        db.session.execute(
            select(ranked.c.measure, func.avg(ranked.c.seconds))
            .where(
                ranked.c.position.in_([(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2])
            )
            .group_by(ranked.c.measure)
        ).all()
    )
    return Medians(_round(rows.get("response"), 0), _round(rows.get("resolution"), 0))


@dataclass
class ToolSummary:
    by_tier: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    total: int = 0
    yearly_cost: list[tuple[str, Decimal]] = field(default_factory=list)


def tools(unit_id: int) -> ToolSummary:
    """Tools the unit uses by risk tier and status, and the yearly cost of those it registered."""
    used = (
        select(ToolAdoption.tool_id)
        .where(ToolAdoption.business_unit_id == unit_id)
        .scalar_subquery()
    )
    summary = ToolSummary()
    by_tier: dict[str, int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    for tier, status, count in db.session.execute(
        select(ShadowTool.risk_tier, ShadowTool.status, func.count())
        .where(ShadowTool.id.in_(used))
        .group_by(ShadowTool.risk_tier, ShadowTool.status)
    ):
        by_tier[tier] += count
        by_status[status] += count
        summary.total += count
    summary.by_tier, summary.by_status = dict(by_tier), dict(by_status)
    summary.yearly_cost = [
        (currency, Decimal(total or 0))
        for currency, total in db.session.execute(
            select(ShadowTool.currency, func.sum(yearly_cost_sql()))
            .where(ShadowTool.business_unit_id == unit_id, ShadowTool.cost_amount.is_not(None))
            .group_by(ShadowTool.currency)
            .order_by(ShadowTool.currency)
        )
    ]
    return summary


def open_ideas(unit_id: int, limit: int = 8) -> list[ServiceRequest]:
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .where(
                ServiceRequest.business_unit_id == unit_id,
                ServiceRequest.category_id == _idea_category(),
                ServiceRequest.stage.in_(OPEN_STAGES),
            )
            .order_by(ServiceRequest.created_at)
            .limit(limit)
        )
    )


def oldest_open_requests(unit_id: int, limit: int = 10) -> list[ServiceRequest]:
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .options(joinedload(ServiceRequest.requester), joinedload(ServiceRequest.category))
            .where(
                ServiceRequest.business_unit_id == unit_id,
                ServiceRequest.stage.in_(OPEN_STAGES),
            )
            .order_by(ServiceRequest.sla_due_at.is_(None), ServiceRequest.sla_due_at)
            .limit(limit)
        )
    )
