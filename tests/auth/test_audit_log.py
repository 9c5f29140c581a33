"""The audit log: sign-in attempts and refused requests, without secrets, one line each."""

from __future__ import annotations

import logging

import pytest

from tests.factories import Factory
from tracker.models import Role

WRONG = "a wrong secret 123"


@pytest.fixture
def audit_lines(caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "tracker.audit"]

    return lines


def _only(lines: list[str], event: str) -> str:
    found = [line for line in lines if line.split(" ", 1)[0] == event]
    assert len(found) == 1, lines
    return found[0]


def test_successful_sign_in_is_logged_without_secrets(client, make, audit_lines):
    person = make.user()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    client.login(person.email)
    line = _only(audit_lines(), "sign-in")
    assert f"email='{person.email}'" in line
    assert f"user_id={person.id}" in line
    assert "address='192.0.2.10'" in line
    assert "request='POST /login'" in line
    assert " at=" in line
    cookie = client.get_cookie("session").value
    for secret in (Factory.PASSWORD, cookie):
        assert all(secret not in text for text in audit_lines())


def test_failed_sign_in_is_logged_without_the_password(client, make, audit_lines):
    person = make.user()
    client.login(person.email, WRONG)
    line = _only(audit_lines(), "sign-in-failed")
    assert f"email='{person.email}'" in line
    assert all(WRONG not in text for text in audit_lines())


def test_blocked_sign_in_is_logged(app, client, make, audit_lines, monkeypatch):
    monkeypatch.setitem(app.config, "RAPPORT_LOGIN_MAX_FAILURES", 1)
    person = make.user()
    client.login(person.email, WRONG)
    assert client.login(person.email).status_code == 429
    assert f"email='{person.email}'" in _only(audit_lines(), "sign-in-blocked")


def test_newlines_in_typed_input_cannot_forge_lines(client, audit_lines):
    forged = "x@example.com\nsign-in at=2020 user=1 address='10.0.0.1'\r"
    client.login(forged, WRONG)
    lines = audit_lines()
    assert lines
    for line in lines:
        assert "\n" not in line and "\r" not in line
    assert "\\nsign-in" in _only(lines, "sign-in-failed")


def test_sign_out_is_logged(client, make, audit_lines):
    person = make.user()
    client.login(person.email)
    client.form_post("/logout")
    assert f"user={person.id}" in _only(audit_lines(), "sign-out")


def test_anonymous_request_for_a_signed_in_page_is_logged(client, audit_lines):
    assert client.get("/requests/").status_code == 302
    line = _only(audit_lines(), "denied")
    assert "user=anonymous" in line
    assert "status=401" in line
    assert "request='GET /requests/'" in line


def test_ended_session_is_logged_with_the_reason(client, make, audit_lines):
    client.login(make.user().email)
    with client.session_transaction() as session:
        session["seen"] = 0
    client.get("/requests/")
    line = _only(audit_lines(), "denied")
    assert "reason='idle'" in line


def test_role_check_refusal_is_logged_once(client, make, audit_lines):
    person = make.user()
    client.login(person.email)
    assert client.get("/board").status_code == 404
    line = _only(audit_lines(), "denied")
    assert f"user={person.id}" in line
    assert "status=404" in line
    assert "request='GET /board'" in line
    assert "reason='staff only'" in line


def test_admin_role_refusal_is_logged(client, make, audit_lines):
    client.login(make.agent().email)
    assert client.get("/admin/people").status_code == 404
    assert "reason='role admin'" in _only(audit_lines(), "denied")


def test_not_found_for_a_signed_in_person_is_logged(client, make, audit_lines):
    person = make.user(roles=(Role.REQUESTER,))
    client.login(person.email)
    assert client.get("/requests/REQ-999999").status_code == 404
    line = _only(audit_lines(), "denied")
    assert f"user={person.id}" in line
    assert "reason='not found'" in line


def test_not_found_for_an_anonymous_visitor_is_not_logged(client, audit_lines):
    assert client.get("/no-such-page").status_code == 404
    assert audit_lines() == []


def test_secret_paths_are_logged_as_routes(client, make, audit_lines):
    client.login(make.user().email)
    client.get("/survey/some-secret-token/nowhere")
    assert all("some-secret-token" not in line for line in audit_lines())
