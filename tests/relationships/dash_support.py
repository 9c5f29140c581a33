"""Helpers for the dashboard, portfolio and people tests: data placed exactly where wanted."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, timedelta

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import (
    NextAction,
    ServiceRequest,
    ShadowTool,
    SurveyInvitation,
    SurveyResponse,
    ToolAdoption,
    Touchpoint,
)

NOW = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def page_text(response) -> str:
    return visible_text(response.get_data(as_text=True))


def shape(app, service_request, **fields) -> None:
    """Set a request's columns directly (times, stage, SLA clocks, reopen count)."""
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        for name, value in fields.items():
            setattr(found, name, value)
        db.session.commit()


def filed(make, app, requester, created: datetime, title: str = "Printer is jammed",
          category: str = "broken", **fields):
    """A request of `requester` filed at `created`, with `fields` set afterwards."""
    service_request = make.request(requester, title=title, category=category)
    fields.setdefault("sla_due_at", None)
    fields.setdefault("resolution_due_at", None)
    fields.setdefault("first_response_due_at", None)
    shape(app, service_request, created_at=created, last_activity_at=created, **fields)
    return service_request


def answer(app, service_request, score: int, at: datetime, unit_id: int | None = None) -> None:
    """A satisfaction answer for the request's unit, given at `at`."""
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        unit = unit_id if unit_id is not None else found.business_unit_id
        invitation = SurveyInvitation(
            request_id=found.id, requester_id=found.requester_id, business_unit_id=unit,
            token_hash=secrets.token_hex(32), created_at=at, expires_at=at + 14 * DAY,
            answered_at=at,
        )
        db.session.add(invitation)
        db.session.flush()
        db.session.add(SurveyResponse(
            invitation_id=invitation.id, request_id=found.id, business_unit_id=unit,
            score=score, comment="", created_at=at,
        ))
        db.session.commit()


def touchpoint(app, unit, happened_on: date, actions=()) -> None:
    """A touchpoint; `actions` are (description, owner, due_on, done)."""
    with app.app_context():
        db.session.add(Touchpoint(
            business_unit_id=unit.id, happened_on=happened_on, kind="check_in",
            attendees="Priya, Sam", notes="Catch-up",
            actions=[
                NextAction(business_unit_id=unit.id, description=d, owner=o, due_on=due,
                           done_at=NOW if done else None)
                for d, o, due, done in actions
            ],
        ))
        db.session.commit()


def tool(app, unit, name: str, tier: str, status: str = "registered", adopted: bool = True):
    """A tool registered by `unit` (and adopted by it unless told otherwise)."""
    with app.app_context():
        found = ShadowTool(
            name=name, name_key=name.lower(), purpose="Getting work done", payer="free",
            data_kind="internal", sign_in="sso", risk_tier=tier, status=status,
            business_unit_id=unit.id,
        )
        if adopted:
            found.adoptions = [ToolAdoption(business_unit_id=unit.id, people=3)]
        db.session.add(found)
        db.session.commit()


_UNIT_LINK = re.compile(r'href="/units/(\d+)\?period=\d+"')


def unit_order(response) -> list[int]:
    """The unit ids of the portfolio's rows, top to bottom."""
    return [int(n) for n in _UNIT_LINK.findall(response.get_data(as_text=True))]
