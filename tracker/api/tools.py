"""The shadow-IT registry through the API, with the registry's own rules and services.

Everyone sees the tools the web shows them (tracker/shadow_it/queries.py `visible_tools`:
IT staff every tool, others their unit's, their BRM units' and their own) and can tell
IT about a tool; the risk tier is worked out as on the web.
"""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.api import representations as show
from tracker.api import schemas
from tracker.api.blueprint import operation
from tracker.api.errors import ApiError
from tracker.api.parsing import json_body, query
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import ShadowTool
from tracker.models.requests import parse_reference
from tracker.service_requests.timeline import RequestRuleError
from tracker.shadow_it import queries, services

TAG = "Tools"


@operation(
    "/tools", "GET", summary="List tools", tag=TAG, query=schemas.ToolQuery,
    responses={
        200: ("The tools the caller may see", schemas.ToolList),
        422: ("A parameter is not valid", schemas.Error),
    },
)
def list_tools():
    """The registry's inventory with its filters and sorts (riskiest first by default)."""
    params = query(schemas.ToolQuery)
    filters = queries.ToolFilters(
        status=params.status.value if params.status else "", tier=params.tier or "",
        unit=str(params.unit or ""), data=params.data.value if params.data else "",
        renewal=params.renewal or "", sort=params.sort,
    )
    tools = db.session.scalars(
        queries.inventory_query(current_user, filters, utcnow().date()).options(
            joinedload(ShadowTool.registered_by)
        )
    ).all()
    return schemas.ToolList(data=[show.tool(tool) for tool in tools]).model_dump(mode="json")


def _unmet_request_id(reference: str | None) -> int | None:
    if reference is None:
        return None
    found = parse_reference(reference)
    if found is None:
        raise ApiError(422, fields={"unmet_request": "Give a reference such as REQ-000123."})
    return found


@operation(
    "/tools", "POST", summary="Tell IT about a tool", tag=TAG, body=schemas.NewTool,
    responses={
        201: ("Registered, with its risk tier", schemas.ToolOut),
        409: ("A tool with this name or web address is already registered", schemas.Error),
        422: ("A field is not valid", schemas.Error),
    },
)
def register_tool():
    """Without blame: a few plain answers give the risk tier. A tool with the same name or
    web domain is answered with 409 `duplicate`; send `"different_tool": true` if it
    really is another tool."""
    data = json_body(schemas.NewTool)
    problem = services.web_address_problem(data.url)
    if problem is not None:
        raise ApiError(422, fields={"url": problem})
    unmet = _unmet_request_id(data.unmet_request)
    if not data.different_tool:
        duplicate = services.find_duplicate(data.name, data.url)
        if duplicate is not None:
            raise ApiError(
                409, f"{duplicate.name} is already registered (tool {duplicate.id}). If yours "
                     "is another tool, send \"different_tool\": true.", code="duplicate",
            )
    registration = services.Registration(
        name=data.name, url=data.url, purpose=data.purpose, user_count=data.user_count,
        payer=data.payer.value, cost_amount=data.cost_amount, cost_period=data.cost_period,
        currency=data.currency, data_kind=data.data_kind.value, sign_in=data.sign_in.value,
        business_critical=data.business_critical, impact=data.impact,
        renewal_date=data.renewal_date, unmet_request_id=unmet,
    )
    try:
        tool = services.register(current_user, registration)
    except RequestRuleError as exc:
        db.session.rollback()
        raise ApiError(422, fields={"unmet_request": str(exc)}) from None
    db.session.commit()
    tool = queries.load_tool_or_404(current_user, tool.id)
    return show.tool(tool).model_dump(mode="json"), 201
