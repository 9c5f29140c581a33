"""Signing in and out: redirects, failures, password storage and the session cookie."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import select

from tracker import create_app
from tracker.auth import services
from tracker.auth.views import GENERIC_FAILURE
from tracker.config import Config
from tracker.extensions import db
from tracker.models import User

NEXT_FIELD = re.compile(r'<input[^>]*name="next"[^>]*value="([^"]*)"')
EMAIL_FIELD = re.compile(r'<input[^>]*name="email"[^>]*>')
PASSWORD_FIELD = re.compile(r'<input[^>]*name="password"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')

UNSAFE_NEXT = [
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/x",
    "javascript:alert(1)",
    "http:/evil",
    "/requests/\nSet-Cookie: x=1",
    "/requests/\tx",
]


def _login_redirect(response) -> tuple[str, str | None]:
    """The path of a redirect to the sign-in page and its `next` value."""
    parts = urlsplit(response.headers["Location"])
    return parts.path, parse_qs(parts.query).get("next", [None])[0]


def _value(field: re.Pattern, body: str) -> str:
    """The value attribute of the first input matching `field` ("" when absent)."""
    match = VALUE.search(field.search(body).group(0))
    return match.group(1) if match else ""


def _signed_in(client) -> bool:
    return client.get("/requests/").status_code == 200


def test_requester_lands_on_home(client, make):
    person = make.user()
    response = client.login(person.email)
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/"


def test_staff_lands_on_the_board(client, make):
    agent = make.agent()
    response = client.login(agent.email)
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/board"


def test_local_next_is_followed(client, make):
    person = make.user()
    response = client.login(person.email, next="/requests/")
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/requests/"


def test_local_next_from_query_string_fills_hidden_field(client, make):
    person = make.user()
    page = client.get("/login", query_string={"next": "/requests/"})
    assert NEXT_FIELD.search(page.get_data(as_text=True)).group(1) == "/requests/"
    response = client.login(person.email, next="/requests/")
    assert response.headers["Location"] == "/requests/"


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_unsafe_next_in_query_string_is_dropped(client, make, target):
    person = make.user()
    page = client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    hidden = NEXT_FIELD.search(page.get_data(as_text=True)).group(1)
    assert hidden == ""
    response = client.login(person.email, next=hidden)
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_unsafe_next_in_posted_field_lands_on_default(client, make, target):
    person = make.user()
    response = client.login(person.email, next=target)
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_unsafe_next_for_staff_lands_on_the_board(client, make, target):
    agent = make.agent()
    response = client.login(agent.email, next=target)
    assert response.headers["Location"] == "/board"


def test_wrong_password_is_refused_with_generic_message(client, make):
    person = make.user()
    response = client.login(person.email, password="not the password at all")
    body = response.get_data(as_text=True)
    assert response.status_code == 401
    assert str(escape(GENERIC_FAILURE)) in body
    assert 'value="not the password at all"' not in body
    assert _value(PASSWORD_FIELD, body) == ""
    assert _value(EMAIL_FIELD, body) == person.email
    assert not _signed_in(client)


def test_unknown_email_looks_like_wrong_password(client, make):
    person = make.user()
    wrong_password = client.login(person.email, password="not the password at all")
    unknown = client.login("nobody@example.com")
    body = unknown.get_data(as_text=True)
    assert unknown.status_code == wrong_password.status_code == 401
    assert str(escape(GENERIC_FAILURE)) in body
    assert _value(PASSWORD_FIELD, body) == ""
    assert _value(EMAIL_FIELD, body) == "nobody@example.com"


def test_inactive_account_cannot_sign_in(client, make):
    person = make.user(active=False)
    response = client.login(person.email)
    assert response.status_code == 401
    assert str(escape(GENERIC_FAILURE)) in response.get_data(as_text=True)
    assert not _signed_in(client)


def test_email_is_case_insensitive(client, make):
    make.user(email="person@example.com", name="Casey Case")
    response = client.login("Person@Example.com")
    assert response.status_code in (302, 303)
    assert "Casey Case" in client.get("/").get_data(as_text=True)


def test_password_is_stored_as_argon2id_hash(app, client):
    with app.app_context():
        services.create_user("hashed@example.com", "Hash Ed", "a very secret phrase")
        db.session.commit()
    with app.app_context():
        stored = db.session.scalar(
            select(User.password_hash).where(User.email == "hashed@example.com")
        )
    assert stored.startswith("$argon2id$")
    assert "a very secret phrase" not in stored
    assert client.login("hashed@example.com", "a very secret phrase").status_code in (302, 303)


def test_session_cookie_is_httponly_and_samesite_lax(client, make):
    person = make.user()
    response = client.login(person.email)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies
    attributes = [part.strip().lower() for part in cookies[-1].split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_session_cookie_is_secure_by_default(monkeypatch, tmp_path):
    monkeypatch.setenv("RAPPORT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-secret-for-this-test-only")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "cookies.sqlite3"))
    for name in ("RAPPORT_SECURE_COOKIES", "FLASK_DEBUG", "SENTRY_DSN"):
        monkeypatch.delenv(name, raising=False)
    application = create_app(Config(str(tmp_path)))
    try:
        assert application.debug is False
        assert application.config["SESSION_COOKIE_SECURE"] is True
        assert application.config["REMEMBER_COOKIE_SECURE"] is True
    finally:
        with application.app_context():
            db.engine.dispose()


def test_logout_get_asks_for_confirmation(client, make):
    person = make.user()
    client.login(person.email)
    response = client.get("/logout")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<form method="post" action="/logout">', body)
    assert 'name="csrf_token"' in body
    assert _signed_in(client)


def test_logout_post_signs_out(client, make):
    person = make.user()
    client.login(person.email)
    response = client.form_post("/logout")
    assert response.status_code in (302, 303)
    protected = client.get("/requests/")
    assert protected.status_code == 302
    assert _login_redirect(protected) == ("/login", "/requests/")


def test_logout_post_without_csrf_token_is_refused(client, make):
    person = make.user()
    client.login(person.email)
    response = client.post("/logout")
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert _signed_in(client)


@pytest.mark.parametrize("path", ["/", "/requests/", "/requests/new", "/requests/REQ-000001"])
def test_anonymous_visitor_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert _login_redirect(response) == ("/login", path)


def test_signed_in_requester_visiting_login_is_sent_home(client, make):
    person = make.user()
    client.login(person.email)
    response = client.get("/login")
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/"


def test_signed_in_staff_visiting_login_is_sent_to_the_board(client, make):
    agent = make.agent()
    client.login(agent.email)
    response = client.get("/login", query_string={"next": "//evil.example"})
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/board"
