"""Two agents acting on the same request from pages showing the same version: one
wins, the other gets 409, and the timeline holds only the winner's change. The same
form sent many times at once acts once."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.reliability.harness import Browser, hidden_value, prepare_database, query, report

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.xdist_group("reliability"),
    pytest.mark.timeout(600),  # a safety net for a hang, generous for a busy machine
]

PAIRS = 200
DESKS = 8  # pairs played at the same time
SUCCESS = {200, 303}


@dataclass(frozen=True)
class Change:
    """One side of a pair: where it posts, what, and the event it leaves behind."""

    path: str
    data: dict
    kind: str
    new_value: str | None
    htmx: bool = False


def _sides(reference: str, n: int) -> tuple[Change, Change]:
    board = f"/board/requests/{reference}"
    page = f"/requests/{reference}"
    triage = Change(f"{board}/stage", {"stage": "triaged", "next": "/board"}, "stage", "triaged")
    priority = Change(
        f"{board}/priority", {"priority": "2", "reason": "Payroll runs tonight", "next": "/board"},
        "priority", "2", htmx=True,
    )
    working = Change(f"{page}/stage", {"stage": "in_progress"}, "stage", "in_progress")
    resolve = Change(
        f"{board}/stage", {"stage": "resolved", "next": "/board"}, "stage", "resolved", htmx=True
    )
    take = Change(f"{board}/assign", {"assignee": "me", "next": "/board"}, "assigned", None)
    waiting = Change(
        f"{page}/stage", {"stage": "waiting_on_requester"}, "stage", "waiting_on_requester"
    )
    return [(triage, priority), (working, resolve), (take, priority), (triage, waiting)][n % 4]


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_stale_pages_one_wins_the_other_gets_409(database_url, serve, record_property, capsys):
    seed = prepare_database(database_url, requesters=0, agents=2, requests=PAIRS)
    server = serve(database_url)
    outcomes: dict[str, list[tuple[Change, int]]] = {}
    lock = threading.Lock()

    def desk(n: int) -> None:
        barrier = threading.Barrier(2)
        mine = seed.references[n::DESKS]

        def agent(side: int) -> None:
            with Browser(server.base_url) as browser:
                browser.sign_in(seed.agents[side], seed.password)
                for i, reference in enumerate(mine):
                    change = _sides(reference, i + n)[side]
                    version = hidden_value(browser.get(f"/requests/{reference}").text, "version")
                    barrier.wait(timeout=60)  # both have read the page; now both act
                    response = browser.post(
                        change.path, {**change.data, "version": version}, htmx=change.htmx
                    )
                    with lock:
                        outcomes.setdefault(reference, []).append((change, response.status_code))
                    barrier.wait(timeout=60)  # both answered before the next pair starts

        with ThreadPoolExecutor(max_workers=2) as pair:
            for job in [pair.submit(agent, 0), pair.submit(agent, 1)]:
                job.result()

    with ThreadPoolExecutor(max_workers=DESKS) as pool:
        for job in [pool.submit(desk, n) for n in range(DESKS)]:
            job.result()
    server.stop()

    events = {}
    changes = "SELECT request_id, kind, new_value FROM request_events WHERE kind <> 'created'"
    for request_id, kind, new_value in query(database_url, changes):
        events.setdefault(f"REQ-{request_id:06d}", []).append((kind, new_value))
    statuses = Counter()
    assert len(outcomes) == PAIRS
    for reference, pair in outcomes.items():
        codes = sorted(code for _change, code in pair)
        statuses.update(codes)
        winners = [change for change, code in pair if code in SUCCESS]
        assert len(winners) == 1 and 409 in codes, (reference, pair)
        winner = winners[0]
        assert len(events.get(reference, [])) == 1, (reference, pair, events.get(reference))
        kind, new_value = events[reference][0]
        assert kind == winner.kind, (reference, pair, events[reference])
        if winner.new_value is not None:
            assert new_value == winner.new_value, (reference, pair, events[reference])
    server.assert_clean_log()
    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    report(record_property, capsys, f"stale edits on {backend}", {
        "pairs": PAIRS, "won": statuses[200] + statuses[303], "refused_409": statuses[409],
        "other": sum(v for k, v in statuses.items() if k not in (200, 303, 409)),
    })


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_same_form_sent_many_times_acts_once(database_url, serve):
    seed = prepare_database(database_url, requesters=1, agents=0)
    server = serve(database_url)
    rounds, copies = 12, 8
    browser = Browser(server.base_url)
    browser.sign_in(seed.requesters[0], seed.password)

    def send_copies(path: str, data: dict) -> list:
        barrier = threading.Barrier(copies)

        def send(_n):
            barrier.wait(timeout=60)
            return browser.post(path, data)

        with ThreadPoolExecutor(max_workers=copies) as pool:
            return list(pool.map(send, range(copies)))

    filed = []
    for n in range(rounds):
        key = hidden_value(browser.get("/requests/new").text, "idempotency_key")
        responses = send_copies("/requests/new", {
            "idempotency_key": key, "category": "access", "title": f"Access to folder {n}",
            "description": "I need the team folder.", "impact": "just_me", "urgency": "slowed",
        })
        assert [r.status_code for r in responses] == [303] * copies
        locations = {r.headers["location"] for r in responses}
        assert len(locations) == 1, locations  # every copy points at the same request
        filed.append(locations.pop().rsplit("/", 1)[-1])
    assert len(set(filed)) == rounds

    target = filed[0]
    for n in range(rounds):
        key = hidden_value(browser.get(f"/requests/{target}").text, "idempotency_key")
        responses = send_copies(
            f"/requests/{target}/comments", {"idempotency_key": key, "body": f"More detail {n}"}
        )
        assert [r.status_code for r in responses] == [303] * copies
        assert len({r.headers["location"] for r in responses}) == 1
    browser.close()
    server.stop()

    assert query(database_url, "SELECT count(*) FROM service_requests")[0][0] == rounds
    comments = query(
        database_url,
        "SELECT body, count(*) FROM request_events WHERE kind = 'comment' GROUP BY body",
    )
    assert sorted(comments) == sorted((f"More detail {n}", 1) for n in range(rounds))
    server.assert_clean_log()
