"""Who can see and act on which request: a request you may not see is a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import RequestEvent, Role, Stage


@pytest.fixture
def two_requests(make):
    unit = make.unit()
    rosa = make.requester(unit=unit, name="Rosa Jimenez")
    omar = make.requester(unit=unit, name="Omar Said")
    mine = make.request(rosa, title="Rosa's secret printer trouble", stage=Stage.RESOLVED)
    theirs = make.request(omar, title="Omar's private payroll question", stage=Stage.RESOLVED)
    return rosa, omar, mine, theirs


def test_requester_sees_own_request(client, two_requests):
    rosa, _, mine, _ = two_requests
    client.login(rosa.email)
    response = client.get(f"/requests/{mine.reference}")
    assert response.status_code == 200
    assert "Rosa's secret printer trouble" in visible_text(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("post", "/comments", {"body": "let me in"}),
        ("post", "/confirm", {}),
        ("post", "/reopen", {"reason": "still broken"}),
        ("post", "/stage", {"stage": "closed"}),
    ],
)
def test_someone_elses_request_is_not_found(app, client, two_requests, method, suffix, data):
    rosa, _, _, theirs = two_requests
    client.login(rosa.email)
    url = f"/requests/{theirs.reference}{suffix}"
    response = client.get(url) if method == "get" else client.form_post(url, data)
    assert response.status_code == 404
    assert "Omar" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RequestEvent)) == 2


def test_someone_elses_request_is_not_found_through_htmx_either(client, two_requests):
    rosa, _, _, theirs = two_requests
    client.login(rosa.email)
    response = client.form_post(
        f"/requests/{theirs.reference}/comments", {"body": "hello"}, htmx=True
    )
    assert response.status_code == 404


@pytest.mark.parametrize("reference", ["REQ-999999", "nonsense", "REQ-", "REQ-12a", "0"])
def test_unknown_or_malformed_reference_is_not_found(client, make, reference):
    client.login(make.requester().email)
    assert client.get(f"/requests/{reference}").status_code == 404


def test_short_reference_redirects_to_the_canonical_one(client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(rosa.email)
    response = client.get(f"/requests/req-{sr.id}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/requests/{sr.reference}")


@pytest.mark.parametrize("roles", [(Role.AGENT,), (Role.BUDDY,), (Role.ADMIN,)])
def test_staff_see_every_request(client, make, two_requests, roles):
    _, _, mine, theirs = two_requests
    client.login(make.user(roles=roles).email)
    for sr in (mine, theirs):
        assert client.get(f"/requests/{sr.reference}").status_code == 200


def test_brm_is_not_staff_and_sees_only_own_requests_for_now(client, make, two_requests):
    _, _, mine, _ = two_requests
    client.login(make.user(roles=(Role.BRM,)).email)
    assert client.get(f"/requests/{mine.reference}").status_code == 404


@pytest.mark.parametrize("roles", [(), (Role.BRM,)])
def test_board_is_hidden_from_non_staff(client, make, roles):
    client.login(make.user(roles=roles).email)
    assert client.get("/board").status_code == 404


def test_internal_notes_never_reach_the_requester(client, make):
    rosa = make.requester()
    agent = make.agent(name="Alex Agent")
    sr = make.request(rosa)
    make.comment(sr, agent, "Looks like the toner, ordering one.")
    make.comment(sr, agent, "Internal: this user broke it last month too.", internal=True)

    client.login(rosa.email)
    page = client.get(f"/requests/{sr.reference}").get_data(as_text=True)
    assert "ordering one" in page
    assert "broke it last month" not in page
    assert "Internal note" not in page

    client.login(agent.email)
    staff_page = client.get(f"/requests/{sr.reference}").get_data(as_text=True)
    assert "broke it last month" in staff_page


def test_requester_cannot_post_an_internal_note(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(rosa.email)
    response = client.form_post(
        f"/requests/{sr.reference}/comments", {"body": "sneaky", "visibility": "internal"}
    )
    assert response.status_code == 303
    with app.app_context():
        event = db.session.scalar(select(RequestEvent).where(RequestEvent.body == "sneaky"))
        assert event.internal is False


def test_requester_cannot_move_stages(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(rosa.email)
    response = client.form_post(f"/requests/{sr.reference}/stage", {"stage": "resolved"})
    assert response.status_code == 404


def test_staff_cannot_confirm_or_reopen_for_the_requester(client, make):
    rosa = make.requester()
    sr = make.request(rosa, stage=Stage.RESOLVED)
    client.login(make.agent().email)
    assert client.form_post(f"/requests/{sr.reference}/confirm", {}).status_code == 404
    assert client.form_post(
        f"/requests/{sr.reference}/reopen", {"reason": "x"}
    ).status_code == 404
