"""What the API accepts and answers, as pydantic models.

The same models validate what comes in, shape what goes out and, through their JSON
Schema (draft 2020-12, the dialect of OpenAPI 3.1), make up the OpenAPI document, so the
document can't drift from the code. Limits are the web forms' limits; text refuses
control characters and unreadable characters exactly as the forms do (see fields.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from tracker.api.fields import (
    Body,
    Incoming,
    Outgoing,
    Priority,
    Query,
    Reason,
    RowId,
    StageList,
    Title,
    line,
    paragraphs,
)
from tracker.models import DataKind, EventKind, Impact, Payer, SignIn, Stage, ToolStatus, Urgency
from tracker.service_requests.sla import SLAState
from tracker.triage.filters import SEARCH_MAX

# --- errors -----------------------------------------------------------------------------


class ErrorDetail(Outgoing):
    code: str = Field(description="A stable word to branch on, e.g. `validation_failed`.")
    message: str = Field(description="What went wrong, for a person to read.")
    fields: dict[str, str] = Field(
        description="Per field (body, query or header name), what is wrong with it."
    )


class Error(Outgoing):
    """Every answer that is not a success."""

    error: ErrorDetail


# --- shared pieces ------------------------------------------------------------------------


class PersonRef(Outgoing):
    id: int
    name: str
    email: str


class UnitRef(Outgoing):
    id: int
    name: str


class TeamRef(Outgoing):
    id: int
    name: str


class CategoryRef(Outgoing):
    slug: str
    name: str = Field(description="The requester's words, e.g. “Something is broken”.")


# --- requests -----------------------------------------------------------------------------


class Triage(Outgoing):
    """IT's side of a request; only IT staff see it."""

    priority: Priority
    priority_overridden: bool
    assignee: PersonRef | None
    team: TeamRef | None
    sla_state: SLAState
    first_response_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    reopen_count: int


class ServiceRequestOut(Outgoing):
    reference: str = Field(examples=["REQ-000123"])
    title: str
    description: str
    category: CategoryRef
    impact: Impact
    urgency: Urgency
    stage: Stage
    status: str = Field(description="The stage in the requester's words, e.g. “We got it”.")
    requester: PersonRef
    business_unit: UnitRef | None
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int = Field(description="Send it back (as `version` or If-Match) when changing.")
    web_url: str
    triage: Triage | None = Field(description="Present for IT staff, null for everyone else.")


class TimelineEvent(Outgoing):
    id: int
    kind: EventKind
    created_at: datetime
    actor: PersonRef | None
    body: str | None
    internal: bool = Field(description="An internal note or change; only IT staff see these.")
    old_value: str | None
    new_value: str | None


class ServiceRequestDetail(ServiceRequestOut):
    timeline: list[TimelineEvent] = Field(description="Oldest first; what the caller may see.")


class ServiceRequestPage(Outgoing):
    data: list[ServiceRequestOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class ServiceRequestQuery(Query):
    stage: StageList | None = Field(
        default=None,
        description="One or more stages, comma-separated (e.g. `new,triaged`). Default: all.",
    )
    team: str | None = Field(default=None, description="Staff only: a team id, or `none`.",
                             pattern=r"^(none|[1-9][0-9]{0,9})$")
    assignee: str | None = Field(default=None,
                                 description="Staff only: `me`, `none` or a person's id.",
                                 pattern=r"^(me|none|[1-9][0-9]{0,9})$")
    unit: RowId | None = Field(default=None, description="A business unit id.")
    # Text checked as the forms check it: NUL and other control characters are refused
    # here (PostgreSQL would refuse them in the search).
    category: line(40, required=False) | None = Field(default=None,
                                                      description="A category slug.")
    priority: Priority | None = Field(default=None, description="Staff only: 1 to 4.")
    sla: Literal["on_track", "at_risk", "breached", "paused"] | None = Field(
        default=None, description="Staff only: where the SLA clock stands."
    )
    q: line(SEARCH_MAX, required=False) | None = Field(
        default=None, description="Words in the title or description, or a reference.")
    cursor: str | None = Field(default=None, max_length=200,
                               description="From `next_cursor` of the page before.")
    limit: int = Field(default=25, ge=1, le=100, description="Requests per page.")


class NewServiceRequest(Incoming):
    title: Title
    description: Body
    category: str = Field(max_length=40, description="A category slug, e.g. `broken`.")
    impact: Impact = Field(description="Who is affected.")
    urgency: Urgency = Field(description="How blocked the requester is.")


class NewComment(Incoming):
    body: Body
    internal: bool = Field(default=False, description="IT staff only: an internal note.")


class ServiceRequestChange(Incoming):
    """IT staff: any of stage, assignee, team and priority, applied together or not at all."""

    version: int | None = Field(
        default=None, description="The version you saw; a newer one answers 409."
    )
    stage: Stage | None = None
    note: Reason = Field(default="", description="For the timeline, with a stage change.")
    assignee_id: RowId | None = Field(default=None, description="A member of IT; null: nobody.")
    team_id: RowId | None = Field(default=None, description="An IT team; null: no team.")
    priority: Priority | None = None
    reason: Reason = Field(default="", description="Why the priority changes (required then).")


# --- units --------------------------------------------------------------------------------


class BusinessUnitOut(Outgoing):
    id: int
    name: str
    description: str
    objectives: list[str]
    brm: PersonRef | None
    it_buddy: PersonRef | None
    created_at: datetime


class BusinessUnitList(Outgoing):
    data: list[BusinessUnitOut]


# --- tools --------------------------------------------------------------------------------

Tier = Literal["low", "medium", "high", "critical"]
Currency = Literal["GBP", "EUR", "USD", "CHF", "SEK"]


class ToolOut(Outgoing):
    id: int
    name: str
    url: str
    purpose: str
    status: ToolStatus
    status_label: str = Field(description="The review outcome in plain words.")
    risk_tier: Tier
    risk_reasons: str
    user_count: int
    payer: Payer
    cost_amount: Decimal | None
    cost_period: Literal["month", "year"]
    currency: Currency
    yearly_cost: Decimal | None
    data_kind: DataKind
    sign_in: SignIn
    business_critical: bool
    impact: str
    advice: str
    renewal_date: date | None
    business_unit: UnitRef | None
    registered_by: PersonRef | None
    unmet_request: str | None = Field(description="The reference of the request it answers.")
    created_at: datetime
    updated_at: datetime


class ToolList(Outgoing):
    data: list[ToolOut]


class ToolQuery(Query):
    status: ToolStatus | None = None
    tier: Tier | None = None
    unit: RowId | None = Field(default=None, description="Tools used in this business unit.")
    data: DataKind | None = None
    renewal: Literal["30", "90"] | None = Field(
        default=None, description="Renewing within this many days."
    )
    sort: Literal["risk", "name", "renewal", "cost", "newest"] = "risk"


class NewTool(Incoming):
    name: line(120)
    url: line(300, required=False) = Field(default="", description="Its web address.")
    purpose: paragraphs(5000)
    user_count: int = Field(ge=1, le=100_000)
    payer: Payer
    cost_amount: Decimal | None = Field(default=None, ge=0, le=10_000_000, decimal_places=2)
    cost_period: Literal["month", "year"] = "month"
    currency: Currency = "GBP"
    data_kind: DataKind
    sign_in: SignIn
    business_critical: bool = Field(default=False, description="Work stops without it.")
    impact: paragraphs(5000, required=False) = Field(
        default="", description="What would break without it."
    )
    renewal_date: date | None = None
    unmet_request: str | None = Field(
        default=None, max_length=20,
        description="One of your own requests (REQ-…) that IT could not meet in time.",
    )
    different_tool: bool = Field(
        default=False,
        description="Register it even though a tool of the same name or web address exists.",
    )


# --- surveys ------------------------------------------------------------------------------


class Satisfaction(Outgoing):
    id: int | None = Field(description="The agent, team or unit; null for “no team/unit”.")
    name: str
    answers: int
    average: float | None = Field(description="1 to 5; hidden for agents below min_answers.")
    recent_average: float | None
    earlier_average: float | None
    trend: Literal["up", "down", "steady"] | None
    invited: int | None
    response_rate: float | None


class SurveySummary(Outgoing):
    generated_at: datetime
    since: datetime | None
    min_answers_for_a_person: int
    trend_days: int
    agents: list[Satisfaction]
    teams: list[Satisfaction]
    units: list[Satisfaction]


class SurveyQuery(Query):
    days: int | None = Field(default=None, ge=1, le=3650,
                             description="Only answers of the last this many days.")
