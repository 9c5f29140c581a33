"""Sign-in, sessions, accounts and a person's own settings."""

from tracker.auth import api_tokens, email_settings, settings  # noqa: F401  (routes)
from tracker.auth.views import bp

__all__ = ["bp"]
