"""The API blueprint: bearer tokens only, JSON errors, and each route's description.

Routes are declared with `operation(...)`, which registers the Flask route and records
what it accepts and answers; the OpenAPI document is built from those records and the
schema models the views themselves use, so it describes what the code does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, Response, request
from pydantic import BaseModel
from werkzeug.exceptions import HTTPException

from tracker.api.auth import audit_refused, identify, unauthorized_headers
from tracker.api.errors import ApiError, error_response, http_error_response
from tracker.api.schemas import Error
from tracker.extensions import csrf
from tracker.web.audit import audit_denied

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Cookies never authenticate API calls (see tracker/api/auth.py), so a forged cross-site
# request arrives signed out: there is nothing for a CSRF token to protect.
csrf.exempt(bp)


@dataclass(frozen=True)
class Header:
    """A request header an operation reads."""

    name: str
    description: str
    schema: dict


@dataclass(frozen=True)
class Operation:
    """What one route accepts and answers, for the OpenAPI document."""

    endpoint: str
    method: str
    rule: str
    summary: str
    description: str
    tag: str
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    headers: tuple[Header, ...] = ()
    response_headers: dict[int, tuple[str, ...]] = field(default_factory=dict)
    public: bool = False


OPERATIONS: dict[str, Operation] = {}


COMMON_ERRORS = {
    401: ("No valid API token", Error),
    429: ("Rate limit reached; see Retry-After", Error),
}


def operation(
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    responses: dict[int, tuple[str, type[BaseModel] | None]],
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    headers: tuple[Header, ...] = (),
    response_headers: dict[int, tuple[str, ...]] | None = None,
    public: bool = False,
):
    """Register `view` at `rule` for `method`, and describe it for the document.

    Every operation that needs a token can also answer 401 and 429; those are added here.
    """
    if not public:
        responses = {**responses, **COMMON_ERRORS}

    def decorator(view):
        endpoint = f"{bp.name}.{view.__name__}"
        OPERATIONS[endpoint] = Operation(
            endpoint=endpoint, method=method, rule=rule, summary=summary,
            description=(view.__doc__ or "").strip(), tag=tag, responses=responses,
            query=query, body=body, headers=headers,
            response_headers=response_headers or {}, public=public,
        )
        bp.add_url_rule(rule, view_func=view, methods=[method])
        return view

    return decorator


@bp.before_request
def require_token():
    caller = identify()
    described = OPERATIONS.get(request.endpoint or "")
    if described is not None and described.public:
        return
    if caller.user is None:
        audit_refused(caller)
        raise ApiError(401, caller.problem, headers=unauthorized_headers(caller))


@bp.after_request
def private_answers(response: Response) -> Response:
    # Answers depend on who asks and may hold personal data: no shared caches.
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("Authorization")
    return response


@bp.errorhandler(ApiError)
def api_error(exc: ApiError):
    if exc.status in (403, 404):
        audit_denied(exc.status, exc.code)
    return error_response(exc)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if exc.code == 429:
        return error_response(
            ApiError(429, f"Too many requests with this token (the limit is {exc.description}). "
                          "Please wait and try again; Retry-After says how long.")
        )
    return http_error_response(exc, exc.code or 500)
