"""Typed SQLAlchemy models, one module per part of the domain."""

from tracker.models.org import BusinessUnit, ITTeam, team_members
from tracker.models.requests import (
    Category,
    EventKind,
    Impact,
    RequestEvent,
    ServiceRequest,
    Stage,
    Urgency,
)
from tracker.models.users import Role, RoleGrant, User

__all__ = [
    "BusinessUnit",
    "Category",
    "EventKind",
    "ITTeam",
    "Impact",
    "RequestEvent",
    "Role",
    "RoleGrant",
    "ServiceRequest",
    "Stage",
    "Urgency",
    "User",
    "team_members",
]
