"""Plain-language requests: the portal, the conversation, and the staff list."""

from tracker.service_requests.views import bp

__all__ = ["bp"]
