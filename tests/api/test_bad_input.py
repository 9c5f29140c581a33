"""Bad input sweep for the JSON API: every write refuses hostile values in every field.

The web's sweep (tests/security/test_bad_input.py) signs in with cookies and posts forms;
the API takes JSON with a bearer token, so it is swept here the same way: each field of
each write gets control characters, non-characters, text over its limit, the wrong JSON
type and huge numbers. The answer is 422 naming the field (or 400 for a body that is not
JSON) and nothing is stored; URL variables and query strings full of garbage never
answer 5xx. The valid body still goes through at the end, so the refusals came from the
attacked field.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.api.conftest import API, error_of
from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest, ShadowTool

NEW_REQUEST = {"title": "Monitor flickers", "description": "Every few seconds.",
               "category": "broken", "impact": "just_me", "urgency": "slowed"}
NEW_TOOL = {"name": "Miro", "url": "miro.com", "purpose": "Workshops", "user_count": 3,
            "payer": "free", "data_kind": "internal", "sign_in": "sso",
            "impact": "We'd draw on paper.", "renewal_date": "2027-03-01"}
COMMENT = {"body": "Any news on this?"}
CHANGE = {"stage": "in_progress", "note": "Looking at it", "priority": 2,
          "reason": "Whole floor"}

TEXT_ATTACKS = {
    "NUL": "Broken\x00printer",
    "bell": "Broken \x07 printer",
    "C1 control": "Broken \x85 printer",
    "non-character": "Broken \ufffe printer",
    "replacement character": "Broken \ufffd printer",
    "over any limit": "x" * 100_001,
}
ANY_FIELD_ATTACKS = {"a list": ["x"], "an object": {"x": 1}, "a huge number": 10**30}
NUMBER_ATTACKS = {"a negative number": -1, "a string": "NaN", "a fraction": 1.5}
URL_GARBAGE = ("99999999999999999999", "0", "-1", "%00", "%FF%FE", "REQ-99999999999",
               "REQ-%00", "x" * 300, "%C2%B2")
QUERY_GARBAGE = ("99999999999999999999", "-5", "NaN", "1e309", "%00", "%FF%FE", "%C2%B2",
                 "x" * 5000, "<b>")
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([a-z_]+)>")


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (ServiceRequest, RequestEvent, ShadowTool)
        )


def _writes(make, caller):
    """(label, API caller, method, path, a valid body) for every write the API offers."""
    agent = make.agent()
    requester = make.requester(unit=make.unit())
    target = make.request(requester)
    staff = caller(agent)
    return [
        ("file a request", caller(requester), "POST", "/requests", NEW_REQUEST),
        ("comment", caller(requester), "POST", f"/requests/{target.reference}/comments",
         COMMENT),
        ("change a request", staff, "PATCH", f"/requests/{target.reference}", CHANGE),
        ("register a tool", caller(requester), "POST", "/tools", NEW_TOOL),
    ]


def _refused(app, response, before, where: str, field: str | None) -> None:
    assert response.status_code in (400, 422), (where, response.status_code)
    error = error_of(response)
    if response.status_code == 422 and field is not None:
        assert field in error["fields"], (where, error)
    assert _counts(app) == before, (where, "a refused call stored something")


def test_every_field_of_every_write_refuses_bad_input(app, make, caller):
    for label, api, method, path, body in _writes(make, caller):
        before = _counts(app)
        for field, valid in body.items():
            attacks = dict(ANY_FIELD_ATTACKS)
            attacks.update(TEXT_ATTACKS if isinstance(valid, str) else NUMBER_ATTACKS)
            for name, value in attacks.items():
                where = f"{label}: {field} = {name}"
                response = api.open(method, path, json={**body, field: value})
                _refused(app, response, before, where, field)
        response = api.open(method, path, data=b'{"title": "Caf\xe9"}',
                            headers={"Content-Type": "application/json"})
        _refused(app, response, before, f"{label}: a body that is not UTF-8", None)
        response = api.open(method, path, json=body)
        assert response.status_code in (200, 201), (label, "the valid body was refused",
                                                     response.get_json())


def _api_rules(app, method: str):
    return sorted(
        (rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API) and method in (rule.methods or ())
    )


def test_url_variables_out_of_range_are_not_found(app, make, caller):
    api = caller(make.agent())
    rules = [(e, r) for method in ("GET", "POST", "PATCH") for e, r in _api_rules(app, method)
             if _VARIABLE.search(r)]
    assert rules
    for endpoint, rule in rules:
        for value in URL_GARBAGE:
            path = _VARIABLE.sub(value, rule)
            for method in sorted(set(next(app.url_map.iter_rules(endpoint)).methods)
                                 & {"GET", "POST", "PATCH"}):
                response = api.open(method, path, json={} if method != "GET" else None)
                assert response.status_code in (400, 404), (endpoint, value, method,
                                                            response.status_code)
                error_of(response)


def test_query_strings_never_break_a_list(app, make, caller):
    requester = make.requester(unit=make.unit())
    make.request(requester)
    api = caller(make.agent())
    names = ("page", "cursor", "limit", "team", "assignee", "unit", "category", "priority",
             "sla", "q", "stage", "status", "tier", "data", "renewal", "sort", "days")
    rules = [r for _, r in _api_rules(app, "GET") if not _VARIABLE.search(r)]
    before = _counts(app)
    for rule in rules:
        for value in QUERY_GARBAGE:
            query = "&".join(f"{name}={value}" for name in names)
            response = api.get(f"{rule}?{query}")
            assert response.status_code < 500, (rule, value, response.status_code)
            assert response.is_json, (rule, value)
    assert _counts(app) == before


@pytest.mark.parametrize("header", ["Bearer \x00rpt_x", "Bearer rpt_\u00e9\u00e9", "Bearer " +
                                    "x" * 10_000])
def test_a_mangled_token_is_a_json_401(client, header):
    response = client.get(f"{API}/requests", headers={"Authorization": header})
    assert response.status_code == 401
    error_of(response)
