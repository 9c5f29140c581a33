"""In-app notifications: who is told, the bell, the list, and marking as read."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import Notification

START = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
MESSAGE = re.compile(r'<span class="notification-text">([^<]*)</span>')


def _add(app, user, message: str, link: str = "/", minutes: int = 0) -> int:
    with app.app_context():
        notification = Notification(
            user_id=user.id, kind="test", message=message, link=link,
            created_at=START + timedelta(minutes=minutes),
        )
        db.session.add(notification)
        db.session.commit()
        return notification.id


def _all(app, user=None) -> list[Notification]:
    with app.app_context():
        query = select(Notification).order_by(Notification.id)
        if user is not None:
            query = query.where(Notification.user_id == user.id)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def _unread(app, user) -> int:
    return sum(1 for n in _all(app, user) if n.read_at is None)


def _listed(client, page: int = 1) -> list[str]:
    response = client.get(f"/notifications/?page={page}")
    assert response.status_code == 200
    return MESSAGE.findall(response.get_data(as_text=True))


def _header(client, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    header = re.search(r'<header class="site-header">.*?</header>', page, re.S)
    assert header, page
    return visible_text(header.group(0))


def test_a_staff_reply_tells_the_requester(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    agent = make.agent(name="Alex Moreau")
    client.login(agent.email)

    response = client.form_post(
        f"/requests/{sr.reference}/comments", {"body": "On my way", "visibility": "public"}
    )

    assert response.status_code == 303
    [note] = _all(app, rosa)
    assert note.kind == "request_reply"
    assert note.message == f"Alex Moreau from IT replied to your request {sr.reference}."
    assert note.link == f"/requests/{sr.reference}"
    assert note.read_at is None
    assert _all(app, agent) == []


def test_internal_notes_and_the_requesters_own_messages_tell_nobody(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(make.agent().email)
    client.form_post(
        f"/requests/{sr.reference}/comments", {"body": "Check the BIOS", "visibility": "internal"}
    )
    client.login(rosa.email)
    client.form_post(f"/requests/{sr.reference}/comments", {"body": "Any news?"})

    assert _all(app) == []


def test_the_bell_shows_the_unread_count(app, client, make):
    rosa = make.requester()
    client.login(rosa.email)
    assert "unread" not in _header(client)

    _add(app, rosa, "One")
    assert "Notifications 1 unread" in _header(client)
    _add(app, rosa, "Two")
    read = _add(app, rosa, "Three")
    with app.app_context():
        db.session.get(Notification, read).read_at = START
        db.session.commit()
    _add(app, make.requester(), "Someone else's")

    sr = make.request(rosa)
    for path in ("/", f"/requests/{sr.reference}", "/notifications/", "/requests/"):
        assert "Notifications 2 unread" in _header(client, path)


def test_the_list_shows_only_your_own_newest_first(app, client, make):
    rosa, omar = make.requester(), make.requester()
    _add(app, rosa, "Older", minutes=1)
    _add(app, rosa, "Newest", minutes=30)
    _add(app, rosa, "Middle", minutes=10)
    _add(app, omar, "Omar's secret", minutes=20)
    client.login(rosa.email)

    assert _listed(client) == ["Newest", "Middle", "Older"]


def test_the_list_is_paged(app, client, make):
    rosa = make.requester()
    for n in range(12):
        _add(app, rosa, f"Message {n:02d}", minutes=n)
    client.login(rosa.email)

    assert _listed(client) == [f"Message {n:02d}" for n in range(11, 1, -1)]
    assert _listed(client, page=2) == ["Message 01", "Message 00"]
    assert _listed(client, page=3) == []


def test_an_empty_list_says_so(client, make):
    client.login(make.requester().email)
    response = client.get("/notifications/")
    assert "Nothing yet" in visible_text(response.get_data(as_text=True))
    assert "Mark all as read" not in response.get_data(as_text=True)


def test_opening_marks_read_and_follows_the_link(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    first = _add(app, rosa, "Reply", link=f"/requests/{sr.reference}")
    _add(app, rosa, "Other")
    client.login(rosa.email)

    response = client.form_post(f"/notifications/{first}/open")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/requests/{sr.reference}"
    opened, other = _all(app, rosa)
    assert opened.read_at is not None
    assert other.read_at is None
    assert "Notifications 1 unread" in _header(client)

    again = client.form_post(f"/notifications/{first}/open")
    assert again.headers["Location"] == f"/requests/{sr.reference}"
    assert _all(app, rosa)[0].read_at == opened.read_at


@pytest.mark.parametrize(
    "link",
    ["https://evil.example/phish", "//evil.example/phish", "/\\evil.example", "javascript:alert(1)",
     "", "relative/path"],
)
def test_opening_goes_only_to_a_local_path(app, client, make, link):
    rosa = make.requester()
    notification = _add(app, rosa, "Odd link", link=link)
    client.login(rosa.email)

    response = client.form_post(f"/notifications/{notification}/open")

    assert response.status_code == 303
    assert response.headers["Location"] == "/notifications/"
    assert _unread(app, rosa) == 0


@pytest.mark.parametrize("which", ["someone else's", "unknown", "too big"])
def test_someone_elses_notification_is_not_found(app, client, make, which):
    rosa, omar = make.requester(), make.requester()
    theirs = _add(app, omar, "For Omar", link="/requests/")
    target = {"someone else's": theirs, "unknown": theirs + 100, "too big": 2**31}[which]
    client.login(rosa.email)

    response = client.form_post(f"/notifications/{target}/open")

    assert response.status_code == 404
    assert _unread(app, omar) == 1


def test_read_all_marks_only_your_own(app, client, make):
    rosa, omar = make.requester(), make.requester()
    for n in range(3):
        _add(app, rosa, f"Rosa {n}")
    _add(app, omar, "Omar")
    client.login(rosa.email)

    response = client.form_post("/notifications/read-all")

    assert response.status_code == 303
    assert response.headers["Location"] == "/notifications/"
    assert _unread(app, rosa) == 0
    assert _unread(app, omar) == 1
    page = client.get("/notifications/").get_data(as_text=True)
    assert "All caught up." in visible_text(page)
    assert "unread" not in _header(client)
    assert "Mark all as read" not in page

    again = client.form_post("/notifications/read-all", follow_redirects=True)
    assert "Nothing new to mark." in visible_text(again.get_data(as_text=True))


def test_get_never_changes_anything(app, client, make):
    rosa = make.requester()
    notification = _add(app, rosa, "Unread", link="/requests/")
    client.login(rosa.email)

    assert client.get("/notifications/").status_code == 200
    assert client.get(f"/notifications/{notification}/open").status_code == 405
    assert client.get("/notifications/read-all").status_code == 405
    assert client.get("/notifications/?page=2").status_code == 200

    assert _unread(app, rosa) == 1


def test_posts_without_a_csrf_token_change_nothing(app, client, make):
    rosa = make.requester()
    notification = _add(app, rosa, "Unread", link="/requests/")
    client.login(rosa.email)

    assert client.post(f"/notifications/{notification}/open").status_code == 400
    assert client.post("/notifications/read-all").status_code == 400

    assert _unread(app, rosa) == 1


def test_signed_out_visitors_are_sent_to_sign_in(app, client, make):
    notification = _add(app, make.requester(), "Hidden")
    assert "/login" in client.get("/notifications/").headers["Location"]
    response = client.form_post(f"/notifications/{notification}/open")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert _all(app)[0].read_at is None


@pytest.mark.parametrize(
    ("url", "budget"), [("/notifications/", 3), ("/notifications/?page=2", 3), ("/", 4)]
)
def test_pages_keep_a_fixed_query_count(app, client, make, count_queries, url, budget):
    rosa = make.requester()
    for n in range(3):
        _add(app, rosa, f"First {n}", minutes=n)
    client.login(rosa.email)
    with count_queries() as small:
        assert client.get(url).status_code == 200

    for n in range(40):
        _add(app, rosa, f"More {n}", minutes=100 + n)
    with count_queries() as large:
        assert client.get(url).status_code == 200

    assert len(small) == len(large)
    assert len(large) <= budget, large
