"""IT's side of a request: stage moves, assignment, team and priority.

Every change is checked against the version of the request the agent was looking at,
so two people acting on stale pages never silently overwrite each other.
"""

from __future__ import annotations

from tracker.extensions import db
from tracker.mail import notices as mail
from tracker.models import EventKind, ITTeam, RequestEvent, ServiceRequest, Stage, User
from tracker.service_requests import sla
from tracker.service_requests.timeline import RequestRuleError, record, set_stage

# Stage moves staff may make. Requesters move requests only by replying,
# confirming a fix or reopening.
STAFF_TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.NEW: frozenset(
        {Stage.TRIAGED, Stage.IN_PROGRESS, Stage.WAITING_ON_REQUESTER, Stage.RESOLVED}
    ),
    Stage.TRIAGED: frozenset({Stage.IN_PROGRESS, Stage.WAITING_ON_REQUESTER, Stage.RESOLVED}),
    Stage.IN_PROGRESS: frozenset({Stage.TRIAGED, Stage.WAITING_ON_REQUESTER, Stage.RESOLVED}),
    Stage.WAITING_ON_REQUESTER: frozenset({Stage.IN_PROGRESS, Stage.RESOLVED}),
    Stage.RESOLVED: frozenset({Stage.IN_PROGRESS, Stage.CLOSED}),
    Stage.CLOSED: frozenset(),
}


class ConflictError(RequestRuleError):
    """The request changed since the agent loaded it."""

    def __init__(self, service_request: ServiceRequest):
        super().__init__(
            f"{service_request.reference} was changed by someone else while you were looking "
            "at it. Here is how it stands now; please check and try again."
        )
        self.service_request = service_request


def check_version(service_request: ServiceRequest, seen_version: int | None) -> None:
    """Refuse the change when the agent acted on an older copy of the request."""
    if seen_version is not None and seen_version != service_request.version:
        raise ConflictError(service_request)


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise RequestRuleError("Only IT staff can do that.")


def allowed_stage_moves(service_request: ServiceRequest) -> list[Stage]:
    """The stages staff can move this request to, in workflow order."""
    moves = STAFF_TRANSITIONS[service_request.stage_enum]
    return [stage for stage in Stage if stage in moves]


def move_stage(
    service_request: ServiceRequest,
    actor: User,
    new_stage: Stage | str,
    *,
    note: str = "",
    seen_version: int | None = None,
) -> RequestEvent:
    """Move a request to another stage, if the workflow allows it from here."""
    _require_staff(actor)
    check_version(service_request, seen_version)
    new = Stage(new_stage)
    current = service_request.stage_enum
    if new is current:
        raise RequestRuleError(f"This request is already {current.staff_label.lower()}.")
    if new not in STAFF_TRANSITIONS[current]:
        raise RequestRuleError(
            f"A request that is {current.staff_label.lower()} can't be moved to "
            f"{new.staff_label.lower()}."
        )
    if current is Stage.RESOLVED and new is Stage.IN_PROGRESS:
        service_request.reopen_count += 1
    event = set_stage(service_request, actor, new, body=note.strip() or None)
    db.session.flush()
    return event


def assign(
    service_request: ServiceRequest,
    actor: User,
    assignee: User | None,
    *,
    seen_version: int | None = None,
) -> RequestEvent:
    """Give the request to a member of IT staff (or nobody)."""
    _require_staff(actor)
    check_version(service_request, seen_version)
    if assignee is not None and not (assignee.is_staff and assignee.active):
        raise RequestRuleError(f"{assignee.display_name} isn't in IT, so can't take requests.")
    if service_request.assignee_id == (assignee.id if assignee else None):
        who = assignee.display_name if assignee else "nobody"
        raise RequestRuleError(f"{service_request.reference} is already assigned to {who}.")
    old = service_request.assignee_id
    service_request.assignee = assignee
    event = record(
        service_request,
        actor,
        EventKind.ASSIGNED,
        internal=True,
        old_value=str(old) if old else None,
        new_value=str(assignee.id) if assignee else None,
        body=assignee.display_name if assignee else None,
    )
    mail.assigned(service_request, actor, assignee)
    db.session.flush()
    return event


def set_team(
    service_request: ServiceRequest,
    actor: User,
    team: ITTeam | None,
    *,
    seen_version: int | None = None,
) -> RequestEvent:
    """Route the request to an IT team's queue."""
    _require_staff(actor)
    check_version(service_request, seen_version)
    if service_request.team_id == (team.id if team else None):
        raise RequestRuleError(
            f"{service_request.reference} is already with {team.name if team else 'no team'}."
        )
    old = service_request.team_id
    service_request.team = team
    event = record(
        service_request,
        actor,
        EventKind.TEAM,
        internal=True,
        old_value=str(old) if old else None,
        new_value=str(team.id) if team else None,
        body=team.name if team else None,
    )
    db.session.flush()
    return event


def set_priority(
    service_request: ServiceRequest,
    actor: User,
    priority: int,
    reason: str,
    *,
    seen_version: int | None = None,
) -> RequestEvent:
    """Override the derived priority, with a reason; the SLA due times follow."""
    _require_staff(actor)
    check_version(service_request, seen_version)
    if priority not in (1, 2, 3, 4):
        raise RequestRuleError("Priority must be P1, P2, P3 or P4.")
    reason = reason.strip()
    if not reason:
        raise RequestRuleError("Please say why the priority changes.")
    if service_request.priority == priority:
        raise RequestRuleError(f"{service_request.reference} is already P{priority}.")
    old = service_request.priority
    service_request.priority = priority
    service_request.priority_overridden = True
    sla.schedule(service_request, sla.load_rules())
    event = record(
        service_request,
        actor,
        EventKind.PRIORITY,
        internal=True,
        old_value=str(old),
        new_value=str(priority),
        body=reason,
    )
    db.session.flush()
    return event
