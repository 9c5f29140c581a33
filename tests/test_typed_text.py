"""Every form refuses text it could not store or show back as typed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import ServiceRequest
from tracker.web.forms import MESSAGE_CONTROL, MESSAGE_UNREADABLE

GOOD = {
    "category": "broken",
    "title": "Laptop won't turn on",
    "description": "Nothing happens when I press the power button.",
    "impact": "just_me",
    "urgency": "blocked",
}


def _requests(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ServiceRequest))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Laptop\x00 broken", MESSAGE_CONTROL),
        ("title", "Two\nlines", MESSAGE_CONTROL),
        ("description", "Bell \x07 rings", MESSAGE_CONTROL),
        ("description", "C1 \x85 control", MESSAGE_CONTROL),
        ("title", "Broken \ufffd text", MESSAGE_UNREADABLE),
    ],
)
def test_control_and_unreadable_characters_are_refused_next_to_the_field(
    app, client, make, field, value, message
):
    client.login(make.requester().email)
    response = client.form_post("/requests/new", {**GOOD, field: value})
    assert response.status_code == 422
    assert message in visible_text(response.get_data(as_text=True))
    assert _requests(app) == 0


def test_bytes_that_are_not_utf8_are_refused(app, client, make):
    client.login(make.requester().email)
    token = client.csrf_token("/requests/new")
    body = (
        "category=broken&impact=just_me&urgency=blocked&title=Caf%E9+printer"
        f"&description=It+jams&csrf_token={token}"
    )
    response = client.post(
        "/requests/new", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 422
    assert MESSAGE_UNREADABLE in visible_text(response.get_data(as_text=True))
    assert _requests(app) == 0


def test_line_breaks_and_tabs_are_kept_in_longer_text(app, client, make):
    client.login(make.requester().email)
    description = "First line\r\nsecond\tindented line"
    response = client.form_post("/requests/new", {**GOOD, "description": description})
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.scalar(select(ServiceRequest.description))
    assert stored == description
