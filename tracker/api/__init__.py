"""The JSON API at /api/v1: bearer tokens, JSON errors, an OpenAPI 3.1 document."""

from flask import Flask

from tracker.api import (  # noqa: F401  (routes)
    openapi,
    service_requests,
    surveys,
    tools,
    triage,
    units,
)
from tracker.api.auth import NoSessionUnderTheApi
from tracker.api.blueprint import bp
from tracker.api.ratelimit import init_rate_limits

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Register the blueprint and its per-token rate limits."""
    app.register_blueprint(bp)
    app.session_interface = NoSessionUnderTheApi()
    init_rate_limits(app, bp)
