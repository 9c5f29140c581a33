"""Error pages in the product's style, for pages and htmx fragments alike."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import SecurityError

from tracker.api.errors import ApiError, error_response, http_error_response, is_api_request
from tracker.database import describe_database_error, is_write_request
from tracker.extensions import db
from tracker.web.audit import audit_denied
from tracker.web.rendering import render

log = logging.getLogger(__name__)

# The database is down, restarting, out of connections, full, read-only or busy: none of
# these is a bug in the request, and trying again shortly is the right thing to do.
DATABASE_UNAVAILABLE = (OperationalError, DisconnectionError, PoolTimeoutError)
RETRY_AFTER_SECONDS = 5
UNSAVED_MESSAGE = "We couldn't save that just now. Please try again in a moment."

MESSAGES = {
    400: ("Something was off with that", "We couldn't understand that request. Please try again."),
    403: ("Not allowed", "You don't have permission to do that."),
    404: ("We couldn't find that page", "It may have moved, or you may not have access to it."),
    405: ("That didn't work", "That action isn't available here."),
    409: ("Someone else changed this", "Please reload the page and try again."),
    413: ("That was too big", "The form or file you sent was larger than we accept."),
    500: ("Something went wrong on our side", "We've been told about it. Please try again."),
    503: ("We'll be right back", "Rapport is briefly unavailable. Please try again in a moment."),
}


def error_page(status: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(status, MESSAGES[500])
    return render(
        "errors/error.html",
        block="error",
        status=status,
        status_code=status,
        title=title or default_title,
        message=message or default_message,
        event_id=_sentry_event_id() if status >= 500 else None,
    )


def _sentry_event_id() -> str | None:
    """The id Sentry gave this error, for the person to quote when they ask for help."""
    if not current_app.config.get("SENTRY_DSN"):
        return None
    import sentry_sdk

    return sentry_sdk.last_event_id()


def _refused(status: int):
    """403 and 404: in the audit log when someone signed in was refused."""
    if current_user.is_authenticated:
        audit_denied(status, "forbidden" if status == 403 else "not found")
    return error_page(status)


def unavailable_page(message: str | None = None):
    """503 with Retry-After: the page for "down for a moment", for pages, htmx and the API."""
    if is_api_request():
        response = error_response(ApiError(503))
    else:
        response = error_page(503, message=message)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _discard_transaction() -> None:
    """Roll back whatever this request began; a dead connection is dropped, not reused."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session().invalidate()


def database_unavailable(exc: SQLAlchemyError):
    """Nothing of this request was stored: roll back, log one line, answer 503."""
    _discard_transaction()
    log.error(
        "database unavailable, answered 503 to %s %s: %s",
        request.method, request.path, describe_database_error(exc),
    )
    # The page must not reach for the database again: after the rollback the signed-in
    # person's row is expired, and loading it would fail the same way. It is shown as
    # to someone signed out; the session cookie itself is left as it is.
    g._login_user = current_app.login_manager.anonymous_user()
    return unavailable_page(UNSAVED_MESSAGE if is_write_request() else None)


def stale_write(_exc: StaleDataError):
    """Someone else changed the row between our read and our write: 409, nothing stored."""
    _discard_transaction()
    if is_api_request():
        return error_response(ApiError(
            409, "Someone else changed this at the same moment. Fetch it and try again.",
            code="version_conflict",
        ))
    return error_page(409)


def _handler(status: int):
    def handle(exc):
        if status == 503:
            return unavailable_page()
        if is_api_request():  # the JSON API answers in its own shape, even for unknown URLs
            return http_error_response(exc, status)
        return _refused(status) if status in (403, 404) else error_page(status)

    return handle


def register_error_handlers(app: Flask) -> None:
    for status in (400, 403, 404, 405, 409, 413, 500, 503):
        app.register_error_handler(status, _handler(status))
    for exc_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(exc_class, database_unavailable)
    app.register_error_handler(StaleDataError, stale_write)

    @app.errorhandler(SecurityError)
    def untrusted_host(_exc):
        # A Host header outside TRUSTED_HOSTS: no URLs can be built for it, so no page.
        return Response("Bad request: unknown host name.\n", 400, mimetype="text/plain")

    @app.errorhandler(CSRFError)
    def csrf_failed(_exc):
        return error_page(
            400,
            "This form has expired",
            "For your safety, forms stop working after a while or after you sign out. "
            "Please go back, reload the page and try again.",
        )
