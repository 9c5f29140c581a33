"""Rate limits for the API: one budget per token, shared by every endpoint.

Flask-Limiter does the counting (in Redis when RATELIMIT_STORAGE_URI points at one, so
every worker and host shares the count; in this process's memory otherwise) and writes
the X-RateLimit-Limit/-Remaining/-Reset headers and Retry-After. Calls without a usable
token are counted per client address, so a flood of bad tokens is slowed down too.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from flask_limiter import Limiter

from tracker.api.auth import identify
from tracker.api.errors import API_PREFIX
from tracker.web.audit import client_address

DEFAULT_LIMIT = "120/minute"
EXTENSION = "rapport_api_limiter"


def rate_key() -> str:
    caller = identify()
    if caller.token_id is not None:
        return f"api-token:{caller.token_id}"
    return f"api-address:{client_address()}"


def _limit() -> str:
    return current_app.config.get("RAPPORT_API_RATE_LIMIT") or DEFAULT_LIMIT


def _retry_after_only_when_refused(response: Response) -> Response:
    if response.status_code != 429 and request.path.startswith(API_PREFIX):
        response.headers.pop("Retry-After", None)
    return response


def init_rate_limits(app: Flask, blueprint: Blueprint) -> Limiter:
    """One limiter per application (its storage is the app's), limiting the API blueprint."""
    # Registered before the limiter's own hook, so it runs after it (Flask runs after-request
    # hooks last-registered first): Retry-After only where it means something, on a 429.
    app.after_request(_retry_after_only_when_refused)
    limiter = Limiter(
        key_func=rate_key,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
        headers_enabled=True,
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX") or "rapport",
        strategy="moving-window",
        # Redis down: count in this process's memory meanwhile rather than fail every call.
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)
    limiter.shared_limit(_limit, scope="api")(blueprint)
    app.extensions[EXTENSION] = limiter
    return limiter


def limiter_of(app: Flask) -> Limiter:
    return app.extensions[EXTENSION]
