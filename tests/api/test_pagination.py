"""Listing requests: keyset pages, the board's filters, and a fixed number of queries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.api.conftest import error_of
from tracker.api import cursor
from tracker.extensions import db
from tracker.models import Category, ServiceRequest, Stage


def _walk(api, query: str = "", *, limit: int, between_pages=None) -> list[list[str]]:
    pages, next_cursor = [], None
    while True:
        suffix = f"&cursor={next_cursor}" if next_cursor else ""
        response = api.get(f"/requests?limit={limit}{query}{suffix}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        pages.append([item["reference"] for item in body["data"]])
        next_cursor = body["next_cursor"]
        if next_cursor is None:
            return pages
        if between_pages is not None:
            between_pages(len(pages))


def test_pages_are_newest_first_and_cover_everything_once(make, caller):
    person = make.requester()
    filed = [make.request(person, title=f"Request {n}").reference for n in range(7)]
    pages = _walk(caller(person), limit=3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [ref for page in pages for ref in page] == list(reversed(filed))


def test_requests_filed_while_paging_neither_repeat_nor_hide_others(make, caller):
    person = make.requester()
    filed = [make.request(person, title=f"Request {n}").reference for n in range(9)]
    arrived = []

    def file_more(_page_number):
        arrived.append(make.request(person, title="Filed meanwhile").reference)

    pages = _walk(caller(person), limit=2, between_pages=file_more)
    seen = [ref for page in pages for ref in page]
    assert len(seen) == len(set(seen))  # no duplicates
    assert seen == list(reversed(filed))  # every request that was there, in order
    assert arrived and not set(arrived) & set(seen)  # newer ones start a new walk
    assert _walk(caller(person), limit=50)[0][: len(arrived)] == list(reversed(arrived))


def test_an_exact_last_page_says_there_is_no_more(make, caller):
    person = make.requester()
    for _ in range(4):
        make.request(person)
    assert [len(page) for page in _walk(caller(person), limit=2)] == [2, 2]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=" + cursor.encode(5)[:-2], "cursor"),
        ("stage=new,sideways", "stage"),
        ("stage=", "stage"),
        ("unit=0", "unit"),
        ("team=12abc", "team"),
        ("colour=blue", "colour"),
        ("stage=new&stage=triaged", "stage"),
        ("q=" + "x" * 101, "q"),
        ("q=vpn%00drops", "q"),  # PostgreSQL refuses NUL in text: say so, don't 500
        ("q=line%0Abreak", "q"),
        ("category=bro%00ken", "category"),
    ],
)
def test_bad_parameters_are_explained(make, caller, query, field):
    response = caller(make.agent()).get(f"/requests?{query}")
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


def test_a_forged_cursor_is_refused_not_trusted(make, caller):
    for forged in (cursor.encode(1).replace("e", "E"), "eyJ2IjoyLCJiZWZvcmUiOjV9",
                   "eyJ2IjoxLCJiZWZvcmUiOiI1In0", "eyJ2IjoxLCJiZWZvcmUiOi0xfQ"):
        response = caller(make.agent()).get(f"/requests?cursor={forged}")
        assert response.status_code == 422, forged


def test_the_boards_filters_and_stages(app, make, caller):
    agent, other_agent = make.agent(), make.agent()
    unit = make.unit("Finance")
    person = make.requester(unit=unit)
    team = make.team("Network")
    mine = make.request(person, title="VPN drops", category="broken")
    waiting = make.request(make.requester(), title="New laptop", category="new",
                           stage=Stage.WAITING_ON_REQUESTER)
    closed = make.request(person, title="Old printer", stage=Stage.CLOSED)
    urgent = make.request(make.requester(), impact="whole_unit", urgency="blocked")
    with app.app_context():
        db.session.get(ServiceRequest, mine.id).assignee_id = agent.id
        db.session.get(ServiceRequest, mine.id).team_id = team.id
        db.session.get(ServiceRequest, waiting.id).assignee_id = other_agent.id
        db.session.commit()
    api = caller(agent)

    def refs(query):
        response = api.get(f"/requests?{query}")
        assert response.status_code == 200, response.get_json()
        return {item["reference"] for item in response.get_json()["data"]}

    assert refs("") == {mine.reference, waiting.reference, closed.reference, urgent.reference}
    assert refs("stage=closed") == {closed.reference}
    assert refs("stage=new,waiting_on_requester") == {mine.reference, waiting.reference,
                                                      urgent.reference}
    assert refs("assignee=me") == {mine.reference}
    assert refs(f"assignee={other_agent.id}") == {waiting.reference}
    assert refs("assignee=none") == {closed.reference, urgent.reference}
    assert refs(f"team={team.id}") == {mine.reference}
    assert refs(f"unit={unit.id}") == {mine.reference, closed.reference}
    assert refs("category=new") == {waiting.reference}
    assert refs("priority=1") == {urgent.reference}
    assert refs("q=vpn") == {mine.reference}
    assert refs(f"q={closed.reference.lower()}") == {closed.reference}
    assert refs("sla=paused") == {waiting.reference}
    assert refs("category=nothing-like-this") == set()


def test_requesters_can_narrow_their_own_list(make, caller):
    person = make.requester()
    open_one = make.request(person, title="Open one")
    make.request(person, title="Done one", stage=Stage.CLOSED)
    response = caller(person).get("/requests?stage=new,triaged,in_progress&q=one")
    assert [item["reference"] for item in response.get_json()["data"]] == [open_one.reference]


def test_the_list_runs_a_fixed_number_of_queries(app, make, caller, count_queries):
    """Token, person, then one query for the page, however many requests and filters."""
    agent = make.agent()
    api = caller(agent)
    api.get("/requests")  # notes the token's first use (one more statement, once a minute)
    team = make.team()
    counts = []
    for batch in (2, 30):
        for n in range(batch):
            request = make.request(make.requester(unit=make.unit()), title=f"R{n}")
            make.comment(request, agent, "Looking")
        with app.app_context():
            for row in db.session.scalars(select(ServiceRequest)):
                row.assignee_id, row.team_id = agent.id, team.id
            db.session.commit()
        for query in ("limit=100", "limit=5&stage=new&category=broken&q=R&sla=on_track"):
            with count_queries() as statements:
                response = api.get(f"/requests?{query}")
            assert response.status_code == 200
            counts.append(len(statements))
    assert counts == [3, 3, 3, 3], counts


def test_requester_list_runs_a_fixed_number_of_queries(make, caller, count_queries):
    brm = make.user(roles=("brm",))
    unit = make.unit(brm=brm)
    person = make.requester(unit=unit)
    api = caller(brm)
    api.get("/requests")
    for n in range(12):
        make.request(person, title=f"R{n}")
    with count_queries() as statements:
        assert len(api.get("/requests").get_json()["data"]) == 12
    assert len(statements) == 3


def test_categories_are_filtered_in_sql(app, make, caller):
    """Renamed categories are found by slug, as on the board."""
    person = make.requester()
    request = make.request(person, category="access")
    with app.app_context():
        db.session.scalar(select(Category).where(Category.slug == "access")).name = "Renamed"
        db.session.commit()
    response = caller(make.agent()).get("/requests?category=access")
    assert [item["reference"] for item in response.get_json()["data"]] == [request.reference]
