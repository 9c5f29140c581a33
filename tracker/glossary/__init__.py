"""The jargon glossary: plain explanations of IT words, shown to requesters in replies."""

from tracker.glossary import admin  # noqa: F401  (routes)
from tracker.glossary.views import bp

__all__ = ["bp"]
