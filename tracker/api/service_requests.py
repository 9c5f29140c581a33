"""Requests through the API: list, file, read, comment, and IT's changes.

The same policies, services and workflow as the web: who may see a request
(service_requests.policies), how one is filed and commented on (services), and how IT
moves, assigns, routes and re-prioritises it (workflow, with its SLA clocks and timeline).
"""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.api import cursor, schemas
from tracker.api import representations as show
from tracker.api.blueprint import Header, operation
from tracker.api.errors import ApiError
from tracker.api.parsing import IDEMPOTENCY_HEADER, idempotency_key, json_body, query
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest, User
from tracker.relationships.access import brm_unit_ids
from tracker.service_requests import services
from tracker.service_requests.catalog import active_categories
from tracker.service_requests.policies import can_see_internal, is_requester_of
from tracker.service_requests.queries import load_request_or_404, timeline_for
from tracker.triage.filters import BoardFilters

TAG = "Requests"
STAFF_FILTERS = ("team", "assignee", "priority", "sla")
IDEMPOTENCY = Header(
    IDEMPOTENCY_HEADER,
    "Any 1-60 visible ASCII characters. The same key with the same body answers with what "
    "the first call made (200); with a different body, 409.",
    {"type": "string", "pattern": "^[\\x21-\\x7e]{1,60}$"},
)
NOT_FOUND = ("No such request, or not one you may see", schemas.Error)


def _with_columns(query_: Select) -> Select:
    return query_.options(
        joinedload(ServiceRequest.category),
        joinedload(ServiceRequest.requester),
        joinedload(ServiceRequest.business_unit),
        joinedload(ServiceRequest.assignee),
        joinedload(ServiceRequest.team),
    )


def _visible_to(user: User, query_: Select) -> Select:
    """Staff see every request; others their own, and a BRM their units' (as on the web)."""
    if user.is_staff:
        return query_
    return query_.where(or_(
        ServiceRequest.requester_id == user.id,
        ServiceRequest.business_unit_id.in_(brm_unit_ids(user)),
    ))


@operation(
    "/requests", "GET", summary="List requests", tag=TAG, query=schemas.ServiceRequestQuery,
    responses={
        200: ("A page of requests, newest first", schemas.ServiceRequestPage),
        403: ("A staff-only filter used by someone who isn't IT staff", schemas.Error),
        422: ("A parameter is not valid", schemas.Error),
    },
)
def list_requests():
    """IT staff see every request, with the triage board's filters; everyone else sees the
    requests they filed, and a BRM also those of the business units they manage.

    Pages go newest first. Follow `next_cursor` until it is null: requests filed while
    you page through never make a page repeat or skip a request."""
    params = query(schemas.ServiceRequestQuery)
    user, now = current_user, utcnow()
    used = [name for name in STAFF_FILTERS if getattr(params, name) is not None]
    if used and not user.is_staff:
        raise ApiError(403, "Only IT staff can filter by " + ", ".join(used) + ".",
                       fields={name: "For IT staff only." for name in used})
    filters = BoardFilters(
        team=params.team or "", assignee=params.assignee or "",
        unit=str(params.unit or ""), category=params.category or "",
        priority=str(params.priority or ""), sla=params.sla or "",
        q=" ".join((params.q or "").split()),
    )
    listed = filters.apply(_visible_to(user, select(ServiceRequest)), user, now)
    if params.stage:
        listed = listed.where(ServiceRequest.stage.in_([stage.value for stage in params.stage]))
    if params.cursor is not None:
        listed = listed.where(ServiceRequest.id < cursor.decode(params.cursor))
    rows = list(
        db.session.scalars(
            _with_columns(listed).order_by(ServiceRequest.id.desc()).limit(params.limit + 1)
        )
    )
    page, more = rows[: params.limit], len(rows) > params.limit
    return schemas.ServiceRequestPage(
        data=[show.service_request(row, user, now) for row in page],
        next_cursor=cursor.encode(page[-1].id) if more else None,
    ).model_dump(mode="json")


def detail_response(service_request: ServiceRequest, status: int = 200, **headers):
    user = current_user
    body = show.service_request_detail(
        service_request, user, utcnow(), timeline_for(service_request, user)
    ).model_dump(mode="json")
    return body, status, {"ETag": f'"{service_request.version}"', **headers}


@operation(
    "/requests/<reference>", "GET", summary="Read a request and its timeline", tag=TAG,
    responses={200: ("The request", schemas.ServiceRequestDetail), 404: NOT_FOUND},
    response_headers={200: ("ETag",)},
)
def get_request(reference: str):
    """The request with the timeline the caller may see: IT staff see internal notes and
    changes, requesters and BRMs the conversation. The ETag is the request's version."""
    return detail_response(load_request_or_404(reference))


def _same_request(existing: ServiceRequest, data: schemas.NewServiceRequest, category) -> bool:
    return (
        existing.title == data.title.strip()
        and existing.description == data.description.strip()
        and existing.category_id == category.id
        and existing.impact == data.impact.value
        and existing.urgency == data.urgency.value
    )


def _replayed(existing: ServiceRequest, data, category):
    if not _same_request(existing, data, category):
        raise ApiError(
            409, f"This Idempotency-Key was already used for {existing.reference}, with "
                 "different details. Use a new key for a new request.",
            code="idempotency_conflict",
        )
    return detail_response(existing, 200, Location=_location(existing))


def _location(service_request: ServiceRequest) -> str:
    return url_for("api.get_request", reference=service_request.reference, _external=True)


@operation(
    "/requests", "POST", summary="File a request", tag=TAG, body=schemas.NewServiceRequest,
    headers=(IDEMPOTENCY,),
    responses={
        201: ("Filed", schemas.ServiceRequestDetail),
        200: ("Already filed with this Idempotency-Key", schemas.ServiceRequestDetail),
        409: ("The Idempotency-Key was used with other details", schemas.Error),
        422: ("A field is not valid", schemas.Error),
    },
    response_headers={201: ("Location", "ETag"), 200: ("Location", "ETag")},
)
def create_request():
    """File a request in the caller's name, as the "Ask for help" form does: IT's
    priority is derived from impact and urgency, and the category's team gets it."""
    data = json_body(schemas.NewServiceRequest)
    key = idempotency_key()
    categories = {category.slug: category for category in active_categories()}
    category = categories.get(data.category)
    if category is None:
        raise ApiError(422, fields={"category": "Choose one of: " + ", ".join(categories) + "."})
    service_request, created = services.file_request(
        current_user,
        services.NewRequest(
            title=data.title, description=data.description, category=category,
            impact=data.impact, urgency=data.urgency,
            idempotency_key=f"api:{key}" if key else None,
        ),
    )
    if not created:  # filed before with this key (or it won a race a moment ago)
        return _replayed(service_request, data, category)
    db.session.commit()
    return detail_response(service_request, 201, Location=_location(service_request))


@operation(
    "/requests/<reference>/comments", "POST", summary="Add to the conversation", tag=TAG,
    body=schemas.NewComment, headers=(IDEMPOTENCY,),
    responses={
        201: ("Added", schemas.TimelineEvent),
        200: ("Already added with this Idempotency-Key", schemas.TimelineEvent),
        403: ("A BRM (who reads but takes no part), or an internal note by non-staff",
              schemas.Error),
        404: NOT_FOUND,
        409: ("The request is closed, or the Idempotency-Key was used for another message",
              schemas.Error),
        422: ("A field is not valid", schemas.Error),
    },
)
def add_comment(reference: str):
    """The requester and IT staff take part in the conversation; IT staff can also add
    internal notes (`"internal": true`). A requester's reply to a request waiting on them
    hands it back to IT, as on the web."""
    service_request = load_request_or_404(reference)
    user = current_user
    if not (user.is_staff or is_requester_of(user, service_request)):
        raise ApiError(403, "You can read this request, but not take part in its conversation.")
    data = json_body(schemas.NewComment)
    if data.internal and not can_see_internal(user):
        raise ApiError(403, "Only IT staff can add internal notes.",
                       fields={"internal": "For IT staff only."})
    key = idempotency_key()
    stored_key = f"api:{key}" if key else None
    if stored_key:
        existing = _event_with_key(service_request, stored_key)
        if existing is not None:
            return _replayed_comment(existing, data)
    try:
        event = services.add_comment(
            service_request, user, data.body, internal=data.internal, idempotency_key=stored_key
        )
        db.session.commit()
    except services.RequestRuleError as exc:
        db.session.rollback()
        raise ApiError(409, str(exc)) from None
    except IntegrityError:  # the same key won a race a moment ago
        db.session.rollback()
        existing = _event_with_key(load_request_or_404(reference), stored_key)
        if existing is None:
            raise
        return _replayed_comment(existing, data)
    return show.event(event).model_dump(mode="json"), 201


def _event_with_key(service_request: ServiceRequest, key: str | None) -> RequestEvent | None:
    return db.session.scalar(
        select(RequestEvent)
        .options(joinedload(RequestEvent.actor))
        .where(RequestEvent.request_id == service_request.id, RequestEvent.idempotency_key == key)
    )


def _replayed_comment(existing: RequestEvent, data: schemas.NewComment):
    if existing.body != data.body.strip() or existing.internal != data.internal:
        raise ApiError(409, "This Idempotency-Key was already used for another message.",
                       code="idempotency_conflict")
    return show.event(existing).model_dump(mode="json"), 200
