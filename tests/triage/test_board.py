"""The board and its list view: columns, cards, filters, search, sorting, paging, htmx."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import ServiceRequest, Stage
from tracker.triage import queries

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LOOKING = MONDAY_10 + timedelta(hours=3, minutes=30)
OPEN = ("p1", "p2", "p3", "p4", "done")


def _set(app, sr, **values):
    with app.app_context():
        found = db.session.get(ServiceRequest, sr.id)
        for name, value in values.items():
            setattr(found, name, value)
        db.session.commit()


def _page(client, url, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _shown(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'id="(?:card|row)-(\d+)"', page)}


def _rows(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="row-(\d+)">', page)]


COLUMN = re.compile(r'<section class="column column-(\w+)"(.*?)</section>', re.S)


def _columns(page: str) -> dict[str, tuple[int, list[int]]]:
    found = {}
    for stage, body in COLUMN.findall(page):
        count = int(re.search(rf'id="count-{stage}">(\d+)<', body)[1])
        found[stage] = (count, [int(i) for i in re.findall(r'<article [^>]*id="card-(\d+)"', body)])
    return found


def _card(page: str, sr) -> str:
    return visible_text(re.search(rf'<article [^>]*id="card-{sr.id}".*?</article>', page, re.S)[0])


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(html.unescape(url)).query))


def _links(page: str, path: str) -> list[dict[str, str]]:
    """The query of every link or hidden field on the page that points at `path`."""
    urls = re.findall(r'(?:href|value)="([^"]*)"', page)
    return [_query(u) for u in urls if urlsplit(html.unescape(u)).path == path]


def _sort_links(page: str) -> dict[str, dict[str, str]]:
    """The list's column-header links, by the sort key they ask for."""
    found = [_query(url) for url in re.findall(r'<th scope="col"[^>]*>\s*<a href="([^"]+)"', page)]
    return {q.get("sort", "priority"): q for q in found}


def _ids(board, names) -> set[int]:
    return {getattr(board, name).id for name in names}


@pytest.fixture
def board(app, client, make):
    """Six requests filed on Monday 10:00, looked at by Ana at 13:30."""
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        b = SimpleNamespace(finance=make.unit("Finance"), sales=make.unit("Sales"))
        b.ana, b.ben = make.agent(name="Ana Lopez"), make.agent(name="Ben Okafor")
        b.desk = make.team("Service Desk", members=[b.ana])
        b.network = make.team("Network", members=[b.ben])
        rosa = make.requester(unit=b.finance, name="Rosa Jimenez")
        omar = make.requester(unit=b.sales, name="Omar Said")
        b.p1 = make.request(rosa, title="Payroll server down", description="Nobody can pay.",
                            impact="whole_unit", urgency="blocked")
        b.p2 = make.request(omar, title="VPN drops every hour", description="The tunnel closes.",
                            category="access", impact="my_team", urgency="blocked",
                            stage=Stage.TRIAGED)
        b.p3 = make.request(rosa, title="New starter laptop", description="Maria starts soon.",
                            category="new", urgency="blocked", stage=Stage.IN_PROGRESS)
        b.p4 = make.request(omar, title="Blurry fonts", description="Scaling looks odd.",
                            category="question", urgency="workaround",
                            stage=Stage.WAITING_ON_REQUESTER)
        b.done = make.request(rosa, title="Monitor flickers", stage=Stage.RESOLVED)
        b.gone = make.request(omar, title="Old keyboard", stage=Stage.CLOSED)
        _set(app, b.p1, assignee_id=b.ana.id, team_id=b.desk.id)
        _set(app, b.p2, assignee_id=b.ben.id, team_id=b.network.id)
        _set(app, b.p3, team_id=b.desk.id)
        clock.move_to(LOOKING)
        client.login(b.ana.email)
        yield b


def test_columns_by_stage_with_counts_and_cards(client, board):
    page = _page(client, "/board")
    assert _columns(page) == {
        "new": (1, [board.p1.id]),
        "triaged": (1, [board.p2.id]),
        "in_progress": (1, [board.p3.id]),
        "waiting_on_requester": (1, [board.p4.id]),
        "resolved": (1, [board.done.id]),
    }
    assert "sla-clock" not in re.search(rf'id="card-{board.done.id}".*?</article>', page, re.S)[0]
    assert "Assign to me" not in _card(page, board.p1)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("p1", ["P1 · Critical", "Payroll server down", "Incident · Rosa Jimenez (Finance)",
                "Ana Lopez · Service Desk", "Breached Reply breached 2 h ago"]),
        ("p2", ["P2 · High", "Access request · Omar Said (Sales)", "Ben Okafor · Network",
                "At risk Reply due in 30 min"]),
        ("p3", ["P3 · Medium", "Service request", "Unassigned · Service Desk",
                "On track Reply due in 20 h", "Assign to me"]),
        ("p4", ["P4 · Low", "Question · Omar Said (Sales)", "Unassigned · No team", "Paused"]),
    ],
)
def test_cards_show_what_triage_needs(client, board, name, words):
    sr = getattr(board, name)
    text = _card(_page(client, "/board"), sr)
    assert text.startswith(sr.reference)
    for expected in words:
        assert expected in text


def test_closed_column_only_when_asked(client, board):
    assert "closed" not in _columns(_page(client, "/board?closed=yes"))
    assert _columns(_page(client, "/board?closed=1"))["closed"] == (1, [board.gone.id])
    assert board.gone.id in _rows(_page(client, "/board?view=list&closed=1"))
    assert board.gone.id not in _rows(_page(client, "/board?view=list"))


def test_most_urgent_first_and_overflow_goes_to_the_list(app, client, make, monkeypatch):
    monkeypatch.setattr(queries, "CARDS_PER_COLUMN", 2)
    rosa = make.requester()
    low = make.request(rosa, title="Low", impact="just_me", urgency="workaround")
    high = make.request(rosa, title="High", impact="whole_unit", urgency="blocked")
    mid = make.request(rosa, title="Mid", impact="my_team", urgency="slowed")
    client.login(make.agent().email)
    page = _page(client, "/board")
    assert _columns(page)["new"] == (3, [high.id, mid.id])
    assert low.id not in _shown(page)
    assert "1 more in the list view" in visible_text(page)


FILTERS = [
    (lambda b: {"team": b.desk.id}, ("p1", "p3")),
    (lambda b: {"team": "none"}, ("p4", "done")),
    (lambda b: {"assignee": "me"}, ("p1",)),
    (lambda b: {"assignee": "none"}, ("p3", "p4", "done")),
    (lambda b: {"assignee": b.ben.id}, ("p2",)),
    (lambda b: {"unit": b.finance.id}, ("p1", "p3", "done")),
    (lambda b: {"category": "access"}, ("p2",)),
    (lambda b: {"category": "broken"}, ("p1", "done")),
    (lambda b: {"priority": "4"}, ("p4", "done")),
    (lambda b: {"sla": "on_track"}, ("p3",)),
    (lambda b: {"sla": "at_risk"}, ("p2",)),
    (lambda b: {"sla": "breached"}, ("p1",)),
    (lambda b: {"sla": "paused"}, ("p4",)),
    (lambda b: {"team": b.desk.id, "assignee": "none"}, ("p3",)),
    (lambda b: {"unit": b.finance.id, "priority": "1", "sla": "breached"}, ("p1",)),
    (lambda b: {"unit": b.sales.id, "sla": "breached"}, ()),
    (lambda b: {"category": "broken", "closed": "1"}, ("p1", "done", "gone")),
    (lambda b: {"unit": b.sales.id, "team": "none", "q": "fonts"}, ("p4",)),
]


@pytest.mark.parametrize(("args", "expected"), FILTERS)
@pytest.mark.parametrize("view", ["board", "list"])
def test_filters_alone_and_combined(client, board, args, expected, view):
    page = _page(client, "/board", query_string={**args(board), "view": view})
    assert _shown(page) == _ids(board, expected)
    if not expected and view == "board":
        assert "Nothing here that matches." in visible_text(page)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (lambda b: b.p2.reference, ("p2",)),
        (lambda b: b.p2.reference.lower(), ("p2",)),
        (lambda b: str(b.p3.id), ("p3",)),
        (lambda b: "PAYROLL", ("p1",)),
        (lambda b: "  vpn   DROPS ", ("p2",)),
        (lambda b: "tunnel", ("p2",)),
        (lambda b: "starts", ("p3",)),
        (lambda b: "nothing like this", ()),
    ],
)
def test_search(client, board, q, expected):
    assert _shown(_page(client, "/board", query_string={"q": q(board)})) == _ids(board, expected)


@pytest.mark.parametrize(
    ("q", "expected"), [("100%", {"percent"}), ("%", {"percent"}), ("file_name", {"under"})]
)
def test_search_treats_wildcards_literally(client, make, q, expected):
    rosa = make.requester()
    made = {
        "percent": make.request(rosa, title="Disk 100% full"),
        "thousand": make.request(rosa, title="1000 users locked out"),
        "under": make.request(rosa, title="Cannot open file_name.txt"),
        "dash": make.request(rosa, title="Cannot open file-name.txt"),
    }
    client.login(make.agent().email)
    shown = _shown(_page(client, "/board", query_string={"q": q}))
    assert shown == {made[name].id for name in expected}


@pytest.mark.parametrize(
    "query",
    ["team=abc", "team=0", "assignee=someone", "unit=x", "priority=9", "priority=P1",
     "sla=done", "sla=late", "view=grid", "view=list&sort=bogus&order=sideways", "closed=yes",
     "page=abc&view=list", "page=-3&view=list"],
)
def test_invalid_filter_values_are_ignored(client, board, query):
    assert _shown(_page(client, f"/board?{query}")) == _ids(board, OPEN)


def test_filters_survive_in_links(client, board):
    chosen = {"team": str(board.desk.id), "priority": "1", "q": "payroll"}
    page = _page(client, "/board", query_string=chosen)
    assert _links(page, f"/board/requests/{board.p1.reference}") == [chosen]
    assert {**chosen, "view": "list"} in _links(page, "/board")
    way_back = re.findall(r'name="next" value="([^"]+)"', page)
    assert way_back and all(_query(url) == chosen for url in way_back)

    listed = _page(client, "/board", query_string={**chosen, "view": "list"})
    sorts = _sort_links(listed)
    assert set(sorts) == {"reference", "priority", "due", "age", "updated"}
    for q in sorts.values():
        assert {k: q[k] for k in chosen} == chosen and q["view"] == "list"


@pytest.fixture
def ranked(app, make):
    """Three requests whose every sort key puts them in a different order."""
    rosa = make.requester()
    x = make.request(rosa, title="Xylophone", urgency="blocked")  # P3
    y = make.request(rosa, title="Yacht", impact="whole_unit", urgency="blocked")  # P1
    z = make.request(rosa, title="Zebra", impact="whole_unit", urgency="slowed")  # P2
    base = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for sr, due, age, updated in ((x, 2, 3, 2), (y, 3, 1, 3), (z, 1, 2, 1)):
        _set(app, sr, sla_due_at=base + timedelta(hours=due),
             created_at=base - timedelta(days=age), updated_at=base - timedelta(hours=updated))
    return SimpleNamespace(x=x.id, y=y.id, z=z.id)


@pytest.mark.parametrize(
    ("sort", "ascending"),
    [("reference", "xyz"), ("priority", "yzx"), ("due", "zxy"), ("age", "xzy"),
     ("updated", "yxz")],
)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_list_sorts_by_each_key_both_ways(client, make, ranked, sort, ascending, order):
    client.login(make.agent().email)
    expected = [getattr(ranked, name) for name in ascending]
    page = _page(client, "/board", query_string={"view": "list", "sort": sort, "order": order})
    assert _rows(page) == (expected if order == "asc" else expected[::-1])
    arrow = "ascending" if order == "asc" else "descending"
    assert f'aria-sort="{arrow}"' in page
    assert _sort_links(page)[sort].get("order", "asc") == ("desc" if order == "asc" else "asc")


def test_list_pages_keep_the_filters(client, make, monkeypatch):
    monkeypatch.setattr(queries, "LIST_PAGE_SIZE", 2)
    rosa = make.requester()
    made = {make.request(rosa, title=f"Request {n}").id for n in range(5)}
    make.request(rosa, title="Urgent", impact="whole_unit", urgency="blocked")
    client.login(make.agent().email)
    seen = []
    for number in (1, 2, 3):
        page = _page(client, "/board", query_string={"view": "list", "priority": "4",
                                                     "page": number})
        seen += _rows(page)
        assert f"Page {number} of 3 · 5 in all" in visible_text(page)
        links = dict(re.findall(r'rel="(prev|next)" href="([^"]+)"', page))
        assert set(links) == {1: {"next"}, 2: {"prev", "next"}, 3: {"prev"}}[number]
        for rel, link in links.items():
            step = 1 if rel == "next" else -1
            assert _query(link) == {"priority": "4", "view": "list", "page": str(number + step)}
    assert len(seen) == 5 and set(seen) == made
    assert _rows(_page(client, "/board?view=list&priority=4&page=9")) == []


def test_htmx_gets_only_the_board(client, board):
    response = client.get("/board?view=list&priority=1", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="board"')
    assert "<html" not in body and "filter-bar" not in body
    assert _shown(body) == {board.p1.id}
    assert "HX-Request" in response.headers["Vary"]

    full = client.get("/board")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]
    boosted = client.get("/board", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/board?team=3000000000",
        "/board?unit=3000000000",
        "/board?assignee=3000000000",
        "/board?team=99999999999999999999",
        "/board?q=2147483648",
        "/board?q=REQ-999999999999",
        "/board?category=no-such-category",
    ],
)
def test_out_of_range_or_unknown_filter_values_are_ignored(client, make, url):
    make.request(make.requester(), title="Still listed")
    client.login(make.agent().email)
    response = client.get(url)
    assert response.status_code == 200
    if "q=" not in url:
        assert "Still listed" in response.get_data(as_text=True)


def test_out_of_range_reference_is_not_found(client, make):
    client.login(make.agent().email)
    assert client.get("/board/requests/REQ-9999999999").status_code == 404
    assert client.form_post("/board/views/3000000000/delete", {}).status_code == 404
