"""Board rules that span several requests: bulk actions and saved views."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.models import ITTeam, SavedView, ServiceRequest, Stage, User
from tracker.service_requests import workflow
from tracker.service_requests.timeline import RequestRuleError
from tracker.triage.filters import BoardFilters

MAX_BULK = 200


@dataclass
class BulkResult:
    """What a bulk action did: the references changed and those skipped, with why."""

    changed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        changed = len(self.changed)
        text = f"{changed} request{'s' if changed != 1 else ''} changed"
        if self.skipped:
            text += f", {len(self.skipped)} skipped"
        return text + "."


@dataclass(frozen=True)
class BulkAction:
    kind: str  # assign, team, priority, stage
    assignee: User | None = None
    team: ITTeam | None = None
    priority: int | None = None
    stage: Stage | None = None
    reason: str = ""


def bulk_apply(
    requests: list[ServiceRequest], actor: User, action: BulkAction
) -> BulkResult:
    """Apply one action to each request on its own; a refusal skips only that one."""
    result = BulkResult()
    for service_request in requests:
        try:
            with db.session.begin_nested():
                _apply_one(service_request, actor, action)
        except RequestRuleError as exc:
            result.skipped.append((service_request.reference, str(exc)))
        else:
            result.changed.append(service_request.reference)
    return result


def _apply_one(service_request: ServiceRequest, actor: User, action: BulkAction) -> None:
    if action.kind == "assign":
        workflow.assign(service_request, actor, action.assignee)
    elif action.kind == "team":
        workflow.set_team(service_request, actor, action.team)
    elif action.kind == "priority":
        workflow.set_priority(service_request, actor, action.priority, action.reason)
    elif action.kind == "stage":
        workflow.move_stage(service_request, actor, action.stage)
    else:
        raise RequestRuleError("Unknown action.")


class SavedViewError(ValueError):
    """A view that can't be saved as asked."""


def clean_view_query(query: str) -> str:
    """Keep only what the board understands, in a stable order."""
    filters = BoardFilters.from_args(dict(parse_qsl(query)))
    return urlencode(filters.params())


def save_view(user: User, name: str, query: str) -> SavedView:
    name = " ".join(name.split())
    if not name:
        raise SavedViewError("Please give the view a name.")
    view = SavedView(user_id=user.id, name=name, query=clean_view_query(query))
    try:
        with db.session.begin_nested():
            db.session.add(view)
            db.session.flush()
    except IntegrityError as exc:
        raise SavedViewError(f"You already have a view called “{name}”.") from exc
    return view


def own_view(user: User, view_id: int) -> SavedView | None:
    return db.session.scalar(
        select(SavedView).where(SavedView.id == view_id, SavedView.user_id == user.id)
    )
