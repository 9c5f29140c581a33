"""Bulk actions: one action for many requests, saying what changed and what was skipped."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest, Stage

NEXT = "/board?assignee=none"
# What the bulk bar sends when left alone: every select at its first option.
BAR = {"assignee": "me", "team": "none", "priority": "1", "stage": "new", "reason": ""}


def _state(app, sr) -> tuple:
    with app.app_context():
        found = db.session.get(ServiceRequest, sr.id)
        events = db.session.scalar(
            select(func.count()).select_from(RequestEvent).where(RequestEvent.request_id == sr.id)
        )
        return (found.stage, found.assignee_id, found.team_id, found.priority, found.version,
                events)


def _last_event(app, sr) -> tuple:
    with app.app_context():
        event = db.session.scalar(
            select(RequestEvent)
            .where(RequestEvent.request_id == sr.id)
            .order_by(RequestEvent.id.desc())
            .limit(1)
        )
        return event.kind, event.actor_id, event.body


def _bulk(client, requests, action, *, htmx=False, next_url=NEXT, **values):
    form = {**BAR, "action": action, "ids": [str(sr.id) for sr in requests], "next": next_url,
            **values}
    return client.form_post("/board/bulk", form, htmx=htmx)


def _flashes(client, response) -> str:
    assert response.status_code == 303
    assert response.headers["Location"] == NEXT
    return visible_text(client.get(NEXT).get_data(as_text=True))


def _said(client, response, htmx: bool) -> str:
    """What the agent reads after a bulk action, through htmx or after the redirect."""
    if not htmx:
        return _flashes(client, response)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="board"') and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]
    return visible_text(body)


@pytest.fixture
def team(app, client, make):
    t = SimpleNamespace(ana=make.agent(name="Ana Lopez"), ben=make.agent(name="Ben Okafor"))
    t.desk = make.team("Service Desk", members=[t.ana])
    t.rosa = make.requester(name="Rosa Jimenez")
    t.a, t.b, t.c = (make.request(t.rosa, title=f"Request {n}") for n in "abc")
    client.login(t.ana.email)
    return t


@pytest.mark.parametrize("htmx", [False, True])
def test_assign_many(app, client, team, htmx):
    response = _bulk(client, [team.a, team.b, team.c], "assign", assignee=str(team.ben.id),
                     htmx=htmx)
    assert "3 requests changed." in _said(client, response, htmx)
    for sr in (team.a, team.b, team.c):
        assert _state(app, sr)[1] == team.ben.id
        assert _last_event(app, sr) == ("assigned", team.ana.id, "Ben Okafor")


@pytest.mark.parametrize("htmx", [False, True])
def test_set_team_for_many(app, client, team, htmx):
    response = _bulk(client, [team.a, team.b], "team", team=str(team.desk.id), htmx=htmx)
    assert "2 requests changed." in _said(client, response, htmx)
    assert [_state(app, sr)[2] for sr in (team.a, team.b, team.c)] == [team.desk.id] * 2 + [None]


def test_priority_for_many_needs_a_reason(app, client, team):
    before = [_state(app, sr) for sr in (team.a, team.b)]
    text = _flashes(client, _bulk(client, [team.a, team.b], "priority", priority="2"))
    assert "0 requests changed, 2 skipped." in text
    for sr in (team.a, team.b):
        assert f"{sr.reference}: Please say why the priority changes." in text
    assert [_state(app, sr) for sr in (team.a, team.b)] == before

    text = _flashes(
        client, _bulk(client, [team.a, team.b], "priority", priority="2", reason="Outage")
    )
    assert "2 requests changed." in text
    for sr in (team.a, team.b):
        assert _state(app, sr)[3] == 2
        assert _last_event(app, sr) == ("priority", team.ana.id, "Outage")


@pytest.mark.parametrize("htmx", [False, True])
def test_stage_moves_skip_what_the_workflow_refuses(app, client, make, team, htmx):
    working = make.request(team.rosa, stage=Stage.IN_PROGRESS)
    closed = make.request(team.rosa, stage=Stage.CLOSED)
    waiting = make.request(team.rosa, stage=Stage.WAITING_ON_REQUESTER)
    already = make.request(team.rosa, stage=Stage.TRIAGED)
    skipped = [closed, waiting, already]
    before = {sr.id: _state(app, sr) for sr in skipped}

    response = _bulk(client, [team.a, working, *skipped], "stage", stage="triaged", htmx=htmx)
    text = _said(client, response, htmx)

    assert "2 requests changed, 3 skipped." in text
    assert f"{closed.reference}: A request that is closed can't be moved to triaged." in text
    assert (f"{waiting.reference}: A request that is waiting on requester can't be moved to "
            "triaged.") in text
    assert f"{already.reference}: This request is already triaged." in text
    assert _state(app, team.a)[0] == _state(app, working)[0] == Stage.TRIAGED
    assert {sr.id: _state(app, sr) for sr in skipped} == before


def test_someone_already_assigned_is_skipped_alone(app, client, team):
    _bulk(client, [team.a], "assign", assignee=str(team.ben.id))
    text = _flashes(client, _bulk(client, [team.a, team.b], "assign", assignee=str(team.ben.id)))
    assert "1 request changed, 1 skipped." in text
    assert f"{team.a.reference}: {team.a.reference} is already assigned to Ben Okafor." in text
    assert _state(app, team.b)[1] == team.ben.id


@pytest.mark.parametrize(
    ("who", "message"),
    [
        (lambda t: "999999", "That person isn't in IT."),
        (lambda t: str(t.rosa.id), "Rosa Jimenez isn't in IT, so can't take requests."),
    ],
)
def test_assigning_outside_it_changes_nothing(app, client, team, who, message):
    before = [_state(app, sr) for sr in (team.a, team.b)]
    text = _flashes(client, _bulk(client, [team.a, team.b], "assign", assignee=who(team)))
    assert "0 requests changed" in text and message in text
    assert [_state(app, sr) for sr in (team.a, team.b)] == before


def test_unknown_team_changes_nothing(app, client, team):
    text = _flashes(client, _bulk(client, [team.a], "team", team="999999"))
    assert "That team doesn't exist." in text
    assert _state(app, team.a)[2] is None


@pytest.mark.parametrize(
    ("ids", "action", "message"),
    [
        ([], "assign", "Please select at least one request first."),
        (["abc", ""], "assign", "Please select at least one request first."),
        ([str(n) for n in range(1, 202)], "assign", "Please select at most 200 requests"),
        (None, "", "Please choose what to do with the selected requests."),
        (None, "explode", "Please choose what to do with the selected requests."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_nothing_to_do_says_why(app, client, team, ids, action, message, htmx):
    before = _state(app, team.a)
    form = {**BAR, "action": action, "next": NEXT,
            "ids": [str(team.a.id)] if ids is None else ids}
    response = client.form_post("/board/bulk", form, htmx=htmx)
    # The board again (a fragment for htmx, the page without JavaScript) with the reason.
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="board"') is htmx
    assert message in visible_text(body)
    assert _state(app, team.a) == before


def test_a_refused_bulk_action_keeps_the_selection(app, client, team):
    form = {**BAR, "action": "", "next": NEXT, "ids": [str(team.a.id), str(team.b.id)]}
    body = client.form_post("/board/bulk", form).get_data(as_text=True)
    for request_id in (team.a.id, team.b.id):
        assert re.search(rf'name="ids" value="{request_id}"[^>]*checked', body), request_id


def test_htmx_answer_is_the_board_with_the_same_filters(app, client, team):
    response = _bulk(client, [team.a], "assign", assignee="me", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 request changed." in visible_text(body)
    assert f'id="card-{team.a.id}"' not in body  # no longer unassigned
    assert f'id="card-{team.b.id}"' in body


@pytest.mark.parametrize("target", ["//evil.example", "/requests/", "https://evil.example/"])
def test_bulk_never_redirects_off_the_board(client, team, target):
    response = _bulk(client, [team.a], "team", team=str(team.desk.id), next_url=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/board"


def test_out_of_range_bulk_ids_are_ignored(app, client, make):
    sr = make.request(make.requester())
    client.login(make.agent().email)
    response = client.form_post(
        "/board/bulk",
        {"ids": [str(sr.id), "99999999999999999999", "3000000000"], "action": "assign",
         "assignee": "me", "next": "/board"},
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(ServiceRequest, sr.id).assignee_id is not None


def test_bulk_needs_only_the_field_of_its_action(app, client, make):
    sr = make.request(make.requester())
    client.login(make.agent().email)
    response = client.form_post(
        "/board/bulk", {"ids": [str(sr.id)], "action": "stage", "stage": "triaged"}
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(ServiceRequest, sr.id).stage == "triaged"
