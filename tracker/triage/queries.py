"""Planned reads for the board: a fixed number of queries whatever the queue's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import defer, joinedload

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
CARDS_PER_COLUMN = 25
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


_PERSON_COLUMNS = (User.id, User.display_name, User.email)


def _card_options(query: Select) -> Select:
    """What a card shows, and nothing more (no descriptions, no password hashes)."""
    return query.options(
        defer(ServiceRequest.description),
        joinedload(ServiceRequest.category),
        joinedload(ServiceRequest.requester).load_only(*_PERSON_COLUMNS),
        joinedload(ServiceRequest.business_unit).load_only(BusinessUnit.id, BusinessUnit.name),
        joinedload(ServiceRequest.assignee).load_only(*_PERSON_COLUMNS),
        joinedload(ServiceRequest.team).load_only(ITTeam.id, ITTeam.name),
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


def _column_order(stage: Stage) -> tuple:
    # Closed requests are history: the most recently closed come first.
    if stage is Stage.CLOSED:
        return (ServiceRequest.closed_at.desc(), ServiceRequest.id.desc())
    return _urgency_order()


def _urgency_key(card) -> tuple:
    """The column order in Python (a card, or a row with the same sort columns)."""
    if card.stage == Stage.CLOSED.value:
        return (-(card.closed_at.timestamp() if card.closed_at else 0), -card.id)
    due = card.sla_due_at.timestamp() if card.sla_due_at else float("inf")
    return (card.priority, due, card.created_at.timestamp(), card.id)


def board_columns(filters: BoardFilters, user: User, now: datetime) -> list[Column]:
    """The board: each column's count and its most urgent cards, in two queries.

    The cards come from one statement: a UNION ALL of each stage's most urgent
    CARDS_PER_COLUMN ids, each part an index range scan that stops at its limit. A text
    search can't stop early (any row may match), so it reads the matches once instead.
    """
    stages = board_stages(filters)
    if filters.q:
        counts, chosen = _search_matches(filters, user, now, stages)
        where = ServiceRequest.id.in_(chosen)
    else:
        counts = stage_counts(filters, user, now)
        parts = []
        for stage in stages:
            part = (
                filters.apply(
                    select(ServiceRequest.id).where(ServiceRequest.stage == stage.value),
                    user,
                    now,
                )
                .order_by(*_column_order(stage))
                .limit(CARDS_PER_COLUMN)
                .subquery()
            )
            parts.append(select(part.c.id))
        chosen_ids = union_all(*parts).subquery()
        where = ServiceRequest.id.in_(select(chosen_ids.c.id))
    cards = db.session.scalars(_card_options(select(ServiceRequest).where(where))).all()
    by_stage: dict[Stage, list[ServiceRequest]] = {stage: [] for stage in stages}
    for card in sorted(cards, key=_urgency_key):
        by_stage[card.stage_enum].append(card)
    return [Column(stage, counts[stage], by_stage[stage]) for stage in stages]


def _search_matches(
    filters: BoardFilters, user: User, now: datetime, stages: tuple[Stage, ...]
) -> tuple[dict[Stage, int], list[int]]:
    """Each column's count and most urgent ids for a text search, from one statement.

    Counting and picking each in SQL would run the LIKE over every request on the board
    twice; the matching rows' sort keys are few and narrow, so they come back once.
    """
    sr = ServiceRequest
    rows = db.session.execute(
        filters.apply(
            select(sr.id, sr.stage, sr.priority, sr.sla_due_at, sr.created_at, sr.closed_at)
            .where(sr.stage.in_([s.value for s in stages])),
            user,
            now,
        )
        # In stage order, SQLite reads the board's stages through a stage index; without
        # an order its statistics (five stages of six) make it scan the whole table.
        .order_by(sr.stage)
    ).all()
    matches: dict[str, list] = {stage.value: [] for stage in stages}
    for row in rows:
        matches[row.stage].append(row)
    counts = {stage: len(matches[stage.value]) for stage in stages}
    chosen = []
    for stage in stages:
        most_urgent = sorted(matches[stage.value], key=_urgency_key)[:CARDS_PER_COLUMN]
        chosen += [row.id for row in most_urgent]
    return counts, chosen


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


def list_page(filters: BoardFilters, user: User, now: datetime, page: int) -> Pagination:
    """One page of the list view: the total, the page's ids, then only those rows.

    The ids are sorted on service_requests alone (narrow rows, often straight from an
    index). Sorting the rows with everything a row shows joined in would join every
    matching request first (all the open ones, thousands) to show fifty.
    """
    stages = board_stages(filters)
    ids = filters.apply(
        select(ServiceRequest.id).where(ServiceRequest.stage.in_([s.value for s in stages])),
        user,
        now,
    ).order_by(*_list_order(filters.sort, filters.order == "desc"))
    pagination = db.paginate(ids, page=page, per_page=LIST_PAGE_SIZE, error_out=False)
    # Run even for an empty page, so every page costs the same number of statements.
    page_rows = _card_options(select(ServiceRequest).where(ServiceRequest.id.in_(pagination.items)))
    rows = {row.id: row for row in db.session.scalars(page_rows)}
    pagination.items = [rows[i] for i in pagination.items if i in rows]
    return pagination


def cards_by_id(ids: list[int]) -> list[ServiceRequest]:
    """Requests for re-rendering cards after an action."""
    if not ids:
        return []
    return list(
        db.session.scalars(_card_options(select(ServiceRequest).where(ServiceRequest.id.in_(ids))))
    )


def _staff() -> list[User]:
    staff_ids = select(RoleGrant.user_id).where(RoleGrant.role.in_([r.value for r in STAFF_ROLES]))
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.id.in_(staff_ids))
            .order_by(User.display_name)
        )
    )


def _teams() -> list[ITTeam]:
    return list(db.session.scalars(select(ITTeam).order_by(ITTeam.name)))


def filter_options() -> FilterOptions:
    """The choices in the filter bar and the assignment menus."""
    return FilterOptions(
        teams=_teams(),
        staff=_staff(),
        units=list(db.session.scalars(select(BusinessUnit).order_by(BusinessUnit.name))),
        categories=list(db.session.scalars(select(Category).order_by(Category.position))),
    )


def assignment_options() -> FilterOptions:
    """Only what the assignment menus need: IT staff and teams."""
    return FilterOptions(teams=_teams(), staff=_staff(), units=[], categories=[])


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
