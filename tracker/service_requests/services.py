"""Rules for requests: priority, filing, conversation and stage changes.

Functions here take and return models, flush but never commit; the view commits once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import (
    Category,
    EventKind,
    Impact,
    RequestEvent,
    ServiceRequest,
    Stage,
    Urgency,
    User,
)

# Impact x urgency -> priority. Each answer scores 0-2; the sum picks the priority,
# so "the whole unit can't work" is P1 and "just me, with a workaround" is P4.
_IMPACT_SCORE = {Impact.JUST_ME: 0, Impact.MY_TEAM: 1, Impact.WHOLE_UNIT: 2}
_URGENCY_SCORE = {Urgency.WORKAROUND: 0, Urgency.SLOWED: 1, Urgency.BLOCKED: 2}
_PRIORITY_BY_SCORE = {4: 1, 3: 2, 2: 3, 1: 4, 0: 4}

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


class RequestRuleError(ValueError):
    """A change that the request's current state does not allow."""


@dataclass(frozen=True)
class NewRequest:
    """What a requester filled in on the form."""

    title: str
    description: str
    category: Category
    impact: Impact
    urgency: Urgency
    idempotency_key: str | None = None


def derive_priority(impact: Impact | str, urgency: Impact | str) -> int:
    """Priority 1 (most urgent) to 4 from who is affected and how blocked they are."""
    score = _IMPACT_SCORE[Impact(impact)] + _URGENCY_SCORE[Urgency(urgency)]
    return _PRIORITY_BY_SCORE[score]


def allowed_stage_moves(service_request: ServiceRequest) -> list[Stage]:
    """The stages staff can move this request to, in workflow order."""
    moves = STAFF_TRANSITIONS[service_request.stage_enum]
    return [stage for stage in Stage if stage in moves]


def _record(
    service_request: ServiceRequest,
    actor: User | None,
    kind: EventKind,
    *,
    body: str | None = None,
    internal: bool = False,
    old_value: str | None = None,
    new_value: str | None = None,
    idempotency_key: str | None = None,
) -> RequestEvent:
    now = utcnow()
    event = RequestEvent(
        request_id=service_request.id,
        actor=actor,
        kind=kind.value,
        body=body,
        internal=internal,
        old_value=old_value,
        new_value=new_value,
        idempotency_key=idempotency_key,
        created_at=now,
    )
    db.session.add(event)
    if not internal:
        service_request.last_activity_at = now
    return event


def _set_stage(
    service_request: ServiceRequest, actor: User | None, new: Stage, *, body: str | None = None
) -> RequestEvent:
    old = service_request.stage_enum
    now = utcnow()
    service_request.stage = new.value
    if new is Stage.RESOLVED:
        service_request.resolved_at = now
    elif new is Stage.CLOSED:
        service_request.closed_at = now
    elif old in (Stage.RESOLVED, Stage.CLOSED):
        service_request.resolved_at = None
        service_request.closed_at = None
    return _record(
        service_request, actor, EventKind.STAGE, body=body, old_value=old.value, new_value=new.value
    )


def find_by_idempotency_key(requester: User, key: str) -> ServiceRequest | None:
    """The request this person already filed with this form submission, if any."""
    return db.session.scalar(
        select(ServiceRequest).where(
            ServiceRequest.requester_id == requester.id,
            ServiceRequest.idempotency_key == key,
        )
    )


def file_request(requester: User, data: NewRequest) -> tuple[ServiceRequest, bool]:
    """File a new request; returns (request, created).

    A second submission of the same form (same idempotency key) returns the request
    the first one created instead of filing a duplicate, even when both race.
    """
    if data.idempotency_key:
        existing = find_by_idempotency_key(requester, data.idempotency_key)
        if existing is not None:
            return existing, False
    now = utcnow()
    service_request = ServiceRequest(
        title=data.title.strip(),
        description=data.description.strip(),
        category=data.category,
        requester=requester,
        business_unit_id=requester.business_unit_id,
        impact=Impact(data.impact).value,
        urgency=Urgency(data.urgency).value,
        priority=derive_priority(data.impact, data.urgency),
        stage=Stage.NEW.value,
        team_id=data.category.default_team_id,
        idempotency_key=data.idempotency_key,
        created_at=now,
        last_activity_at=now,
    )
    db.session.add(service_request)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        if not data.idempotency_key:
            raise
        existing = find_by_idempotency_key(requester, data.idempotency_key)
        if existing is None:
            raise
        return existing, False
    _record(service_request, requester, EventKind.CREATED)
    db.session.flush()
    return service_request, True


def add_comment(
    service_request: ServiceRequest,
    author: User,
    body: str,
    *,
    internal: bool = False,
    idempotency_key: str | None = None,
) -> RequestEvent:
    """Add to the conversation (or, for staff, an internal note).

    A requester answering a request that waits on them hands it back to IT; the first
    public reply from IT counts as the first response.
    """
    body = body.strip()
    if not body:
        raise RequestRuleError("Please write a message.")
    is_requester = author.id == service_request.requester_id
    if internal and not author.is_staff:
        raise RequestRuleError("Only IT staff can add internal notes.")
    if service_request.stage_enum is Stage.CLOSED and not author.is_staff:
        raise RequestRuleError(
            "This request is closed. If you still need help, please start a new request."
        )
    if idempotency_key:
        existing = db.session.scalar(
            select(RequestEvent).where(
                RequestEvent.request_id == service_request.id,
                RequestEvent.idempotency_key == idempotency_key,
            )
        )
        if existing is not None:
            return existing
    kind = EventKind.NOTE if internal else EventKind.COMMENT
    event = _record(
        service_request, author, kind, body=body, internal=internal,
        idempotency_key=idempotency_key,
    )
    if not internal:
        if is_requester and service_request.stage_enum is Stage.WAITING_ON_REQUESTER:
            _set_stage(service_request, author, Stage.IN_PROGRESS)
        elif author.is_staff and not is_requester and service_request.first_response_at is None:
            service_request.first_response_at = event.created_at
    db.session.flush()
    return event


def move_stage(
    service_request: ServiceRequest, actor: User, new_stage: Stage | str, *, note: str = ""
) -> RequestEvent:
    """Move a request to another stage, if the workflow allows it from here."""
    if not actor.is_staff:
        raise RequestRuleError("Only IT staff can change the stage of a request.")
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
    event = _set_stage(service_request, actor, new, body=note.strip() or None)
    db.session.flush()
    return event


def confirm_fixed(service_request: ServiceRequest, requester: User) -> RequestEvent:
    """The requester says the fix worked: the request closes."""
    if service_request.stage_enum is not Stage.RESOLVED:
        raise RequestRuleError("Only a request marked as done can be confirmed.")
    _record(service_request, requester, EventKind.CONFIRMED)
    event = _set_stage(service_request, requester, Stage.CLOSED)
    db.session.flush()
    return event


def reopen(service_request: ServiceRequest, requester: User, reason: str) -> RequestEvent:
    """The requester says it is not fixed: back to IT, with their reason."""
    reason = reason.strip()
    if service_request.stage_enum is not Stage.RESOLVED:
        raise RequestRuleError("Only a request marked as done can be reopened.")
    if not reason:
        raise RequestRuleError("Please tell us what is still not working.")
    service_request.reopen_count += 1
    event = _record(service_request, requester, EventKind.REOPENED, body=reason)
    _set_stage(service_request, requester, Stage.IN_PROGRESS)
    db.session.flush()
    return event
