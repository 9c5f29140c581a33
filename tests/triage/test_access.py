"""Who may use the board: IT staff only; everyone else finds nothing there."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import RequestEvent, Role, SavedView, ServiceRequest

PAGES = [
    "/board",
    "/board?view=list",
    "/board?closed=1&assignee=me",
    "/board/pulse?since=2026-11-23T10:00:00%2B00:00",
    "/board/requests/{ref}",
]
FORMS = [
    ("/board/requests/{ref}/assign", {"assignee": "me"}),
    ("/board/requests/{ref}/team", {"team": "none"}),
    ("/board/requests/{ref}/priority", {"priority": "1", "reason": "Because"}),
    ("/board/requests/{ref}/stage", {"stage": "triaged"}),
    ("/board/requests/{ref}/note", {"body": "Hello", "visibility": "public"}),
    ("/board/bulk", {"ids": "{id}", "action": "stage", "stage": "triaged", "assignee": "me",
                     "team": "none", "priority": "1"}),
    ("/board/views", {"name": "Mine", "query": "priority=1"}),
    ("/board/views/{view}/delete", {}),
]


def _fill(template: str, s) -> str:
    return template.format(ref=s.sr.reference, id=s.sr.id, view=s.view_id)


def _data(data: dict, s) -> dict:
    return {key: _fill(value, s) for key, value in data.items()}


def _snapshot(app) -> tuple:
    with app.app_context():
        sr = db.session.scalar(select(ServiceRequest))
        return (
            sr.stage, sr.assignee_id, sr.team_id, sr.priority, sr.version,
            db.session.scalar(select(func.count()).select_from(RequestEvent)),
            db.session.scalar(select(func.count()).select_from(SavedView)),
        )


@pytest.fixture
def setting(app, make):
    s = SimpleNamespace(agent=make.agent(), rosa=make.requester(name="Rosa Jimenez"))
    s.sr = make.request(s.rosa, title="Rosa's printer")
    with app.app_context():
        view = SavedView(user_id=s.agent.id, name="Agent's view", query="priority=1")
        db.session.add(view)
        db.session.commit()
        s.view_id = view.id
    return s


def _person(make, setting, who):
    if who == "owner":
        return setting.rosa
    if who == "requester":
        return make.requester()
    return make.user(roles=(Role.BRM,))


@pytest.mark.parametrize("who", ["owner", "requester", "brm"])
@pytest.mark.parametrize("page", PAGES)
def test_pages_are_not_found_for_non_staff(client, make, setting, who, page):
    client.login(_person(make, setting, who).email)
    response = client.get(_fill(page, setting))
    assert response.status_code == 404
    assert "Rosa's printer" not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["owner", "requester", "brm"])
@pytest.mark.parametrize(("url", "data"), FORMS)
@pytest.mark.parametrize("htmx", [False, True])
def test_actions_are_not_found_for_non_staff(app, client, make, setting, who, url, data, htmx):
    client.login(_person(make, setting, who).email)
    before = _snapshot(app)
    response = client.form_post(_fill(url, setting), _data(data, setting), htmx=htmx)
    assert response.status_code == 404
    assert _snapshot(app) == before


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, setting, page):
    response = client.get(_fill(page, setting))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("url", "data"), FORMS)
def test_anonymous_posts_are_sent_to_sign_in(app, client, setting, url, data):
    before = _snapshot(app)
    response = client.form_post(_fill(url, setting), _data(data, setting))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert _snapshot(app) == before


@pytest.mark.parametrize("roles", [(Role.AGENT,), (Role.BUDDY,), (Role.ADMIN,)])
def test_it_staff_use_the_board(app, client, make, setting, roles):
    person = make.user(roles=roles)
    client.login(person.email)
    for page in PAGES:
        response = client.get(_fill(page, setting))
        assert response.status_code == 200, page
    assert "Rosa's printer" in visible_text(client.get("/board").get_data(as_text=True))
    url = f"/board/requests/{setting.sr.reference}/assign"
    assert client.form_post(url, {"assignee": "me"}).status_code == 303
    assert _snapshot(app)[1] == person.id


@pytest.mark.parametrize(("url", "data"), FORMS)
@pytest.mark.parametrize("htmx", [False, True])
def test_posts_without_a_csrf_token_are_refused(app, client, setting, url, data, htmx):
    client.login(setting.agent.email)
    before = _snapshot(app)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(_fill(url, setting), data=_data(data, setting), headers=headers)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert _snapshot(app) == before
