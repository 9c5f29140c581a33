"""App-level behaviour: health check, configuration, error reporting, headers, schema, CLI."""

from __future__ import annotations

import html
import stat

import pytest
import sentry_sdk
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from tracker import config as settings
from tracker import create_app
from tracker.config import Config, ConfigError
from tracker.extensions import db
from tracker.models import (
    Attachment,
    BusinessUnit,
    Notification,
    RequestEvent,
    Role,
    ServiceRequest,
    Stage,
    User,
)

DEMO_PASSWORD = "rapport-demo"


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment for building a Config, with the database in tmp_path."""
    for name in (
        "RAPPORT_ENV",
        "SECRET_KEY",
        "SENTRY_DSN",
        "RAPPORT_SECURE_COOKIES",
        "FLASK_DEBUG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "app.sqlite3"))
    return monkeypatch


def _build(config):
    application = create_app(config)
    with application.app_context():
        db.engine.dispose()
    return application


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (BusinessUnit, User, ServiceRequest, RequestEvent)
        }


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json()["status"] == "ok"


def test_healthz_reports_unreachable_database(tmp_path):
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    application = create_app(settings.TestConfig(str(tmp_path), unreachable))
    try:
        response = application.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["status"] != "ok"
    finally:
        with application.app_context():
            db.engine.dispose()


def test_production_requires_secret_key(env, tmp_path):
    env.setenv("RAPPORT_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config(str(tmp_path))
    assert not (tmp_path / "secret_key").exists()


def test_development_generates_and_reuses_secret_key(env, tmp_path):
    env.setenv("RAPPORT_ENV", "development")
    first = Config(str(tmp_path))
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first.SECRET_KEY
    assert len(first.SECRET_KEY) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Config(str(tmp_path)).SECRET_KEY == first.SECRET_KEY


def test_unknown_environment_is_refused(env, tmp_path):
    env.setenv("RAPPORT_ENV", "staging")
    with pytest.raises(ConfigError, match="RAPPORT_ENV"):
        Config(str(tmp_path))


@pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db"])
def test_postgres_url_uses_psycopg_driver(env, tmp_path, url):
    env.setenv("SECRET_KEY", "a-secret-for-this-test-only")
    env.setenv("DATABASE_URL", url)
    assert Config(str(tmp_path)).SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@h/db"


def test_sentry_not_initialised_without_dsn(env, tmp_path):
    calls = []
    env.setattr(sentry_sdk, "init", lambda *args, **kwargs: calls.append(kwargs))
    env.setenv("SECRET_KEY", "a-secret-for-this-test-only")
    _build(Config(str(tmp_path)))
    assert calls == []


def test_sentry_initialised_without_personal_data(env, tmp_path):
    calls = []
    env.setattr(sentry_sdk, "init", lambda *args, **kwargs: calls.append(kwargs))
    env.setenv("SECRET_KEY", "a-secret-for-this-test-only")
    env.setenv("SENTRY_DSN", "https://public@sentry.example/1")
    _build(Config(str(tmp_path)))
    assert len(calls) == 1
    assert calls[0]["dsn"] == "https://public@sentry.example/1"
    assert calls[0]["send_default_pii"] is False


@pytest.mark.parametrize("path", ["/login", "/no-such-page"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers.get("Referrer-Policy")


def test_unknown_url_gets_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = html.unescape(response.get_data(as_text=True))
    assert "We couldn't find that page" in body
    assert "Go to the home page" in body


def test_migrations_match_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_demo_loads_a_believable_organisation(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    counts = _counts(app)
    assert counts["BusinessUnit"] >= 4
    assert counts["User"] >= 20
    assert counts["ServiceRequest"] >= 150
    with app.app_context():
        stages = set(db.session.scalars(select(ServiceRequest.stage).distinct()))
        screenshots = list(db.session.scalars(select(Attachment)))
        db.session.expunge_all()
    assert stages == {stage.value for stage in Stage}
    # Screenshots drawn at load time, stored the real way, one in a reply from IT.
    assert [a.content_type for a in screenshots] == ["image/png", "image/png"]
    assert all(a.thumbnail_key for a in screenshots)
    assert [a.event_id is None for a in screenshots] == [True, False]
    client = app.test_client()
    client.login("requester@example.com", DEMO_PASSWORD)
    for attachment in screenshots:
        reference = f"REQ-{attachment.request_id:06d}"
        page = client.get(f"/requests/{reference}").get_data(as_text=True)
        assert f"/requests/{reference}/thumbnails/{attachment.id}" in page
        assert client.get(f"/requests/{reference}/thumbnails/{attachment.id}").status_code == 200
    # IT's replies rang the requester's bell; the last day's are still unread.
    page = client.get("/notifications/").get_data(as_text=True)
    assert "from IT replied to your request" in page
    with app.app_context():
        rosa = db.session.scalar(select(User).where(User.email == "requester@example.com"))
        unread = db.session.scalar(
            select(func.count()).select_from(Notification)
            .where(Notification.user_id == rosa.id, Notification.read_at.is_(None))
        )
    assert unread >= 1


@pytest.mark.parametrize(
    ("email", "role", "landing"),
    [
        ("requester@example.com", Role.REQUESTER, "/"),
        ("agent@example.com", Role.AGENT, "/board"),
        ("brm@example.com", Role.BRM, "/"),
        ("admin@example.com", Role.ADMIN, "/board"),
    ],
)
def test_demo_accounts_sign_in(app, client, email, role, landing):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == email))
        roles = person.roles
    assert role in roles
    if role in (Role.REQUESTER, Role.BRM):
        assert not roles & {Role.AGENT, Role.BUDDY, Role.ADMIN}
    response = client.login(email, DEMO_PASSWORD)
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == landing


def test_demo_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    before = _counts(app)
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert _counts(app) == before


def test_demo_if_empty_skips_a_populated_database(app, make):
    make.user()
    before = _counts(app)
    result = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert _counts(app) == before


def test_create_user_makes_an_administrator(app, client):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "a@b.example",
            "--name",
            "A B",
            "--password",
            "long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == "a@b.example"))
        assert person.display_name == "A B"
        assert Role.ADMIN in person.roles
    response = client.login("a@b.example", "long enough password")
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/board"


def test_create_user_refuses_short_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "a@b.example", "--name", "A B", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "a@b.example")) is None
