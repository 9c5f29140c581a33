"""Reference data screens for administrators."""

from tracker.admin import importing, outbox, people, units  # noqa: F401  (routes)
from tracker.admin.views import bp

__all__ = ["bp"]
