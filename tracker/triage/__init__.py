"""The IT triage board: stages, assignment, priority, SLA clocks, bulk actions."""

from tracker.triage import actions  # noqa: F401  (registers the action routes on bp)
from tracker.triage.views import bp

__all__ = ["bp"]
