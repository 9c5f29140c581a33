"""Who is calling: a bearer token, and nothing else.

A session cookie never signs anyone in to the API. That is what makes the API safe
without CSRF tokens: a browser adds cookies to a forged cross-site request, but it can't
add an Authorization header. Every API request therefore starts with nobody signed in
(Flask-Login's user for the request is set here, so the cookie session is never read)
and becomes the token's owner only when the token is good: known, not revoked, not
expired, and its owner's account switched on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import g, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from tracker.api.errors import API_PREFIX
from tracker.auth.loader import load_user
from tracker.auth.tokens import TOKEN_PATTERN, secret_sha256
from tracker.database import utcnow
from tracker.extensions import db, login_manager
from tracker.models import ApiToken, User
from tracker.web.audit import audit_denied

# last_used_at moves at most this often, so reading through the API doesn't write each time.
TOUCH_EVERY = timedelta(minutes=1)

MISSING = "Send your API token as 'Authorization: Bearer <token>'."
MALFORMED = "The Authorization header must be 'Bearer ' followed by an API token."
REFUSED = "This API token is not valid. It may have been revoked or have expired."


class NoSessionUnderTheApi(SecureCookieSessionInterface):
    """The web's signed-cookie sessions, except under /api/: no cookie is read or written.

    API calls get Flask's null session, so nothing in them can be taken from, or added
    to, a browser's session, and no answer refreshes a session cookie.
    """

    def open_session(self, app, request_):
        if request_.path.startswith(API_PREFIX):
            return None
        return super().open_session(app, request_)


@dataclass(frozen=True)
class Caller:
    """The outcome of reading the Authorization header, computed once per request."""

    user: User | None = None
    token_id: int | None = None
    problem: str | None = None  # why nobody is signed in, when a token was expected
    token_given: bool = False


def _set_request_user(user) -> None:
    # What login_user() does for one request only: no session, no cookie.
    g._login_user = user


def _bearer() -> tuple[str | None, bool]:
    """(token, well_formed) from the Authorization header; (None, True) when there is none."""
    header = request.headers.get("Authorization")
    if header is None:
        return None, True
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not TOKEN_PATTERN.fullmatch(value):
        return None, False
    return value, True


def _touch(token_id: int, now) -> None:
    """Note the use on its own short connection, never holding up the request's own work.

    The request's transaction may be a read (SQLite then can't write without starting
    over) or may already hold the write lock (then a second writer would wait on it), so
    the note is written and committed before the request's session begins.
    """
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token_id,
                    (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - TOUCH_EVERY),
                )
                .values(last_used_at=now)
            )
    except OperationalError:  # busy database: the note is a nicety, the request goes on
        pass


def _find_token(secret: str):
    with db.engine.connect() as connection:
        return connection.execute(
            select(
                ApiToken.id, ApiToken.user_id, ApiToken.revoked_at, ApiToken.expires_at,
                ApiToken.last_used_at,
            ).where(ApiToken.secret_sha256 == secret_sha256(secret))
        ).one_or_none()


def identify() -> Caller:
    """Read the bearer token once per request; sets Flask-Login's user for the request."""
    caller = g.get("api_caller")
    if caller is not None:
        return caller
    _set_request_user(login_manager.anonymous_user())
    secret, well_formed = _bearer()
    if secret is None:
        caller = Caller(problem=MISSING if well_formed else MALFORMED,
                        token_given=not well_formed)
    else:
        caller = _caller_for(secret)
    if caller.user is not None:
        _set_request_user(caller.user)
    g.api_caller = caller
    return caller


def _caller_for(secret: str) -> Caller:
    now = utcnow()
    row = _find_token(secret)
    if row is None or row.revoked_at is not None or (
        row.expires_at is not None and now >= row.expires_at
    ):
        return Caller(problem=REFUSED, token_given=True)
    if row.last_used_at is None or row.last_used_at < now - TOUCH_EVERY:
        _touch(row.id, now)  # before the session's first query starts its transaction
    user = load_user(str(row.user_id))  # None once the account is switched off
    if user is None:
        return Caller(problem=REFUSED, token_given=True)
    return Caller(user=user, token_id=row.id)


def unauthorized_headers(caller: Caller) -> dict[str, str]:
    """RFC 6750: name the scheme, and say "invalid_token" when a token was sent."""
    value = 'Bearer realm="Rapport API"'
    if caller.token_given:
        value += ', error="invalid_token"'
    return {"WWW-Authenticate": value}


def audit_refused(caller: Caller) -> None:
    audit_denied(401, "api token " + ("refused" if caller.token_given else "missing"))
