"""Reference data screens for administrators."""

from tracker.admin.views import bp

__all__ = ["bp"]
