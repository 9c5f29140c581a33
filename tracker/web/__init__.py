"""Shared web plumbing: rendering, authorization decorators, errors, filters, headers."""

from tracker.web.views import bp

__all__ = ["bp"]
