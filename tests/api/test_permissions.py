"""The same permissions as the web, per role: what each person's token sees and may do.

Something a person may not see is a 404 (never a hint that it exists); something they
may see but their role can't change is a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_of
from tracker.extensions import db
from tracker.feedback import surveys
from tracker.models import Role, ServiceRequest, ShadowTool, Stage, User
from tracker.shadow_it import services as tool_services


@dataclass
class Org:
    unit_a: object
    unit_b: object
    requester_a: User
    requester_b: User
    agent: User
    buddy: User
    brm_a: User
    admin: User
    request_a: ServiceRequest
    request_b: ServiceRequest


@pytest.fixture
def org(make) -> Org:
    brm_a = make.user(roles=(Role.BRM,), name="Bea Brm")
    buddy = make.user(roles=(Role.BUDDY,))
    unit_a = make.unit("Aster Finance", brm=brm_a, buddy=buddy)
    unit_b = make.unit("Birch Logistics")
    requester_a = make.requester(unit=unit_a, name="Quentin Quokka")
    requester_b = make.requester(unit=unit_b)
    return Org(
        unit_a=unit_a, unit_b=unit_b, requester_a=requester_a, requester_b=requester_b,
        agent=make.agent(), buddy=buddy, brm_a=brm_a, admin=make.user(roles=(Role.ADMIN,)),
        request_a=make.request(requester_a, title="Payroll export fails"),
        request_b=make.request(requester_b, title="Forklift tablet"),
    )


def _references(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["reference"] for item in response.get_json()["data"]}


def test_who_sees_which_requests(org, caller):
    a, b = org.request_a.reference, org.request_b.reference
    assert _references(caller(org.requester_a).get("/requests")) == {a}
    assert _references(caller(org.requester_b).get("/requests")) == {b}
    assert _references(caller(org.brm_a).get("/requests")) == {a}
    for staff in (org.agent, org.buddy, org.admin):
        assert _references(caller(staff).get("/requests")) == {a, b}


def test_a_former_brm_no_longer_sees_the_units_requests(app, org, caller):
    with app.app_context():
        db.session.get(User, org.brm_a.id).set_roles({Role.REQUESTER})
        db.session.commit()
    assert _references(caller(org.brm_a).get("/requests")) == set()
    response = caller(org.brm_a).get(f"/requests/{org.request_a.reference}")
    assert response.status_code == 404


@pytest.mark.parametrize(("who", "target"), [("requester_b", "request_a"),
                                             ("requester_a", "request_b"),
                                             ("brm_a", "request_b")])
def test_someone_elses_request_is_a_404_everywhere(app, org, caller, who, target):
    """IDOR: a reference that isn't yours answers exactly like one that doesn't exist."""
    api = caller(getattr(org, who))
    seen = {}
    for method, suffix, body in [("GET", "", None), ("POST", "/comments", {"body": "Hi"}),
                                 ("PATCH", "", {"stage": "triaged"})]:
        for reference in (getattr(org, target).reference, "REQ-999999"):
            response = api.open(method, f"/requests/{reference}{suffix}", json=body)
            assert response.status_code == 404, (method, reference, response.get_json())
            seen.setdefault(method, set()).add(repr(error_of(response)))
            assert "Payroll" not in response.get_data(as_text=True)
            assert "Forklift" not in response.get_data(as_text=True)
    assert all(len(answers) == 1 for answers in seen.values())  # indistinguishable
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceRequest).where(
            ServiceRequest.stage != Stage.NEW.value)) == 0


def test_a_brm_reads_their_units_requests_but_takes_no_part(app, org, caller):
    api = caller(org.brm_a)
    reference = org.request_a.reference
    assert api.get(f"/requests/{reference}").status_code == 200
    comment = api.post(f"/requests/{reference}/comments", {"body": "Hello"})
    assert comment.status_code == 403 and error_of(comment)["code"] == "forbidden"
    change = api.patch(f"/requests/{reference}", {"stage": "triaged"})
    assert change.status_code == 403


def test_requesters_may_not_change_their_own_requests_stage(org, caller):
    response = caller(org.requester_a).patch(f"/requests/{org.request_a.reference}",
                                             {"stage": "resolved"})
    assert response.status_code == 403
    assert "Only IT staff" in error_of(response)["message"]


@pytest.mark.parametrize("param", ["team=none", "assignee=me", "priority=1", "sla=breached"])
def test_staff_filters_are_for_staff(org, caller, param):
    response = caller(org.requester_a).get(f"/requests?{param}")
    assert response.status_code == 403
    assert param.split("=")[0] in error_of(response)["fields"]
    assert caller(org.agent).get(f"/requests?{param}").status_code == 200


def test_who_sees_which_units(org, caller):
    def names(who):
        response = caller(who).get("/units")
        assert response.status_code == 200
        return [unit["name"] for unit in response.get_json()["data"]]

    assert names(org.agent) == names(org.admin) == ["Aster Finance", "Birch Logistics"]
    assert names(org.brm_a) == ["Aster Finance"]
    assert names(org.requester_a) == []
    unit = caller(org.brm_a).get(f"/units/{org.unit_a.id}").get_json()
    assert unit["brm"]["name"] == "Bea Brm" and unit["it_buddy"]["id"] == org.buddy.id
    for who, unit_id, status in [(org.brm_a, org.unit_b.id, 404),
                                 (org.requester_a, org.unit_a.id, 404),
                                 (org.agent, org.unit_b.id, 200),
                                 (org.agent, 2_147_483_647, 404)]:
        assert caller(who).get(f"/units/{unit_id}").status_code == status


def _tool(app, person: User, name: str) -> int:
    with app.app_context():
        tool = tool_services.register(
            db.session.get(User, person.id),
            tool_services.Registration(
                name=name, url="", purpose="Planning", user_count=4, payer="free",
                cost_amount=None, cost_period="month", currency="GBP", data_kind="internal",
                sign_in="sso", business_critical=False, impact="",
            ),
        )
        db.session.commit()
        return tool.id


def test_who_sees_which_tools(app, org, make, caller):
    _tool(app, org.requester_a, "Zebrafish Planner")
    _tool(app, org.requester_b, "Birch Sheets")
    colleague = make.requester(unit=org.unit_a)

    def names(who):
        return sorted(t["name"] for t in caller(who).get("/tools").get_json()["data"])

    assert names(org.agent) == ["Birch Sheets", "Zebrafish Planner"]
    assert names(org.requester_a) == names(colleague) == ["Zebrafish Planner"]
    assert names(org.brm_a) == ["Zebrafish Planner"]
    assert names(org.requester_b) == ["Birch Sheets"]


def test_registering_a_tool_with_someone_elses_request_is_refused(app, org, caller):
    body = {"name": "Miro", "purpose": "Workshops", "user_count": 3, "payer": "free",
            "data_kind": "internal", "sign_in": "sso",
            "unmet_request": org.request_b.reference}
    response = caller(org.requester_a).post("/tools", body)
    assert response.status_code == 422
    assert "your own requests" in error_of(response)["fields"]["unmet_request"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ShadowTool)) == 0


def test_satisfaction_figures_for_staff_and_brms_only(app, org, make, caller):
    with app.app_context():
        for request in (org.request_a, org.request_b):
            row = db.session.get(ServiceRequest, request.id)
            row.stage, row.assignee_id = Stage.RESOLVED.value, org.agent.id
            db.session.flush()
            invitation, _ = surveys.invite(row)
            surveys.answer(invitation, 4, "")
        db.session.commit()
    staff = caller(org.agent).get("/surveys/summary").get_json()
    assert {u["name"] for u in staff["units"]} == {"Aster Finance", "Birch Logistics"}
    assert staff["agents"][0]["answers"] == 2
    assert staff["agents"][0]["average"] is None  # under three answers: not shown
    brm = caller(org.brm_a).get("/surveys/summary").get_json()
    assert [u["name"] for u in brm["units"]] == ["Aster Finance"]
    assert brm["units"][0]["average"] == 4.0
    assert brm["agents"] == [] and brm["teams"] == []
    refused = caller(org.requester_a).get("/surveys/summary")
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
