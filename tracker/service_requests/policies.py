"""Who may see and do what with a request."""

from __future__ import annotations

from tracker.models import Role, ServiceRequest, User


def can_view(user: User, service_request: ServiceRequest) -> bool:
    """Staff see every request; a requester sees the ones they filed; a BRM reads their units'."""
    if not user.is_authenticated:
        return False
    return (
        user.is_staff
        or service_request.requester_id == user.id
        or is_brm_reader(user, service_request)
    )


def is_brm_reader(user: User, service_request: ServiceRequest) -> bool:
    """The BRM of the request's unit may read it, never change it."""
    unit = service_request.business_unit
    return (
        user.is_authenticated
        and unit is not None
        and unit.brm_id == user.id
        and user.has_role(Role.BRM)
    )


def can_comment(user: User, service_request: ServiceRequest) -> bool:
    """Staff and the requester add to the conversation while it is not closed."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return service_request.requester_id == user.id and (
        service_request.is_open or service_request.stage == "resolved"
    )


def can_see_internal(user: User) -> bool:
    """Internal notes are for IT staff only."""
    return user.is_authenticated and user.is_staff


def is_requester_of(user: User, service_request: ServiceRequest) -> bool:
    return user.is_authenticated and service_request.requester_id == user.id
