"""Typed SQLAlchemy models, one module per part of the domain."""

from tracker.models.api_tokens import ApiToken
from tracker.models.attachments import Attachment
from tracker.models.board import SavedView
from tracker.models.feedback import SCORE_WORDS, FeedbackAction, SurveyInvitation, SurveyResponse
from tracker.models.glossary import GlossaryTerm
from tracker.models.login_attempts import LoginAttempt
from tracker.models.mail import EmailOptOut, OutboxMessage, OutboxStatus
from tracker.models.notifications import Notification
from tracker.models.org import BusinessUnit, ITTeam, team_members
from tracker.models.relationships import (
    PULSE_QUESTIONS,
    NextAction,
    PulseAnswer,
    PulseParticipant,
    PulseSide,
    PulseSurvey,
    Touchpoint,
    TouchpointKind,
)
from tracker.models.requests import (
    Category,
    EventKind,
    Impact,
    RequestEvent,
    ServiceRequest,
    Stage,
    Urgency,
)
from tracker.models.sla import BusinessHours, SLAPolicy
from tracker.models.tools import (
    DataKind,
    Payer,
    ShadowTool,
    SignIn,
    ToolAdoption,
    ToolEvent,
    ToolStatus,
)
from tracker.models.users import Role, RoleGrant, User

__all__ = [
    "Attachment",
    "ApiToken",
    "BusinessHours",
    "BusinessUnit",
    "Category",
    "DataKind",
    "EmailOptOut",
    "EventKind",
    "FeedbackAction",
    "GlossaryTerm",
    "ITTeam",
    "Impact",
    "LoginAttempt",
    "NextAction",
    "Notification",
    "OutboxMessage",
    "OutboxStatus",
    "PULSE_QUESTIONS",
    "PulseAnswer",
    "PulseParticipant",
    "PulseSide",
    "PulseSurvey",
    "Payer",
    "RequestEvent",
    "Role",
    "RoleGrant",
    "SCORE_WORDS",
    "SLAPolicy",
    "SavedView",
    "ServiceRequest",
    "ShadowTool",
    "SignIn",
    "Stage",
    "SurveyInvitation",
    "SurveyResponse",
    "ToolAdoption",
    "Touchpoint",
    "TouchpointKind",
    "ToolEvent",
    "ToolStatus",
    "Urgency",
    "User",
    "team_members",
]
