"""Models as the API shows them, to a given person (staff see IT's side, others don't)."""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from tracker.api import schemas
from tracker.models import BusinessUnit, RequestEvent, ServiceRequest, ShadowTool, User
from tracker.models.requests import format_reference
from tracker.service_requests import sla


def person(user: User | None) -> schemas.PersonRef | None:
    if user is None:
        return None
    return schemas.PersonRef(id=user.id, name=user.display_name, email=user.email)


def unit_ref(unit: BusinessUnit | None) -> schemas.UnitRef | None:
    return schemas.UnitRef(id=unit.id, name=unit.name) if unit is not None else None


def _triage(service_request: ServiceRequest, now: datetime) -> schemas.Triage:
    team = service_request.team
    return schemas.Triage(
        priority=service_request.priority,
        priority_overridden=service_request.priority_overridden,
        assignee=person(service_request.assignee),
        team=schemas.TeamRef(id=team.id, name=team.name) if team is not None else None,
        sla_state=sla.state_of(service_request, now),
        first_response_at=service_request.first_response_at,
        first_response_due_at=service_request.first_response_due_at,
        resolution_due_at=service_request.resolution_due_at,
        reopen_count=service_request.reopen_count,
    )


def _request_fields(service_request: ServiceRequest, viewer: User, now: datetime) -> dict:
    category = service_request.category
    return {
        "reference": service_request.reference,
        "title": service_request.title,
        "description": service_request.description,
        "category": schemas.CategoryRef(slug=category.slug, name=category.name),
        "impact": service_request.impact,
        "urgency": service_request.urgency,
        "stage": service_request.stage,
        "status": service_request.stage_enum.requester_label,
        "requester": person(service_request.requester),
        "business_unit": unit_ref(service_request.business_unit),
        "created_at": service_request.created_at,
        "updated_at": service_request.updated_at,
        "last_activity_at": service_request.last_activity_at,
        "resolved_at": service_request.resolved_at,
        "closed_at": service_request.closed_at,
        "version": service_request.version,
        "web_url": url_for(
            "service_requests.detail", reference=service_request.reference, _external=True
        ),
        "triage": _triage(service_request, now) if viewer.is_staff else None,
    }


def service_request(
    service_request: ServiceRequest, viewer: User, now: datetime
) -> schemas.ServiceRequestOut:
    return schemas.ServiceRequestOut(**_request_fields(service_request, viewer, now))


def event(item: RequestEvent) -> schemas.TimelineEvent:
    return schemas.TimelineEvent(
        id=item.id, kind=item.kind, created_at=item.created_at, actor=person(item.actor),
        body=item.body, internal=item.internal, old_value=item.old_value,
        new_value=item.new_value,
    )


def service_request_detail(
    service_request: ServiceRequest, viewer: User, now: datetime, timeline: list[RequestEvent]
) -> schemas.ServiceRequestDetail:
    return schemas.ServiceRequestDetail(
        **_request_fields(service_request, viewer, now),
        timeline=[event(item) for item in timeline],
    )


def business_unit(unit: BusinessUnit) -> schemas.BusinessUnitOut:
    return schemas.BusinessUnitOut(
        id=unit.id, name=unit.name, description=unit.description or "",
        objectives=unit.objective_list, brm=person(unit.brm), it_buddy=person(unit.it_buddy),
        created_at=unit.created_at,
    )


def tool(item: ShadowTool) -> schemas.ToolOut:
    return schemas.ToolOut(
        id=item.id, name=item.name, url=item.url, purpose=item.purpose, status=item.status,
        status_label=item.status_enum.plain_label, risk_tier=item.risk_tier,
        risk_reasons=item.risk_reasons, user_count=item.user_count, payer=item.payer,
        cost_amount=item.cost_amount, cost_period=item.cost_period, currency=item.currency,
        yearly_cost=item.yearly_cost, data_kind=item.data_kind, sign_in=item.sign_in,
        business_critical=item.business_critical, impact=item.impact, advice=item.advice,
        renewal_date=item.renewal_date, business_unit=unit_ref(item.business_unit),
        registered_by=person(item.registered_by),
        unmet_request=(
            format_reference(item.unmet_request_id) if item.unmet_request_id else None
        ),
        created_at=item.created_at, updated_at=item.updated_at,
    )
