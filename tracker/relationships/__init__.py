"""Business relationship management: units, BRMs, IT buddies, dashboards and health.

The route modules are imported by the application factory, after every other feature:
the dashboards read from all of them.
"""

from tracker.relationships.blueprint import bp

__all__ = ["bp"]
