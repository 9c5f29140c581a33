"""The board runs a fixed, small number of queries, however full the queue is."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from tests.attachments.samples import png
from tracker.extensions import db
from tracker.models import ServiceRequest, Stage

SCREENSHOT = png(32, 24)


def _queries(client, count_queries, url, **kwargs) -> int:
    with count_queries() as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(statements)


def _route(app, sr, assignee, team):
    with app.app_context():
        found = db.session.get(ServiceRequest, sr.id)
        found.assignee_id, found.team_id = assignee.id, team.id
        db.session.commit()


@pytest.fixture
def queue(app, make):
    units = [make.unit(), make.unit()]
    agents = [make.agent(), make.agent(), make.agent(roles=("buddy",))]
    teams = [make.team(members=agents[:2]), make.team(members=agents[2:])]
    people = [make.requester(unit=unit) for unit in units]
    q = SimpleNamespace(agent=agents[0], unit=units[0], made=0, first=None)

    def fill(count: int, comments: int = 0):
        for _ in range(count):
            n = q.made
            sr = make.request(
                people[n % 2], title=f"Request {n}", category=("broken", "access", "new")[n % 3],
                impact=("just_me", "my_team", "whole_unit")[n % 3], stage=list(Stage)[n % 6],
            )
            if n % 4:
                _route(app, sr, agents[n % 3], teams[n % 2])
            q.first = q.first or sr
            q.made += 1
        for n in range(comments):
            author = agents[n % 3] if n % 2 else people[0]
            event = make.comment(q.first, author, f"Message {n}",
                                 internal=author is not people[0])
            if n % 5 == 0:
                make.attachment(q.first, author, SCREENSHOT, f"shot-{n}.png", event=event)

    q.fill = fill
    return q


# The board and the list: the signed-in user, staff, teams, units, categories, saved
# views, workload, then the requests: the board two (counts and cards), the list three
# (total, the page's ids sorted on the requests alone, then only those rows joined).
# The panel: the user, the request, the assignment menus' choices, the timeline and all
# the request's files in one query (6 today).
PAGES = [
    ("/board", 9),
    ("/board?closed=1", 9),
    ("/board?assignee=none&q=request&unit={unit}&category=broken", 9),
    ("/board?view=list", 10),
    ("/board?view=list&sort=due&order=desc&unit={unit}&priority=3", 10),
    ("/board/requests/{ref}", 7),
    ("/board/pulse?since=2026-01-01T00:00:00%2B00:00&priority=3", 3),
]


@pytest.mark.parametrize(("url", "budget"), PAGES)
@pytest.mark.parametrize("htmx", [False, True])
def test_query_count_does_not_grow_with_the_queue(
    client, count_queries, queue, url, budget, htmx
):
    headers = {"HX-Request": "true"} if htmx else {}
    client.login(queue.agent.email)
    queue.fill(3, comments=2)
    path = url.format(ref=queue.first.reference, unit=queue.unit.id)
    small = _queries(client, count_queries, path, headers=headers)
    queue.fill(57, comments=40)
    large = _queries(client, count_queries, path, headers=headers)
    assert small == large
    assert large <= budget


def test_the_large_queue_really_fills_the_pages(client, queue):
    client.login(queue.agent.email)
    queue.fill(60)
    board = client.get("/board").get_data(as_text=True)
    assert board.count('class="ticket ') == 50
    listed = client.get("/board?view=list").get_data(as_text=True)
    assert listed.count('<tr id="row-') == 50


def test_a_search_reads_the_matching_requests_once(client, count_queries, queue):
    client.login(queue.agent.email)
    queue.fill(12)
    with count_queries() as statements:
        assert client.get("/board?q=request").status_code == 200
    assert sum("LIKE" in statement.upper() for statement in statements) == 1  # ILIKE too


@pytest.mark.parametrize("closed", ["", "1"])
def test_a_search_that_matches_everything_shows_the_board_itself(client, queue, closed):
    """More matches than a column shows: the same counts and the same most urgent cards."""
    client.login(queue.agent.email)
    queue.fill(160)  # every title is "Request <n>": 26 or 27 in each stage
    suffix = f"&closed={closed}" if closed else ""
    plain = client.get(f"/board?view=board{suffix}").get_data(as_text=True)
    searched = client.get(f"/board?q=request{suffix}").get_data(as_text=True)

    def shown(page):
        counts = re.findall(r'class="column-count" id="count-(\w+)">(\d+)<', page)
        return counts, re.findall(r'<article class="ticket[^"]*" id="card-(\d+)"', page)

    assert shown(searched) == shown(plain)
    assert any(int(count) > 25 for _, count in shown(plain)[0])
