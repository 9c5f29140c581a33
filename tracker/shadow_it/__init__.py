"""Shadow-IT registry: tools teams adopted on their own, registered without blame."""

from tracker.shadow_it.views import bp

__all__ = ["bp"]
