"""pulse"""

from tracker.relationships.views import bp  # noqa: F401
