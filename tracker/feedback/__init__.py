"""Satisfaction feedback: surveys after resolution, follow-up, "you said, we did"."""

from tracker.feedback.views import bp

__all__ = ["bp"]
