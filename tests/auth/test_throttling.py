"""Sign-in throttling: per account and per address, in the database or in Redis."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tracker.auth.throttling import BLOCKED_MESSAGE, RedisThrottle, throttle
from tracker.auth.views import GENERIC_FAILURE
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import LoginAttempt

LIMIT = 3
WRONG = "not the password at all"


@pytest.fixture(autouse=True)
def low_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "RAPPORT_LOGIN_MAX_FAILURES", LIMIT)
    monkeypatch.setitem(app.config, "RAPPORT_LOGIN_WINDOW_MINUTES", 15)


def _from(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _fail(client, email: str, times: int = LIMIT):
    for _ in range(times):
        assert client.login(email, WRONG).status_code == 401


def _attempts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginAttempt))


def _blocked(response) -> bool:
    return response.status_code == 429 and str(escape(BLOCKED_MESSAGE)) in response.get_data(
        as_text=True
    )


def test_failures_are_recorded_lower_cased_with_the_address(app, client, make):
    make.user(email="pat@example.com")
    _from(client, "192.0.2.7").login("Pat@Example.com", WRONG)
    with app.app_context():
        attempt = db.session.scalars(select(LoginAttempt)).one()
        assert (attempt.email, attempt.address, attempt.succeeded) == (
            "pat@example.com", "192.0.2.7", False)


def test_account_is_blocked_after_too_many_failures_even_with_the_right_password(
    app, client, make
):
    person = make.user()
    _fail(client, person.email)
    recorded = _attempts(app)
    response = client.login(person.email)
    body = response.get_data(as_text=True)
    assert _blocked(response)
    assert f'value="{person.email}"' in body
    assert str(escape(GENERIC_FAILURE)) not in body
    assert _attempts(app) == recorded  # a blocked try records nothing
    assert client.get("/requests/").status_code == 302


def test_account_block_holds_from_another_address(app, client, make):
    person = make.user()
    _fail(_from(client, "192.0.2.1"), person.email)
    other = _from(app.test_client(), "198.51.100.9")
    assert _blocked(other.login(person.email))


def test_e_mail_case_does_not_dodge_the_limit(client, make):
    person = make.user(email="casey@example.com")
    for email in ("casey@example.com", "CASEY@example.com", "Casey@Example.COM"):
        _fail(_from(client, f"192.0.2.{len(email) + email.count('C')}"), email, 1)
    assert _blocked(_from(client, "203.0.113.1").login("casey@example.com"))
    assert person.email == "casey@example.com"


def test_unknown_and_known_accounts_are_blocked_alike(app, client, make):
    person = make.user(email="known@example.com")
    _fail(_from(client, "192.0.2.1"), person.email)
    _fail(_from(client, "192.0.2.2"), "unknown@example.com")
    known = _from(client, "203.0.113.1").login(person.email, WRONG)
    unknown = _from(client, "203.0.113.2").login("unknown@example.com", WRONG)
    assert _blocked(known) and _blocked(unknown)
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "")  # noqa: E731
    assert len(strip(known, person.email)) == len(strip(unknown, "unknown@example.com"))


def test_address_is_blocked_across_accounts(app, client, make):
    person = make.user()
    _from(client, "192.0.2.50")
    for n in range(LIMIT):
        _fail(client, f"guess{n}@example.com", 1)
    assert _blocked(client.login(person.email))
    assert _from(app.test_client(), "192.0.2.51").login(person.email).status_code == 302


def test_success_does_not_reset_the_address_count_for_other_accounts(app, client, make):
    person = make.user()
    _from(client, "192.0.2.60")
    for n in range(LIMIT - 1):
        _fail(client, f"guess{n}@example.com", 1)
    assert client.login(person.email).status_code == 302
    _fail(client, "guess-again@example.com", 1)
    assert _blocked(client.login(person.email))


def test_success_clears_its_own_accounts_count(app, client, make):
    person = make.user()
    for n in range(LIMIT - 1):
        _fail(_from(client, f"192.0.2.{70 + n}"), person.email, 1)
    assert _from(client, "192.0.2.80").login(person.email).status_code == 302
    for n in range(LIMIT - 1):
        _fail(_from(client, f"192.0.2.{90 + n}"), person.email, 1)
    assert _from(client, "192.0.2.99").login(person.email).status_code == 302


def test_failures_older_than_the_window_do_not_count(app, client, make):
    person = make.user()
    with app.app_context():
        old = utcnow() - timedelta(minutes=16)
        db.session.add_all(
            LoginAttempt(email=person.email, address="127.0.0.1", succeeded=False,
                         created_at=old)
            for _ in range(LIMIT * 2)
        )
        db.session.commit()
    assert client.login(person.email).status_code == 302


def test_limits_come_from_the_environment(tmp_path):
    from tracker.config import Config

    config = Config(str(tmp_path), {"SECRET_KEY": "x", "RAPPORT_LOGIN_MAX_FAILURES": "5",
                                    "RAPPORT_LOGIN_WINDOW_MINUTES": "30"})
    assert (config.RAPPORT_LOGIN_MAX_FAILURES, config.RAPPORT_LOGIN_WINDOW_MINUTES) == (5, 30)
    defaults = Config(str(tmp_path), {"SECRET_KEY": "x"})
    assert (defaults.RAPPORT_LOGIN_MAX_FAILURES, defaults.RAPPORT_LOGIN_WINDOW_MINUTES) == (10, 15)
    assert defaults.RATELIMIT_STORAGE_URI is None


def test_prune_command_forgets_attempts_older_than_a_day(app):
    with app.app_context():
        db.session.add_all([
            LoginAttempt(email="old@example.com", address="192.0.2.1",
                         created_at=utcnow() - timedelta(days=2)),
            LoginAttempt(email="new@example.com", address="192.0.2.1",
                         created_at=utcnow() - timedelta(hours=2)),
        ])
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["prune-login-attempts"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 sign-in attempt older than a day." in result.output
    with app.app_context():
        assert db.session.scalars(select(LoginAttempt.email)).all() == ["new@example.com"]


# --- Redis -------------------------------------------------------------------------------

REDIS_URL = os.environ.get("RAPPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_store(app, monkeypatch):
    """The app counting in Redis; skipped without Redis unless RAPPORT_REQUIRE_REDIS is set."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("RAPPORT_REQUIRE_REDIS"):
            raise
        pytest.skip("Redis is not reachable")
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", REDIS_URL)
    monkeypatch.delitem(app.extensions, "rapport_login_throttle", raising=False)
    store = RedisThrottle(REDIS_URL)
    keys: list[str] = []
    yield store, keys
    monkeypatch.delitem(app.extensions, "rapport_login_throttle", raising=False)
    if keys:
        store.redis.delete(*keys)


def test_redis_store_blocks_per_account_and_records_nothing_in_the_database(
    app, client, make, redis_store
):
    store, keys = redis_store
    person = make.user(email=f"r-{uuid.uuid4().hex[:8]}@example.com")
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    keys.extend(store._keys(person.email, address))
    with app.test_request_context():
        assert isinstance(throttle(), RedisThrottle)
    _fail(_from(client, address), person.email)
    assert _blocked(client.login(person.email))
    assert _attempts(app) == 0


def test_redis_store_blocks_per_address_and_success_clears_the_account(
    app, client, make, redis_store
):
    store, keys = redis_store
    person = make.user(email=f"r-{uuid.uuid4().hex[:8]}@example.com")
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.8"
    guesses = [f"g{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(LIMIT)]
    for email in [person.email, *guesses]:
        keys.extend(store._keys(email, address))
    _from(client, address)
    _fail(client, person.email, LIMIT - 1)
    assert client.login(person.email).status_code == 302
    with app.test_request_context():
        assert not store.is_blocked(person.email, "192.0.2.200")
    _fail(client, guesses[0], 1)
    assert _blocked(client.login(person.email))


def test_the_limit_holds_across_workers(app, client, make, tmp_path):
    """Two application processes on one database (two gunicorn workers) share the count."""
    from tests.conftest import RapportClient
    from tracker import create_app
    from tracker.config import TestConfig

    person = make.user()
    worker = create_app(TestConfig(str(tmp_path), app.config["SQLALCHEMY_DATABASE_URI"]))
    worker.config["RAPPORT_LOGIN_MAX_FAILURES"] = LIMIT
    worker.test_client_class = RapportClient
    other = worker.test_client()
    _fail(client, person.email, times=LIMIT - 1)
    _fail(other, person.email, times=1)
    assert _blocked(client.login(person.email))
    assert _blocked(other.login(person.email))
    with worker.app_context():
        db.session.remove()
        db.engine.dispose()
