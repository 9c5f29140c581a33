"""When the database can't be used: a calm 503 page with Retry-After, nothing stored,
one line in the log; and the plumbing that keeps a lost connection from becoming a 500."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tests.conftest import RapportClient
from tracker import create_app
from tracker.config import TestConfig, engine_options
from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest
from tracker.service_requests import workflow

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
FILING = {
    "category": "broken", "title": "Monitor flickers", "description": "All day long.",
    "impact": "just_me", "urgency": "slowed",
}


def _app(tmp_path, url: str, **engine):
    config = TestConfig(str(tmp_path), url)
    if engine:
        config.SQLALCHEMY_ENGINE_OPTIONS = {**config.SQLALCHEMY_ENGINE_OPTIONS, **engine}
    application = create_app(config)
    application.test_client_class = RapportClient
    return application


@pytest.fixture
def unreachable(tmp_path):
    application = _app(tmp_path, UNREACHABLE)
    yield application
    with application.app_context():
        db.engine.dispose()


def _signed_in(client) -> None:
    """A session cookie as sign-in leaves it; loading its person needs the database."""
    with client.session_transaction() as session:
        session.update({"_user_id": "1", "_fresh": True, "sv": 1, "seen": int(time.time())})


def _assert_unavailable(response, *, page: bool = True) -> str:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_data(as_text=True)
    assert "try again in a moment" in body
    assert ("<html" in body) is page
    assert "Traceback" not in body and "OperationalError" not in body
    return body


def test_sign_in_while_the_database_is_down(unreachable, caplog):
    client = unreachable.test_client()
    token = client.csrf_token("/login")  # the sign-in page itself needs no database
    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/login", data={"email": "a@example.com", "password": "x", "csrf_token": token}
        )
    body = _assert_unavailable(response)
    assert "save that just now" in body
    lines = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(lines) == 1 and "POST /login" in lines[0].getMessage()
    assert lines[0].exc_info is None  # one line, no traceback


def test_a_signed_in_page_while_the_database_is_down(unreachable):
    client = unreachable.test_client()
    _signed_in(client)
    body = _assert_unavailable(client.get("/"))
    assert "briefly unavailable" in body
    assert "Sign out" not in body  # the page asks nothing more of the database


def test_htmx_gets_the_fragment(unreachable):
    client = unreachable.test_client()
    token = client.csrf_token("/login")
    _signed_in(client)
    response = client.post(
        "/requests/REQ-000001/comments", data={"body": "Hello?"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    _assert_unavailable(response, page=False)


def test_no_free_connection_in_the_pool(tmp_path):
    application = _app(
        tmp_path, "sqlite:///" + str(tmp_path / "pool.sqlite3"),
        pool_size=1, max_overflow=0, pool_timeout=0.2,
    )
    client = application.test_client()
    _signed_in(client)
    with application.app_context():
        held = db.engine.connect()  # a slow request elsewhere holds the only connection
        try:
            _assert_unavailable(client.get("/"))
        finally:
            held.close()
            db.engine.dispose()


def test_a_failure_mid_filing_stores_nothing(client, make, monkeypatch):
    person = make.requester()
    client.login(person.email)

    def database_gone(*_args, **_kwargs):
        raise OperationalError("UPDATE", {}, Exception("server closed the connection"))

    # The request row is already flushed when the database goes away.
    monkeypatch.setattr("tracker.service_requests.services.record", database_gone)
    _assert_unavailable(client.form_post("/requests/new", FILING))
    monkeypatch.undo()
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 0
        assert db.session.scalar(select(func.count()).select_from(RequestEvent)) == 0
    response = client.form_post("/requests/new", FILING)  # and the next one works
    assert response.status_code == 303


def test_a_change_that_matched_no_row_is_a_conflict(client, make, monkeypatch):
    agent = make.agent()
    service_request = make.request(make.requester())
    client.login(agent.email)

    def stale(*_args, **_kwargs):
        raise StaleDataError("UPDATE statement on table 'service_requests' matched 0 rows")

    monkeypatch.setattr(workflow, "move_stage", stale)
    response = client.form_post(
        f"/board/requests/{service_request.reference}/stage",
        {"stage": "triaged", "version": "1", "next": "/board"},
    )
    assert response.status_code == 409
    assert "Someone else changed this" in response.get_data(as_text=True)


def test_a_connection_lost_after_the_answer_is_discarded(tmp_path, monkeypatch, caplog):
    application = _app(tmp_path, "sqlite:///" + str(tmp_path / "lost.sqlite3"))
    real_close = Session.close
    failures = []

    def close_on_a_dead_connection(self):
        if not failures:
            failures.append(self)
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))
        return real_close(self)

    monkeypatch.setattr(Session, "close", close_on_a_dead_connection)
    with caplog.at_level(logging.WARNING), application.test_request_context("/"):
        db.session.execute(text("SELECT 1"))
    assert failures  # the teardown met the failure and did not raise it
    assert "connection lost at the end of a request" in caplog.text
    with application.app_context():
        db.engine.dispose()


def test_postgresql_connections_fail_fast(monkeypatch):
    assert engine_options(UNREACHABLE, {})["connect_args"] == {"connect_timeout": 5}
    options = engine_options(UNREACHABLE, {"RAPPORT_DB_CONNECT_TIMEOUT": "2"})
    assert options["connect_args"] == {"connect_timeout": 2}
    assert "connect_args" in engine_options("sqlite:///x.sqlite3", {})  # SQLite's own timeout
