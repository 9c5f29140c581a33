"""Around the board: saved and built-in views, workload chips and the "changed" pulse."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from sqlalchemy import select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import SavedView, ServiceRequest, Stage

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(html.unescape(url)).query))


def _shown(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'id="(?:card|row)-(\d+)"', page)}


def _text(client, url: str, **kwargs) -> str:
    return visible_text(client.get(url, **kwargs).get_data(as_text=True))


def _views(app) -> list[tuple[int, str, str]]:
    with app.app_context():
        return [
            (v.user_id, v.name, v.query)
            for v in db.session.scalars(select(SavedView).order_by(SavedView.id))
        ]


def _views_ids(app, person) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(SavedView.id).where(SavedView.user_id == person.id)))


def _assign(app, sr, person):
    with app.app_context():
        db.session.get(ServiceRequest, sr.id).assignee_id = person.id if person else None
        db.session.commit()


@pytest.fixture
def queue(app, client, make):
    q = SimpleNamespace(finance=make.unit("Finance"))
    q.ana, q.ben = make.agent(name="Ana Lopez"), make.agent(name="Ben Okafor")
    rosa = make.requester(unit=q.finance)
    q.mine = make.request(rosa, title="Mine", impact="whole_unit", urgency="blocked")
    q.also_mine = make.request(rosa, title="Also mine", stage=Stage.WAITING_ON_REQUESTER)
    q.bens = make.request(rosa, title="Ben's", stage=Stage.IN_PROGRESS)
    q.loose = make.request(rosa, title="Nobody's")
    q.solved = make.request(rosa, title="Solved", stage=Stage.RESOLVED)
    for sr, person in ((q.mine, q.ana), (q.also_mine, q.ana), (q.bens, q.ben), (q.solved, q.ben)):
        _assign(app, sr, person)
    client.login(q.ana.email)
    return q


def test_saving_a_view_puts_it_in_the_menu(app, client, queue):
    query = f"unit={queue.finance.id}&priority=1&view=list&bogus=1&sort=nonsense"
    response = client.form_post("/board/views", {"name": "  Finance   P1s ", "query": query})
    assert response.status_code == 303
    wanted = {"unit": str(queue.finance.id), "priority": "1", "view": "list"}
    assert _query(response.headers["Location"]) == wanted
    cleaned = f"unit={queue.finance.id}&priority=1&view=list"
    assert _views(app) == [(queue.ana.id, "Finance P1s", cleaned)]

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved the view" in visible_text(page)
    link = re.search(r'<a href="([^"]+)">Finance P1s</a>', page)
    assert link and _query(link[1]) == wanted
    assert _shown(client.get(html.unescape(link[1])).get_data(as_text=True)) == {queue.mine.id}


@pytest.mark.parametrize("again", ["Finance P1s", " Finance  P1s "])
def test_a_second_view_with_the_same_name_is_refused(app, client, queue, again):
    client.form_post("/board/views", {"name": "Finance P1s", "query": "priority=1"})
    response = client.form_post("/board/views", {"name": again, "query": "priority=2"})
    assert response.status_code == 422
    assert "You already have a view called “Finance P1s”." in visible_text(
        response.get_data(as_text=True)
    )
    assert [(name, q) for _, name, q in _views(app)] == [("Finance P1s", "priority=1")]


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "Please give the view a name."), ("x" * 61, "Please keep the name under 60")],
)
def test_a_view_needs_a_sensible_name(app, client, queue, name, message):
    response = client.form_post("/board/views", {"name": name, "query": "priority=1"})
    assert response.status_code == 422
    assert message in visible_text(response.get_data(as_text=True))
    assert _views(app) == []


def test_views_are_personal(app, client, queue):
    with app.app_context():
        theirs = SavedView(user_id=queue.ben.id, name="Ben's queue", query="assignee=me")
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
    assert "Ben's queue" not in _text(client, "/board")

    assert client.form_post(f"/board/views/{theirs_id}/delete", {}).status_code == 404
    assert client.form_post("/board/views/999999/delete", {}).status_code == 404
    assert [name for _, name, _ in _views(app)] == ["Ben's queue"]

    assert client.form_post("/board/views", {"name": "Ben's queue", "query": ""}).status_code == 303
    mine_id = _views_ids(app, queue.ana)[0]
    response = client.form_post(f"/board/views/{mine_id}/delete", {})
    assert response.status_code == 303 and response.headers["Location"] == "/board"
    assert "Deleted the view" in _text(client, "/board")
    assert [(user, name) for user, name, _ in _views(app)] == [(queue.ben.id, "Ben's queue")]


@pytest.mark.parametrize("view", ["board", "list"])
def test_built_in_views(client, queue, view):
    page = client.get(f"/board?view={view}").get_data(as_text=True)
    extra = {"view": "list"} if view == "list" else {}
    expected = {
        "My work": ({"assignee": "me"}, {queue.mine.id, queue.also_mine.id}),
        "Unassigned": ({"assignee": "none"}, {queue.loose.id}),
        "Breaching": ({"sla": "breached"}, set()),
    }
    for name, (query, shown) in expected.items():
        href = re.search(rf'<a class="chip[^"]*" href="([^"]+)">{name}</a>', page)[1]
        assert _query(href) == {**query, **extra}
        assert _shown(client.get(html.unescape(href)).get_data(as_text=True)) == shown
    active = client.get("/board?assignee=me").get_data(as_text=True)
    assert re.search(r'class="chip chip-on" href="[^"]+">My work<', active)


def test_breaching_view_shows_late_requests(client, make):
    rosa = make.requester()
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        late = make.request(rosa, title="Late", impact="whole_unit", urgency="blocked")
        make.request(rosa, title="Fine")
        clock.move_to(MONDAY_10 + timedelta(hours=2))
        client.login(make.agent().email)
        assert _shown(client.get("/board?sla=breached").get_data(as_text=True)) == {late.id}


def test_workload_chips_count_open_requests_per_person(client, queue):
    page = client.get("/board?priority=4").get_data(as_text=True)
    section = re.search(r'<section class="workload".*?</section>', page, re.S)[0]
    chips = re.findall(r'href="([^"]+)">([^<]+?) <strong>(\d+)</strong>', section)
    assert chips[0][1] == "Ana Lopez"
    assert {name: int(n) for _, name, n in chips} == {
        "Ana Lopez": 2, "Ben Okafor": 1, "Unassigned": 1
    }
    links = {name: _query(href) for href, name, _ in chips}
    assert links["Ana Lopez"] == {"assignee": str(queue.ana.id), "priority": "4"}
    assert links["Unassigned"] == {"assignee": "none", "priority": "4"}


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def _pulse(client, since: datetime, **filters):
    response = client.get("/board/pulse", query_string={"since": since.isoformat(), **filters})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_pulse_counts_requests_changed_after_since(client, make, clock):
    rosa = make.requester()
    first = make.request(rosa, title="First")
    make.request(rosa, title="Second", impact="whole_unit", urgency="blocked")
    looked = MONDAY_10 + timedelta(minutes=1)
    clock.move_to(looked)
    client.login(make.agent().email)
    assert "changed since you looked" not in visible_text(_pulse(client, looked))
    assert "2 requests changed since you looked." in visible_text(
        _pulse(client, MONDAY_10 - timedelta(seconds=1))
    )

    clock.move_to(MONDAY_10 + timedelta(minutes=5))
    client.form_post(f"/board/requests/{first.reference}/assign", {"assignee": "me"})
    answer = _pulse(client, looked)
    assert "1 request changed since you looked." in visible_text(answer)
    assert 'href="/board"' in answer
    assert "changed since you looked" not in visible_text(_pulse(client, looked, priority="1"))
    make.request(rosa, title="Third")
    assert "2 requests changed since you looked." in visible_text(_pulse(client, looked))


def test_pulse_refreshes_column_counts_on_the_board_only(client, make, clock):
    rosa = make.requester()
    make.request(rosa)
    make.request(rosa, stage=Stage.TRIAGED)
    client.login(make.agent().email)
    board = _pulse(client, MONDAY_10)
    assert re.search(r'id="count-new" hx-swap-oob="true">1<', board)
    assert re.search(r'id="count-triaged" hx-swap-oob="true">1<', board)
    assert "count-new" not in _pulse(client, MONDAY_10, view="list")


@pytest.mark.parametrize("since", ["2026-11-23T10:00:00", "2026-11-23"])
def test_pulse_refuses_a_naive_since(client, make, clock, since):
    client.login(make.agent().email)
    assert client.get("/board/pulse", query_string={"since": since}).status_code == 400


def test_a_view_with_a_long_or_mangled_query_keeps_only_known_filters(app, client, queue):
    query = "priority=1&" + "bogus=" + "x" * 5000 + "&q=%00"
    response = client.form_post("/board/views", {"name": "Mine", "query": query})
    assert response.status_code == 303
    assert _views(app) == [(queue.ana.id, "Mine", "priority=1")]
