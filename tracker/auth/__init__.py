"""Sign-in, sessions and accounts."""

from tracker.auth.views import bp

__all__ = ["bp"]
