"""Who gets in: a good bearer token, and nothing else (no cookie, no revoked or expired
token, no token of a switched-off account)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.api.conftest import ApiCaller, error_of
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import ApiToken, User


def _refused(response, *, token_given: bool) -> dict:
    assert response.status_code == 401, response.get_data(as_text=True)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert ('error="invalid_token"' in challenge) is token_given
    error = error_of(response)
    assert error["code"] == "unauthorized"
    return error


def test_a_good_token_gets_in(make, caller):
    person = make.requester()
    response = caller(person).get("/requests")
    assert response.status_code == 200
    assert response.get_json() == {"data": [], "next_cursor": None}


def test_no_token_is_refused(client):
    error = _refused(client.get("/api/v1/requests"), token_given=False)
    assert "Authorization: Bearer" in error["message"]


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Token rpt_" + "a" * 43,
        "Bearer rpt_short",
        "Bearer xyz_" + "a" * 43,
        "Bearer rpt_" + "a" * 43 + " extra",
        "Bearer rpt_" + "a" * 42 + "\u00e9",
    ],
)
def test_a_malformed_header_is_refused(client, make, header):
    make.requester()
    response = client.get("/api/v1/requests", headers={"Authorization": header})
    _refused(response, token_given=True)


def test_an_unknown_token_is_refused(client, make, token_for):
    secret = token_for(make.requester())
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    _refused(ApiCaller(client, wrong).get("/requests"), token_given=True)


def test_the_scheme_is_case_insensitive(client, make, token_for):
    secret = token_for(make.requester())
    response = client.get("/api/v1/requests", headers={"Authorization": f"bearer {secret}"})
    assert response.status_code == 200


def test_a_revoked_token_stops_at_once(app, make, caller):
    person = make.requester()
    api = caller(person)
    assert api.get("/requests").status_code == 200
    with app.app_context():
        token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == person.id))
        token.revoked_at = utcnow()
        db.session.commit()
    _refused(api.get("/requests"), token_given=True)


def test_an_expired_token_is_refused(make, caller):
    api = caller(make.requester(), expires_in=timedelta(days=30))
    assert api.get("/requests").status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31), tick=False):
        _refused(api.get("/requests"), token_given=True)


def test_a_switched_off_persons_tokens_stop_working(app, make, caller):
    person = make.requester()
    api = caller(person)
    assert api.get("/requests").status_code == 200
    with app.app_context():
        db.session.get(User, person.id).active = False
        db.session.commit()
    _refused(api.get("/requests"), token_given=True)


def test_a_session_cookie_alone_gets_401(client, make):
    """Cookies never sign in to the API: that is why it needs no CSRF token."""
    person = make.agent()
    client.login(person.email)
    assert client.get("/board").status_code == 200  # signed in on the web
    for method, path in [("GET", "/api/v1/requests"), ("POST", "/api/v1/requests"),
                         ("GET", "/api/v1/units"), ("PATCH", "/api/v1/requests/REQ-000001")]:
        response = client.open(path, method=method, json={})
        _refused(response, token_given=False)
    # The API answer did not touch the web session either.
    assert client.get("/board").status_code == 200


def test_the_token_is_the_caller_even_with_someone_elses_cookie(client, make, token_for):
    agent, person = make.agent(), make.requester()
    client.login(agent.email)
    mine = make.request(person, title="Mine")
    make.request(make.requester(), title="Not mine")
    response = ApiCaller(client, token_for(person)).get("/requests")
    assert [r["reference"] for r in response.get_json()["data"]] == [mine.reference]


def test_last_use_is_noted_at_most_once_a_minute(app, make, caller, count_queries):
    person = make.requester()
    api = caller(person)

    def last_used():
        with app.app_context():
            value = db.session.scalar(select(ApiToken.last_used_at))
            db.session.remove()
            return value

    assert last_used() is None
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        api.get("/requests")
        first = last_used()
        assert first is not None
        with count_queries() as statements:
            api.get("/requests")
        assert not any(s.lstrip().upper().startswith("UPDATE") for s in statements)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        api.get("/requests")
        assert last_used() == first
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api.get("/requests")
        assert last_used() > first


def test_refusals_are_audited_without_the_token(make, caller, token_for, client, caplog):
    secret = token_for(make.requester())
    wrong = secret[:-2] + "zz"
    with caplog.at_level(logging.INFO, logger="tracker.audit"):
        ApiCaller(client, wrong).get("/requests")
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.audit"]
    assert any("status=401" in line and "api token refused" in line for line in lines)
    assert not any(secret[4:20] in line or wrong[4:20] in line for line in lines)


def test_the_openapi_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"] == "3.1.0"
