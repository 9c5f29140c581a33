"""PostgreSQL in trouble, with the real server: a pool too small for slow requests, and
the database stopped in the middle of a filing load and started again. People get their
page or a clean 503 with Retry-After; nothing is half-written; no worker dies; service
comes back by itself."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
import pytest

from tests.reliability.harness import (
    HALF_WRITTEN_SQL,
    Browser,
    prepare_database,
    query,
    report,
)

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.xdist_group("reliability"),
    pytest.mark.timeout(300),
]

# What the database's trouble may show in the server's log: one line per refused request.
FAULT_LINES = ("database unavailable, answered 503",)


@dataclass
class Answer:
    key: str
    status: int
    retry_after: str | None
    body: str
    location: str | None
    at: float  # when the answer arrived
    client: int = 0
    sent: float = 0.0  # when the form was sent


def _filing(key: str, n: int) -> dict:
    return {
        "idempotency_key": key, "category": "broken", "title": f"Laptop won't start {n}",
        "description": "It shows a black screen.", "impact": "just_me", "urgency": "blocked",
    }


def _answer(key: str, response, client: int = 0, sent: float = 0.0) -> Answer:
    return Answer(
        client=client,
        sent=sent,
        key=key,
        status=response.status_code,
        retry_after=response.headers.get("retry-after"),
        body=response.text,
        location=response.headers.get("location"),
        at=time.monotonic(),
    )


def _check_refusals(answers: list[Answer], allowed: set[int]) -> Counter:
    """Only successes and clean 503 pages that say to come back, never a 500."""
    statuses = Counter(a.status for a in answers)
    assert set(statuses) <= allowed | {503}, statuses
    for answer in answers:
        if answer.status == 503:
            assert answer.retry_after and answer.retry_after.isdigit(), answer
            assert "try again in a moment" in answer.body, answer.body[:800]
            assert "Traceback" not in answer.body
    return statuses


def _pg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_tiny_pool_under_slow_requests(database_url, serve, record_property, capsys):
    clients = 10
    seed = prepare_database(database_url, requesters=clients, agents=0)
    server = serve(
        database_url, threads=4,
        RAPPORT_DB_POOL_SIZE="1", RAPPORT_DB_MAX_OVERFLOW="0", RAPPORT_DB_POOL_TIMEOUT="2",
    )
    pids = server.worker_pids()
    browsers = [Browser(server.base_url) for _ in range(clients)]
    for browser, email in zip(browsers, seed.requesters, strict=True):
        browser.sign_in(email, seed.password)

    answers: list[Answer] = []
    lock = threading.Lock()
    locked_for = 8.0
    stop_at = time.monotonic() + locked_for + 6

    def client(n: int) -> None:
        browser, i = browsers[n], 0
        while time.monotonic() < stop_at:
            key, i = uuid.uuid4().hex, i + 1
            if i % 3:
                response = browser.post("/requests/new", _filing(key, i))
            else:
                response = browser.http.get("/requests/")
            with lock:
                answers.append(_answer(key, response))

    # A long transaction elsewhere (a maintenance job, a report) holds the requests table:
    # every filing waits on it with the worker's only connection, so the requests behind
    # it can't get a connection at all.
    with psycopg.connect(_pg_url(database_url)) as holder:
        holder.execute("LOCK TABLE service_requests IN EXCLUSIVE MODE")
        with ThreadPoolExecutor(max_workers=clients) as pool:
            jobs = [pool.submit(client, n) for n in range(clients)]
            time.sleep(locked_for)
            released_at = time.monotonic()
            holder.rollback()
            for job in jobs:
                job.result()
    for browser in browsers:
        browser.close()

    statuses = _check_refusals(answers, {200, 303})
    assert statuses[503] > 0, "the pool never ran out: the test proved nothing"
    # Once the lock is gone the pages answer again. (One connection for four threads can
    # still make a thread wait past the 2 s pool time-out on a busy machine: a 503 then
    # is the design, so only most answers must be pages.)
    after = Counter(a.status for a in answers if a.at > released_at + 3)
    assert after[200] + after[303] >= after.total() / 2 > 0, after
    with Browser(server.base_url) as browser:
        browser.sign_in(seed.requesters[0], seed.password)
        assert browser.post("/requests/new", _filing(uuid.uuid4().hex, 0)).status_code == 303
    assert server.worker_pids() == pids
    server.stop()
    server.assert_clean_log(allowed=FAULT_LINES)

    filed = {a.key for a in answers if a.status == 303}
    stored = {key for (key,) in query(database_url, "SELECT idempotency_key FROM service_requests")}
    assert len(stored - filed) == 1  # the one filed after the load
    assert filed < stored
    assert query(database_url, HALF_WRITTEN_SQL)[0][0] == 0
    report(record_property, capsys, "tiny pool (1 connection per worker) under a held lock", {
        "answers": len(answers),
        "ok": statuses[200] + statuses[303],
        "unavailable_503": statuses[503],
        "ok_after_release": after[200] + after[303],
    })


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_database_stopped_mid_load_and_started_again(
    database_url, pg_cluster, serve, record_property, capsys
):
    clients = 10
    seed = prepare_database(database_url, requesters=clients, agents=0)
    server = serve(database_url, threads=4)
    pids = server.worker_pids()
    browsers = [Browser(server.base_url) for _ in range(clients)]
    for browser, email in zip(browsers, seed.requesters, strict=True):
        browser.sign_in(email, seed.password)

    answers: list[Answer] = []
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(1_000_000))

    def client(n: int) -> None:
        browser = browsers[n]
        while not stop.is_set():
            key = uuid.uuid4().hex
            sent = time.monotonic()
            response = browser.post("/requests/new", _filing(key, next(counter)))
            with lock:
                answers.append(_answer(key, response, n, sent))
            if response.status_code == 503:
                time.sleep(0.25)  # a person would wait a moment before trying again

    def successes_since(moment: float) -> list[Answer]:
        with lock:
            return [a for a in answers if a.at > moment and a.status == 303]

    with ThreadPoolExecutor(max_workers=clients) as pool:
        jobs = [pool.submit(client, n) for n in range(clients)]
        try:
            time.sleep(3)
            pg_cluster.stop("fast")
            stopped_at = time.monotonic()
            time.sleep(4)
            restarting_at = time.monotonic()  # it accepts connections before start() returns
            pg_cluster.start()
            started_at = time.monotonic()
            deadline = started_at + 60
            while len(successes_since(started_at)) < 20 and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop.set()
            for job in jobs:
                job.result()
    back = successes_since(started_at)
    assert back, "no filing succeeded within 60 s of the database coming back"
    recovery = back[0].at - started_at

    statuses = _check_refusals(answers, {303})
    # Forms sent while the database was down and answered before it was back: all 503.
    # (One sent just before the stop may commit and be answered a while later on a busy
    # machine; that is a success, not a refusal to check here.)
    during = [a for a in answers if stopped_at + 0.5 < a.sent and a.at < restarting_at]
    assert during and all(a.status == 503 for a in during), (
        Counter(a.status for a in during),
        [(a.key, a.location, a.sent - stopped_at, a.at - stopped_at) for a in during
         if a.status != 503],
    )
    assert server.worker_pids() == pids  # no worker killed or timed out

    # Those told to come back do so with the same form: each filing is stored once.
    refused = [a for a in answers if a.status == 503]
    retries = Counter(
        browsers[a.client].post("/requests/new", _filing(a.key, 0)).status_code for a in refused
    )
    assert retries == Counter({303: len(refused)}), retries
    for browser in browsers:
        browser.close()
    server.stop()
    server.assert_clean_log(allowed=FAULT_LINES)

    keys = query(database_url, "SELECT idempotency_key FROM service_requests")
    assert sorted(key for (key,) in keys) == sorted(a.key for a in answers)
    assert query(database_url, HALF_WRITTEN_SQL)[0][0] == 0
    report(record_property, capsys, "PostgreSQL stopped mid-load and started again", {
        "answers": len(answers), "filed": statuses[303], "unavailable_503": statuses[503],
        "stored_after_retries": len(keys), "recovery_s": round(recovery, 2),
    })
