"""Values every template can use."""

from __future__ import annotations

from flask import Flask, current_app
from flask_wtf.csrf import generate_csrf

from tracker.auth.forms import LogoutForm


def register_context(app: Flask) -> None:
    @app.context_processor
    def _globals():
        return {
            "csrf_token_value": generate_csrf,
            "logout_form": LogoutForm,
            "organisation": current_app.config.get("RAPPORT_ORGANISATION", "Example Ltd"),
        }
