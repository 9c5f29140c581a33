"""Rules for the requester's side: priority, filing, the conversation, confirm and reopen.

Functions here take and return models, flush but never commit; the view commits once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.database import utcnow
from tracker.extensions import db
from tracker.mail import notices as mail
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
from tracker.notifications.services import notify
from tracker.service_requests import sla
from tracker.service_requests.timeline import RequestRuleError, record, set_stage

__all__ = [
    "NewRequest",
    "RequestRuleError",
    "add_comment",
    "confirm_fixed",
    "derive_priority",
    "file_request",
    "reopen",
]

# Impact x urgency -> priority. Each answer scores 0-2; the sum picks the priority,
# so "the whole unit can't work" is P1 and "just me, with a workaround" is P4.
_IMPACT_SCORE = {Impact.JUST_ME: 0, Impact.MY_TEAM: 1, Impact.WHOLE_UNIT: 2}
_URGENCY_SCORE = {Urgency.WORKAROUND: 0, Urgency.SLOWED: 1, Urgency.BLOCKED: 2}
_PRIORITY_BY_SCORE = {4: 1, 3: 2, 2: 3, 1: 4, 0: 4}

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
    try:
        # Added inside the savepoint: begin_nested() flushes what is pending first, so a
        # duplicate added before it would fail outside the savepoint and, on PostgreSQL,
        # abort the whole transaction instead of only this insert.
        with db.session.begin_nested():
            db.session.add(service_request)
            db.session.flush()
    except IntegrityError:
        if not data.idempotency_key:
            raise
        existing = find_by_idempotency_key(requester, data.idempotency_key)
        if existing is None:
            raise
        return existing, False
    sla.schedule(service_request, sla.load_rules())
    record(service_request, requester, EventKind.CREATED)
    mail.request_received(service_request)
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
    event = record(
        service_request, author, kind, body=body, internal=internal,
        idempotency_key=idempotency_key,
    )
    if not internal:
        if is_requester and service_request.stage_enum is Stage.WAITING_ON_REQUESTER:
            set_stage(service_request, author, Stage.IN_PROGRESS)
        elif author.is_staff and not is_requester:
            if service_request.first_response_at is None:
                service_request.first_response_at = event.created_at
                sla.schedule(service_request, sla.load_rules())
            notify(
                [service_request.requester_id],
                "request_reply",
                f"{author.display_name} from IT replied to your request "
                f"{service_request.reference}.",
                f"/requests/{service_request.reference}",
            )
            mail.reply_from_it(service_request, event)
    db.session.flush()
    return event


def confirm_fixed(service_request: ServiceRequest, requester: User) -> RequestEvent:
    """The requester says the fix worked: the request closes."""
    if service_request.stage_enum is not Stage.RESOLVED:
        raise RequestRuleError("Only a request marked as done can be confirmed.")
    record(service_request, requester, EventKind.CONFIRMED)
    event = set_stage(service_request, requester, Stage.CLOSED)
    db.session.flush()
    return event


def reopen(
    service_request: ServiceRequest, requester: User, reason: str, *, allow_closed: bool = False
) -> RequestEvent:
    """The requester says it is not fixed: back to IT, with their reason.

    A closed request can be reopened only from the satisfaction survey (allow_closed).
    """
    reason = reason.strip()
    reopenable = {Stage.RESOLVED, Stage.CLOSED} if allow_closed else {Stage.RESOLVED}
    if service_request.stage_enum not in reopenable:
        raise RequestRuleError("Only a request marked as done can be reopened.")
    if not reason:
        raise RequestRuleError("Please tell us what is still not working.")
    service_request.reopen_count += 1
    event = record(service_request, requester, EventKind.REOPENED, body=reason)
    set_stage(service_request, requester, Stage.IN_PROGRESS)
    db.session.flush()
    return event
