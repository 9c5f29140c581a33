"""Planned reads for the board: a fixed number of queries whatever the queue's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import (
    BusinessUnit,
    Category,
    ITTeam,
    RoleGrant,
    SavedView,
    ServiceRequest,
    Stage,
    User,
)
from tracker.models.requests import OPEN_STAGES
from tracker.models.users import STAFF_ROLES
from tracker.triage.filters import BoardFilters

BOARD_STAGES = (
    Stage.NEW,
    Stage.TRIAGED,
    Stage.IN_PROGRESS,
    Stage.WAITING_ON_REQUESTER,
    Stage.RESOLVED,
)
CARDS_PER_COLUMN = 50
LIST_PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    stage: Stage
    count: int
    cards: list[ServiceRequest]

    @property
    def hidden(self) -> int:
        return max(self.count - len(self.cards), 0)


@dataclass(frozen=True)
class FilterOptions:
    teams: list[ITTeam]
    staff: list[User]
    units: list[BusinessUnit]
    categories: list[Category]


def _card_options(query: Select) -> Select:
    return query.options(
        joinedload(ServiceRequest.category),
        joinedload(ServiceRequest.requester),
        joinedload(ServiceRequest.business_unit),
        joinedload(ServiceRequest.assignee),
        joinedload(ServiceRequest.team),
    )


def _urgency_order():
    """Most urgent first: priority, then the nearest SLA deadline, then the oldest."""
    return (
        ServiceRequest.priority,
        ServiceRequest.sla_due_at.asc().nulls_last(),
        ServiceRequest.created_at,
        ServiceRequest.id,
    )


def board_stages(filters: BoardFilters) -> tuple[Stage, ...]:
    return (*BOARD_STAGES, Stage.CLOSED) if filters.closed else BOARD_STAGES


def stage_counts(filters: BoardFilters, user: User, now: datetime) -> dict[Stage, int]:
    """How many requests match the filters in each column (one grouped query)."""
    stages = board_stages(filters)
    query = filters.apply(
        select(ServiceRequest.stage, func.count()).where(
            ServiceRequest.stage.in_([s.value for s in stages])
        ),
        user,
        now,
    ).group_by(ServiceRequest.stage)
    counts = dict.fromkeys(stages, 0)
    for stage, count in db.session.execute(query):
        counts[Stage(stage)] = count
    return counts


def board_columns(filters: BoardFilters, user: User, now: datetime) -> list[Column]:
    """The board: each column's count and its most urgent cards, in two queries."""
    stages = board_stages(filters)
    counts = stage_counts(filters, user, now)
    # Closed requests are history: the most recently closed come first.
    closed_first = case(
        (ServiceRequest.stage == Stage.CLOSED.value, ServiceRequest.closed_at)
    ).desc()
    rank = func.row_number().over(
        partition_by=ServiceRequest.stage, order_by=(closed_first, *_urgency_order())
    )
    ranked = filters.apply(
        select(ServiceRequest.id.label("id"), rank.label("rank")).where(
            ServiceRequest.stage.in_([s.value for s in stages])
        ),
        user,
        now,
    ).subquery()
    cards = db.session.scalars(
        _card_options(
            select(ServiceRequest)
            .join(ranked, ranked.c.id == ServiceRequest.id)
            .where(ranked.c.rank <= CARDS_PER_COLUMN)
            .order_by(ServiceRequest.stage, ranked.c.rank)
        )
    ).all()
    by_stage: dict[Stage, list[ServiceRequest]] = {stage: [] for stage in stages}
    for card in cards:
        by_stage[card.stage_enum].append(card)
    return [Column(stage, counts[stage], by_stage[stage]) for stage in stages]


def _list_order(sort: str, descending: bool) -> tuple:
    def way(column):
        return column.desc() if descending else column.asc()

    if sort == "due":
        return (way(ServiceRequest.sla_due_at).nulls_last(), ServiceRequest.id)
    if sort == "age":
        return (way(ServiceRequest.created_at), ServiceRequest.id)
    if sort == "updated":
        return (way(ServiceRequest.updated_at), ServiceRequest.id)
    if sort == "reference":
        return (way(ServiceRequest.id),)
    return (way(ServiceRequest.priority), *_urgency_order()[1:])


def list_query(filters: BoardFilters, user: User, now: datetime) -> Select:
    """The same requests as rows, sortable; open ones unless closed are asked for."""
    stages = board_stages(filters)
    return _card_options(
        filters.apply(
            select(ServiceRequest).where(ServiceRequest.stage.in_([s.value for s in stages])),
            user,
            now,
        ).order_by(*_list_order(filters.sort, filters.order == "desc"))
    )


def cards_by_id(ids: list[int]) -> list[ServiceRequest]:
    """Requests for re-rendering cards after an action."""
    if not ids:
        return []
    return list(
        db.session.scalars(_card_options(select(ServiceRequest).where(ServiceRequest.id.in_(ids))))
    )


def filter_options() -> FilterOptions:
    """The choices in the filter bar and the assignment menus."""
    staff = db.session.scalars(
        select(User)
        .where(
            User.active.is_(True),
            User.id.in_(
                select(RoleGrant.user_id).where(RoleGrant.role.in_([r.value for r in STAFF_ROLES]))
            ),
        )
        .order_by(User.display_name)
    ).all()
    return FilterOptions(
        teams=list(db.session.scalars(select(ITTeam).order_by(ITTeam.name))),
        staff=list(staff),
        units=list(db.session.scalars(select(BusinessUnit).order_by(BusinessUnit.name))),
        categories=list(db.session.scalars(select(Category).order_by(Category.position))),
    )


def workload() -> list[tuple[User | None, int]]:
    """Open requests per person (and unassigned), busiest first, for balancing work."""
    counts = (
        select(ServiceRequest.assignee_id, func.count().label("open"))
        .where(ServiceRequest.stage.in_([s.value for s in OPEN_STAGES]))
        .group_by(ServiceRequest.assignee_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, counts.c.open)
        .select_from(counts)
        .outerjoin(User, User.id == counts.c.assignee_id)
        .order_by(counts.c.open.desc())
    ).all()
    return [(person, count) for person, count in rows]


def saved_views_of(user: User) -> list[SavedView]:
    return list(
        db.session.scalars(
            select(SavedView).where(SavedView.user_id == user.id).order_by(SavedView.name)
        )
    )


def changes_since(filters: BoardFilters, user: User, now: datetime, since: datetime) -> int:
    """How many requests on this board were filed or changed after `since`."""
    stages = board_stages(filters)
    query = filters.apply(
        select(func.count())
        .select_from(ServiceRequest)
        .where(
            ServiceRequest.stage.in_([s.value for s in stages]),
            ServiceRequest.updated_at > since,
        ),
        user,
        now,
    )
    return db.session.scalar(query) or 0
