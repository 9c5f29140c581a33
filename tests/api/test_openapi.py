"""The OpenAPI document is valid, lists exactly the API's routes, and real answers of
every endpoint (successes and errors) match it."""

from __future__ import annotations

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_spec_validator import validate
from werkzeug.test import EnvironBuilder

from tests.api.conftest import API, ApiCaller
from tracker.models import Role, Stage

TOOL = {"name": "Miro", "url": "miro.com", "purpose": "Workshops", "user_count": 3,
        "payer": "team_budget", "cost_amount": "12.50", "data_kind": "internal",
        "sign_in": "own_passwords", "renewal_date": "2027-01-31"}
NEW = {"title": "Printer jams", "description": "On every page.", "category": "broken",
       "impact": "my_team", "urgency": "slowed"}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def _api_routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.removeprefix("/api/v1")
            for name in rule.arguments:
                path = path.replace(f"<int(max=2147483647):{name}>", "{" + name + "}")
                path = path.replace(f"<{name}>", "{" + name + "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found.add((path, method.lower()))
    return found


def test_the_document_lists_exactly_the_apis_routes(app, document):
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert documented == _api_routes(app)


class Checker:
    """Validates each request and answer against the document, and notes what was seen."""

    def __init__(self, app, document):
        self.urls = app.url_map.bind("localhost")
        self.openapi = OpenAPI.from_dict(document)
        self.seen: set[tuple[str, str, int]] = set()

    def __call__(self, api: ApiCaller, method: str, path: str, json=None, headers=None, *,
                 request_valid: bool = True):
        response = api.open(method, path, json=json, headers=headers)
        sent = EnvironBuilder(API + path, method=method, json=json,
                              headers=api.headers(headers)).get_request()
        request = WerkzeugOpenAPIRequest(sent)
        self.openapi.validate_response(request, WerkzeugOpenAPIResponse(response))
        if request_valid:
            self.openapi.validate_request(request)
        rule, _ = self.urls.match(sent.path, method=method, return_rule=True)
        self.seen.add((rule.rule, method, response.status_code))
        return response


def test_real_answers_match_the_document(app, make, caller, client, document):
    check = Checker(app, document)
    anonymous = ApiCaller(client, None)
    brm = make.user(roles=(Role.BRM,))
    unit = make.unit("Finance", brm=brm, buddy=make.user(roles=(Role.BUDDY,)))
    person = make.requester(unit=unit)
    agent = make.agent()
    team = make.team("Desk", members=[agent])
    staff, mine, brms = caller(agent), caller(person), caller(brm)
    closed = make.request(person, stage=Stage.CLOSED)
    key = {"Idempotency-Key": "k-1"}

    check(anonymous, "GET", "/openapi.json")
    check(anonymous, "GET", "/requests", request_valid=False)  # no token: 401
    reference = check(mine, "POST", "/requests", NEW, key).get_json()["reference"]
    check(mine, "POST", "/requests", NEW, key)
    check(mine, "POST", "/requests", {**NEW, "title": "Other"}, key)
    check(mine, "POST", "/requests", {**NEW, "title": ""}, request_valid=False)
    for _ in range(3):
        make.request(person)
    page = check(staff, "GET", "/requests?limit=2&stage=new,triaged&sla=on_track")
    check(staff, "GET", f"/requests?limit=2&cursor={page.get_json()['next_cursor']}")
    check(mine, "GET", "/requests?q=printer")
    check(mine, "GET", "/requests?priority=1")
    check(staff, "GET", "/requests?limit=0", request_valid=False)
    check(staff, "GET", f"/requests/{reference}")
    check(mine, "GET", f"/requests/{reference}")
    check(mine, "GET", "/requests/REQ-999999")
    comments = f"/requests/{reference}/comments"
    check(mine, "POST", comments, {"body": "Any news?"}, {"Idempotency-Key": "c-1"})
    check(mine, "POST", comments, {"body": "Any news?"}, {"Idempotency-Key": "c-1"})
    check(staff, "POST", comments, {"body": "Note", "internal": True})
    check(brms, "POST", comments, {"body": "Hello"})
    check(mine, "POST", f"/requests/{closed.reference}/comments", {"body": "Hi"})
    check(mine, "POST", comments, {"body": ""}, request_valid=False)
    check(mine, "POST", "/requests/REQ-999999/comments", {"body": "Hi"})
    version = check(staff, "GET", f"/requests/{reference}").get_json()["version"]
    check(staff, "PATCH", f"/requests/{reference}", {
        "version": version, "stage": "in_progress", "assignee_id": agent.id, "team_id": team.id,
        "priority": 2, "reason": "Whole team"})
    check(staff, "PATCH", f"/requests/{reference}", {"stage": "triaged", "version": version})
    check(staff, "PATCH", f"/requests/{reference}", {"stage": "closed"})
    check(staff, "PATCH", f"/requests/{reference}", {"priority": 1})
    check(mine, "PATCH", f"/requests/{reference}", {"stage": "resolved"})
    check(staff, "PATCH", "/requests/REQ-999999", {"stage": "resolved"})
    check(staff, "GET", "/units")
    check(brms, "GET", f"/units/{unit.id}")
    check(mine, "GET", f"/units/{unit.id}")
    check(mine, "POST", "/tools", {**TOOL, "unmet_request": reference})
    check(mine, "POST", "/tools", TOOL)
    check(mine, "POST", "/tools", {**TOOL, "user_count": 0}, request_valid=False)
    check(staff, "GET", "/tools?sort=cost&tier=medium")
    check(mine, "GET", "/tools")
    check(staff, "GET", "/tools?renewal=45", request_valid=False)
    check(staff, "GET", "/surveys/summary?days=90")
    check(brms, "GET", "/surveys/summary")
    check(mine, "GET", "/surveys/summary")
    check(staff, "GET", "/surveys/summary?days=0", request_valid=False)

    statuses = {(path.removeprefix("/api/v1"), method, status)
                for path, method, status in check.seen}
    for path, item in document["paths"].items():
        flask_path = path.replace("{reference}", "<reference>").replace(
            "{unit_id}", "<int(max=2147483647):unit_id>")
        for method, operation in item.items():
            for status in operation["responses"]:
                if status in ("default", "401", "429"):
                    continue
                assert (flask_path, method.upper(), int(status)) in statuses, (
                    f"{method.upper()} {path} answered {status} in no check"
                )
