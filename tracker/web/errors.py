"""Error pages in the product's style, for pages and htmx fragments alike."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFError

from tracker.web.rendering import render

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
    )


def register_error_handlers(app: Flask) -> None:
    for status in (400, 403, 404, 405, 409, 413, 500, 503):
        app.register_error_handler(status, lambda exc, status=status: error_page(status))

    @app.errorhandler(CSRFError)
    def csrf_failed(_exc):
        return error_page(
            400,
            "This form has expired",
            "For your safety, forms stop working after a while or after you sign out. "
            "Please go back, reload the page and try again.",
        )
