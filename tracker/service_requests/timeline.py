"""Writing to a request's timeline, and the stage change every other rule goes through."""

from __future__ import annotations

from tracker.database import utcnow
from tracker.extensions import db
from tracker.mail import notices as mail
from tracker.models import EventKind, RequestEvent, ServiceRequest, Stage, User
from tracker.service_requests import sla


class RequestRuleError(ValueError):
    """A change that the request's current state does not allow."""


def record(
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
    """Add an event; anything the requester can see also counts as activity."""
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
    service_request.updated_at = now
    if not internal:
        service_request.last_activity_at = now
    return event


def set_stage(
    service_request: ServiceRequest, actor: User | None, new: Stage, *, body: str | None = None
) -> RequestEvent:
    """Move to `new`, keeping the resolved/closed times and the SLA clocks right."""
    old = service_request.stage_enum
    now = utcnow()
    service_request.stage = new.value
    if new is Stage.RESOLVED:
        service_request.resolved_at = now
    elif new is Stage.CLOSED:
        service_request.closed_at = now
        service_request.resolved_at = service_request.resolved_at or now
    elif old in (Stage.RESOLVED, Stage.CLOSED):
        service_request.resolved_at = None
        service_request.closed_at = None
    sla.stage_changed(service_request, old, new, now, sla.load_rules())
    event = record(
        service_request, actor, EventKind.STAGE, body=body, old_value=old.value, new_value=new.value
    )
    # Feedback builds on requests, so it is imported here rather than at the top.
    survey_token = None
    if new is Stage.RESOLVED:
        from tracker.feedback.surveys import invite

        _, survey_token = invite(service_request, now)
    elif old in (Stage.RESOLVED, Stage.CLOSED) and new is not Stage.CLOSED:
        from tracker.feedback.surveys import withdraw

        withdraw(service_request, now)
    mail.stage_changed(service_request, new, note=body, survey_token=survey_token)
    return event
