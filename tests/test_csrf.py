"""CSRF protection covers every form post and every htmx request."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import EventKind, RequestEvent, ServiceRequest

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

NEW_REQUEST = {
    "category": "broken",
    "title": "Monitor flickers",
    "description": "The left screen flickers every few seconds.",
    "impact": "just_me",
    "urgency": "slowed",
}


def _request_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ServiceRequest))


def _comment_count(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(RequestEvent)
            .where(RequestEvent.kind == EventKind.COMMENT.value)
        )


def _expired_page(response) -> bool:
    return response.status_code == 400 and "This form has expired" in response.get_data(
        as_text=True
    )


def test_form_post_without_token_is_refused(app, client, make):
    client.login(make.user().email)
    response = client.post("/requests/new", data=NEW_REQUEST)
    assert _expired_page(response)
    assert _request_count(app) == 0


def test_form_post_with_token_is_accepted(app, client, make):
    client.login(make.user().email)
    response = client.form_post("/requests/new", NEW_REQUEST)
    assert response.status_code == 303
    assert _request_count(app) == 1


def test_htmx_post_without_header_is_refused(app, client, make):
    person = make.user()
    service_request = make.request(person)
    client.login(person.email)
    response = client.post(
        f"/requests/{service_request.reference}/comments",
        data={"body": "Any news?"},
        headers={"HX-Request": "true"},
    )
    assert _expired_page(response)
    assert _comment_count(app) == 0


def test_htmx_post_with_header_is_accepted(app, client, make):
    person = make.user()
    service_request = make.request(person)
    client.login(person.email)
    response = client.form_post(
        f"/requests/{service_request.reference}/comments", {"body": "Any news?"}, htmx=True
    )
    assert response.status_code == 200
    assert "Any news?" in response.get_data(as_text=True)
    assert _comment_count(app) == 1


def test_token_from_another_session_is_refused(app, make):
    alice, bob = make.user(), make.user()
    service_request = make.request(alice)
    alice_client, bob_client = app.test_client(), app.test_client()
    alice_client.login(alice.email)
    bob_client.login(bob.email)
    bobs_token = bob_client.csrf_token("/")
    response = alice_client.post(
        f"/requests/{service_request.reference}/comments",
        data={"body": "Sent with someone else's token"},
        headers={"HX-Request": "true", "X-CSRFToken": bobs_token},
    )
    assert _expired_page(response)
    assert _comment_count(app) == 0


def test_token_from_before_sign_in_is_refused(app, client, make):
    """Signing in starts a fresh session, so the sign-in page's token dies with it."""
    person = make.user()
    token_before = client.csrf_token("/login")
    signed_in = client.post(
        "/login",
        data={"email": person.email, "password": make.PASSWORD, "csrf_token": token_before},
    )
    assert signed_in.status_code in (302, 303)
    response = client.post("/requests/new", data={**NEW_REQUEST, "csrf_token": token_before})
    assert _expired_page(response)
    assert _request_count(app) == 0


def test_login_page_has_csrf_meta_tag(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert CSRF_META.search(response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/", "/requests/", "/requests/new", "detail"])
def test_requester_pages_have_csrf_meta_tag(client, make, path):
    person = make.user()
    service_request = make.request(person)
    client.login(person.email)
    if path == "detail":
        path = f"/requests/{service_request.reference}"
    response = client.get(path)
    assert response.status_code == 200
    assert CSRF_META.search(response.get_data(as_text=True))


def test_board_has_csrf_meta_tag(client, make):
    make.request(make.user())
    client.login(make.agent().email)
    response = client.get("/board")
    assert response.status_code == 200
    assert CSRF_META.search(response.get_data(as_text=True))
