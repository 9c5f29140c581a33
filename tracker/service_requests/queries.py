"""Planned reads for request pages: each runs a fixed number of queries."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from tracker.database import is_write_request
from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest, Stage, User
from tracker.models.requests import OPEN_STAGES, parse_reference
from tracker.service_requests.policies import can_see_internal, can_view

# The request page's statements are built once: building one cost about as much as
# running it, and the request page is the one people open most.
_REQUEST = (
    select(ServiceRequest)
    .options(
        joinedload(ServiceRequest.category),
        joinedload(ServiceRequest.requester).joinedload(User.business_unit),
        joinedload(ServiceRequest.assignee),
        joinedload(ServiceRequest.team),
        joinedload(ServiceRequest.business_unit),
    )
    .where(ServiceRequest.id == bindparam("request_id"))
)
_REQUEST_FOR_UPDATE = _REQUEST.with_for_update(of=ServiceRequest)
_TIMELINE = (
    select(RequestEvent)
    .options(joinedload(RequestEvent.actor).load_only(User.id, User.display_name))
    .where(RequestEvent.request_id == bindparam("request_id"))
    .order_by(RequestEvent.created_at, RequestEvent.id)
)
_PUBLIC_TIMELINE = _TIMELINE.where(RequestEvent.internal.is_(False))


def load_request_or_404(reference: str) -> ServiceRequest:
    """The request behind a reference, if the current user may see it; 404 otherwise.

    A form post locks the request's row until it commits (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already lets one writer in at a time). Two people changing the same
    request at once then take turns: the second reads the first one's change, so a stale
    version is refused with 409 and a repeated form finds its first submission, instead
    of an UPDATE that matches no row or a duplicate key failing with a 500.
    """
    request_id = parse_reference(reference)
    if request_id is None:
        abort(404)
    query = _REQUEST_FOR_UPDATE if is_write_request() else _REQUEST
    service_request = db.session.scalar(query, {"request_id": request_id})
    if service_request is None or not can_view(current_user, service_request):
        abort(404)
    return service_request


def timeline_for(service_request: ServiceRequest, user: User) -> list[RequestEvent]:
    """The events this person may see, oldest first, with their authors."""
    query = _TIMELINE if can_see_internal(user) else _PUBLIC_TIMELINE
    return list(db.session.scalars(query, {"request_id": service_request.id}))


def _with_list_columns(query: Select) -> Select:
    return query.options(
        joinedload(ServiceRequest.category),
        joinedload(ServiceRequest.requester),
        joinedload(ServiceRequest.assignee),
        joinedload(ServiceRequest.business_unit),
    )


def my_requests_query(user: User) -> Select:
    """A person's own requests, newest first."""
    return _with_list_columns(
        select(ServiceRequest)
        .where(ServiceRequest.requester_id == user.id)
        .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
    )


def my_open_requests(user: User, limit: int) -> list[ServiceRequest]:
    """A person's requests still in progress, most recently active first."""
    query = _with_list_columns(
        select(ServiceRequest)
        .where(
            ServiceRequest.requester_id == user.id,
            ServiceRequest.stage.in_([s.value for s in OPEN_STAGES | {Stage.RESOLVED}]),
        )
        .order_by(ServiceRequest.last_activity_at.desc(), ServiceRequest.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
