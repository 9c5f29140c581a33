"""Business relationship management: units, BRMs, IT buddies, dashboards and health."""

from tracker.relationships.views import bp
from tracker.relationships import people, pulse, touchpoints  # noqa: F401  (routes)

__all__ = ["bp"]
