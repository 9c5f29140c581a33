"""Rate limits per token: one budget across every endpoint, 429 with Retry-After past it."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from tests.api.conftest import ApiCaller, error_of
from tracker import create_app
from tracker.config import TestConfig


@pytest.fixture
def limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "RAPPORT_API_RATE_LIMIT", "3/minute")


def test_headers_count_down_and_the_fourth_call_is_refused(make, caller, limit):
    person = make.requester()
    api = caller(person)
    answers = [api.get(path) for path in ("/requests", "/units", "/tools")]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    assert all(a.headers["X-RateLimit-Limit"] == "3" for a in answers)
    assert all(int(a.headers["X-RateLimit-Reset"]) > time.time() for a in answers)
    assert not any("Retry-After" in a.headers for a in answers)

    refused = api.post("/requests", {"title": "x"})
    assert refused.status_code == 429
    error = error_of(refused)
    assert error["code"] == "rate_limited" and "3 per 1 minute" in error["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_each_token_has_its_own_budget(make, caller, limit):
    person = make.requester()
    first, second = caller(person), caller(person)
    for _ in range(3):
        assert first.get("/requests").status_code == 200
    assert first.get("/requests").status_code == 429
    assert second.get("/requests").status_code == 200
    assert caller(make.agent()).get("/requests").status_code == 200


def test_calls_without_a_usable_token_are_counted_per_address(client, limit):
    nobody = ApiCaller(client, "rpt_" + "x" * 43)
    assert [nobody.get("/requests").status_code for _ in range(3)] == [401, 401, 401]
    assert nobody.get("/requests").status_code == 429


def test_the_web_is_not_rate_limited_by_the_api(client, make, limit):
    person = make.requester()
    client.login(person.email)
    for _ in range(5):
        response = client.get("/requests/")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


def test_when_redis_is_down_calls_are_counted_in_memory(app, make, tmp_path):
    config = TestConfig(str(tmp_path / "instance"), app.config["SQLALCHEMY_DATABASE_URI"])
    config.RATELIMIT_STORAGE_URI = "redis://127.0.0.1:1/0"  # nothing listens there
    config.RAPPORT_API_RATE_LIMIT = "2/minute"
    worker = create_app(config)
    api = ApiCaller(worker.test_client(), make.api_token(make.requester()))
    try:
        assert [api.get("/requests").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        with worker.app_context():
            from tracker.extensions import db

            db.engine.dispose()


REDIS_URL = os.environ.get("RAPPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_workers_share_the_count_in_redis(app, make, tmp_path):
    """Two application processes (here: two app instances) count one token's calls once."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("RAPPORT_REQUIRE_REDIS"):
            raise
        pytest.skip("Redis is not reachable")
    store = redis.Redis.from_url(REDIS_URL)
    prefix = f"rapport-test-{uuid.uuid4().hex}"
    workers = []
    for n in range(2):
        config = TestConfig(str(tmp_path / f"instance{n}"), app.config["SQLALCHEMY_DATABASE_URI"])
        config.RATELIMIT_STORAGE_URI = REDIS_URL
        config.RATELIMIT_KEY_PREFIX = prefix
        config.RAPPORT_API_RATE_LIMIT = "4/minute"
        workers.append(create_app(config))
    secret = make.api_token(make.requester())
    try:
        answers = [ApiCaller(workers[n % 2].test_client(), secret).get("/requests").status_code
                   for n in range(5)]
        assert answers == [200, 200, 200, 200, 429]
        assert list(store.scan_iter(f"*{prefix}*")), "the count was not kept in Redis"
    finally:
        keys = list(store.scan_iter(f"*{prefix}*"))
        if keys:
            store.delete(*keys)
        for worker in workers:
            with worker.app_context():
                from tracker.extensions import db

                db.engine.dispose()
