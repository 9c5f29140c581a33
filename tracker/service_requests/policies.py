"""Who may see and do what with a request."""

from __future__ import annotations

from tracker.models import ServiceRequest, User


def can_view(user: User, service_request: ServiceRequest) -> bool:
    """Staff see every request; a requester sees the ones they filed."""
    if not user.is_authenticated:
        return False
    return user.is_staff or service_request.requester_id == user.id


def can_comment(user: User, service_request: ServiceRequest) -> bool:
    """Anyone who can see a request can add to its conversation while it is not closed."""
    if not can_view(user, service_request):
        return False
    return user.is_staff or service_request.is_open or service_request.stage == "resolved"


def can_see_internal(user: User) -> bool:
    """Internal notes are for IT staff only."""
    return user.is_authenticated and user.is_staff


def is_requester_of(user: User, service_request: ServiceRequest) -> bool:
    return user.is_authenticated and service_request.requester_id == user.id
