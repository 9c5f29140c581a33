"""Who may see attached files (removing them is for administrators: see views.py)."""

from __future__ import annotations

from tracker.models import Attachment, User
from tracker.service_requests.policies import can_see_internal


def can_see_attachment(user: User, attachment: Attachment) -> bool:
    """Whoever may see the request sees its files, except an internal note's: IT only.

    The request itself is checked first, by the request's load-or-404.
    """
    return not attachment.internal or can_see_internal(user)
