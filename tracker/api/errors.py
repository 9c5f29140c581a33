"""Errors under /api/ are JSON of one shape: {"error": {"code", "message", "fields"}}.

`code` is a stable word a program can branch on, `message` a sentence for a person, and
`fields` maps a body or query field to what is wrong with it (empty when no field is).
"""

from __future__ import annotations

from flask import Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from tracker.web.audit import audit_denied

API_PREFIX = "/api/"

# The code and message for each status when nothing more precise is known.
DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "A valid API token is needed: send it as 'Authorization: Bearer …'."),
    403: ("forbidden", "Your role does not allow this."),
    404: ("not_found", "There is nothing here, or you may not see it."),
    405: ("method_not_allowed", "This method is not allowed here."),
    409: ("conflict", "This conflicts with the current state of the resource."),
    413: ("payload_too_large", "The request body is larger than we accept."),
    415: ("unsupported_media_type", "Send the body as JSON (Content-Type: application/json)."),
    422: ("validation_failed", "Some fields need attention."),
    429: ("rate_limited", "Too many requests with this token. Please wait and try again."),
    500: ("internal_error", "Something went wrong on our side. Please try again."),
    503: ("unavailable", "The service is briefly unavailable. Please try again shortly."),
}


class ApiError(Exception):
    """An answer other than success, raised anywhere in an API view."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_code, default_message = DEFAULTS.get(status, DEFAULTS[500])
        super().__init__(message or default_message)
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.fields = fields or {}
        self.headers = headers or {}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(error: ApiError) -> Response:
    response = jsonify(
        {"error": {"code": error.code, "message": error.message, "fields": error.fields}}
    )
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def http_error_response(exc: HTTPException | None, status: int) -> Response:
    """A werkzeug error (routing, 413, 500 …) in the API's shape, keeping its headers."""
    caller = g.get("api_caller")
    if status in (403, 404) and caller is not None and caller.user is not None:
        audit_denied(status, "forbidden" if status == 403 else "not found")
    response = error_response(ApiError(status))
    if exc is not None and status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response
