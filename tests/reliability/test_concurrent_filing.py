"""Twenty people at once: 1,000 requests filed and 300 replies on one request, through
gunicorn (2 workers, threads), on SQLite and PostgreSQL. Nothing lost, nothing doubled."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.harness import (
    HALF_WRITTEN_SQL,
    Browser,
    percentiles,
    prepare_database,
    query,
    report,
)

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.xdist_group("reliability"),
    pytest.mark.timeout(600),  # a safety net for a hang, generous for a busy machine
]

FILERS, COMMENTERS = 15, 5  # 20 clients
REQUESTS, COMMENTS = 1000, 300


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_twenty_clients_file_and_reply(database_url, serve, record_property, capsys):
    seed = prepare_database(database_url, requesters=FILERS + 1, agents=COMMENTERS)
    server = serve(database_url)
    pids_at_start = server.worker_pids()

    owner = Browser(server.base_url)
    owner.sign_in(seed.requesters[-1], seed.password)
    response = owner.post(
        "/requests/new",
        {"category": "broken", "title": "The shared drive is slow", "impact": "my_team",
         "description": "Everyone in the team waits for files.", "urgency": "slowed"},
    )
    owner.close()
    assert response.status_code == 303
    target = response.headers["location"].rsplit("/", 1)[-1]

    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    filed: list[str] = []
    replies: list[str] = []

    def timed_post(browser, path, data):
        started = time.perf_counter()
        response = browser.post(path, data)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        return response

    def filer(n: int) -> None:
        share = range(n, REQUESTS, FILERS)
        with Browser(server.base_url) as browser:
            browser.sign_in(seed.requesters[n], seed.password)
            for i in share:
                response = timed_post(browser, "/requests/new", {
                    "category": "question", "title": f"Question {i}",
                    "description": f"How do I do thing number {i}?",
                    "impact": "just_me", "urgency": "workaround",
                })
                if response.status_code == 303:
                    with lock:
                        filed.append(response.headers["location"].rsplit("/", 1)[-1])

    def commenter(n: int) -> None:
        share = range(n, COMMENTS, COMMENTERS)
        with Browser(server.base_url) as browser:
            browser.sign_in(seed.agents[n], seed.password)
            for i in share:
                response = timed_post(
                    browser, f"/requests/{target}/comments", {"body": f"Update {i} from IT"}
                )
                if response.status_code == 303:
                    with lock:
                        replies.append(f"Update {i} from IT")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=FILERS + COMMENTERS) as pool:
        jobs = [pool.submit(filer, n) for n in range(FILERS)]
        jobs += [pool.submit(commenter, n) for n in range(COMMENTERS)]
        for job in jobs:
            job.result()
    wall = time.perf_counter() - started
    assert server.worker_pids() == pids_at_start  # no worker died or was replaced
    server.stop()

    assert statuses == {303: REQUESTS + COMMENTS}, statuses
    references = {r for (r,) in query(
        database_url, "SELECT id FROM service_requests WHERE title LIKE 'Question %'"
    )}
    assert len(references) == len(filed) == REQUESTS
    assert {f"REQ-{i:06d}" for i in references} == set(filed)
    stored_replies = [body for (body,) in query(
        database_url,
        "SELECT body FROM request_events e JOIN service_requests r ON r.id = e.request_id "
        "WHERE e.kind = 'comment' AND r.id = :id",
        id=int(target.removeprefix("REQ-")),
    )]
    assert sorted(stored_replies) == sorted(replies)
    assert len(stored_replies) == COMMENTS
    assert query(database_url, HALF_WRITTEN_SQL)[0][0] == 0
    server.assert_clean_log()

    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    report(record_property, capsys, f"concurrent filing on {backend}", {
        "clients": FILERS + COMMENTERS,
        "requests_stored": len(references),
        "comments_stored": len(stored_replies),
        "server_errors": sum(v for k, v in statuses.items() if k >= 500),
        **percentiles(latencies),
        "wall_s": round(wall, 1),
        "posts_per_s": round((REQUESTS + COMMENTS) / wall, 1),
    })
