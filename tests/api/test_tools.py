"""The shadow-IT registry through the API: registering without blame, with the web's rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_of
from tracker.extensions import db
from tracker.models import ShadowTool, ToolEvent

TOOL = {"name": "Trello", "url": "https://www.trello.com/b/x", "purpose": "Month-end plan",
        "user_count": 12, "payer": "company_card", "cost_amount": 10, "cost_period": "month",
        "currency": "EUR", "data_kind": "personal", "sign_in": "own_passwords",
        "business_critical": True, "impact": "We'd miss the close.",
        "renewal_date": "2027-03-01"}


def _count(app, model=ShadowTool) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_registering_works_out_the_risk_tier_and_history(app, make, caller):
    person = make.requester(unit=make.unit("Finance"), name="Rosa R")
    request = make.request(person)
    response = caller(person).post("/tools", {**TOOL, "unmet_request": request.reference})
    assert response.status_code == 201, response.get_json()
    tool = response.get_json()
    assert tool["risk_tier"] == "critical" and tool["status"] == "registered"
    assert tool["status_label"] == "Thanks, IT knows about it"
    assert tool["cost_amount"] == "10.00" and tool["yearly_cost"] == "120.00"
    assert tool["business_unit"]["name"] == "Finance"
    assert tool["registered_by"]["name"] == "Rosa R"
    assert tool["unmet_request"] == request.reference
    assert tool["renewal_date"] == "2027-03-01"
    with app.app_context():
        stored = db.session.get(ShadowTool, tool["id"])
        assert stored.domain == "trello.com" and stored.currency == "EUR"
    assert _count(app, ToolEvent) == 1


def test_the_same_tool_is_a_409_unless_it_really_is_another(app, make, caller):
    api = caller(make.requester())
    assert api.post("/tools", TOOL).status_code == 201
    again = api.post("/tools", {**TOOL, "name": "Boards", "url": "trello.com"})
    assert again.status_code == 409
    error = error_of(again)
    assert error["code"] == "duplicate" and "Trello" in error["message"]
    anyway = api.post("/tools", {**TOOL, "name": "trello", "different_tool": True})
    assert anyway.status_code == 201
    assert _count(app) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "Tab\tname"}, "name"),
        ({"url": "https://[unclosed"}, "url"),
        ({"url": "https://" + "a" * 250 + ".example"}, "url"),  # as the web form refuses
        ({"purpose": "x" * 5001}, "purpose"),
        ({"user_count": 0}, "user_count"),
        ({"user_count": "12"}, "user_count"),
        ({"payer": "boss"}, "payer"),
        ({"cost_amount": -1}, "cost_amount"),
        ({"cost_amount": "12.345"}, "cost_amount"),
        ({"cost_amount": "twelve"}, "cost_amount"),
        ({"currency": "JPY"}, "currency"),
        ({"renewal_date": "31/01/2027"}, "renewal_date"),
        ({"unmet_request": "the printer one"}, "unmet_request"),
        ({"risk_tier": "low"}, "risk_tier"),
    ],
)
def test_bad_answers_are_explained_and_nothing_is_stored(app, make, caller, changes, field):
    response = caller(make.requester()).post("/tools", {**TOOL, **changes})
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["fields"]
    assert _count(app) == 0


def test_filters_and_sorts_as_on_the_inventory(app, make, caller):
    person = make.requester(unit=make.unit())
    api = caller(person)
    api.post("/tools", TOOL)
    api.post("/tools", {**TOOL, "name": "Notion", "url": "", "data_kind": "none",
                        "sign_in": "sso", "business_critical": False, "user_count": 2,
                        "cost_amount": None, "renewal_date": None})
    names = lambda query: [t["name"] for t in api.get(f"/tools?{query}").get_json()["data"]]  # noqa: E731
    assert names("") == ["Trello", "Notion"]  # riskiest first
    assert names("sort=name") == ["Notion", "Trello"]
    assert names("tier=low") == ["Notion"]
    assert names("data=personal") == ["Trello"]
    assert names("status=sanctioned") == []
    response = api.get("/tools?tier=extreme")
    assert response.status_code == 422 and "tier" in error_of(response)["fields"]
