"""A person's own settings page: their details, their IT people, a new password."""

from __future__ import annotations

from sqlalchemy import select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import User

NEW = "a brand new password"


def _change(client, current, new=NEW, repeat=None):
    return client.form_post(
        "/settings/password",
        {"current": current, "new": new, "repeat": new if repeat is None else repeat},
    )


def _hash(app, user_id):
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.id == user_id))


def test_settings_show_the_persons_details_and_it_people(client, make):
    buddy = make.agent(name="Alex Buddy")
    unit = make.unit("Finance", buddy=buddy)
    person = make.requester(name="Rosa Example", unit=unit)
    client.login(person.email)
    page = visible_text(client.get("/settings").get_data(as_text=True))
    assert "Rosa Example" in page and person.email in page and "Finance" in page
    assert "Alex Buddy" in page
    assert 'href="/settings"' in client.get("/").get_data(as_text=True)


def test_a_new_password_works_and_ends_other_sessions(app, client, make):
    person = make.requester()
    client.login(person.email)
    other = app.test_client()
    other.login(person.email)
    response = _change(client, make.PASSWORD)
    assert response.status_code == 303
    assert client.get("/requests/").status_code == 200  # still signed in here
    assert other.get("/requests/").status_code == 302  # signed out elsewhere
    fresh = app.test_client()
    assert fresh.login(person.email, make.PASSWORD).status_code == 401
    assert fresh.login(person.email, NEW).status_code == 302


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(app, client, make):
    person = make.requester()
    client.login(person.email)
    before = _hash(app, person.id)
    response = _change(client, "not my password")
    assert response.status_code == 422
    assert "That isn't your current password." in visible_text(response.get_data(as_text=True))
    assert _hash(app, person.id) == before
    app.config["RAPPORT_LOGIN_MAX_FAILURES"], limit = 1, app.config["RAPPORT_LOGIN_MAX_FAILURES"]
    try:
        assert _change(client, make.PASSWORD).status_code == 429
    finally:
        app.config["RAPPORT_LOGIN_MAX_FAILURES"] = limit
    assert _hash(app, person.id) == before


def test_bad_new_passwords_are_explained_next_to_the_field(app, client, make):
    person = make.requester()
    client.login(person.email)
    before = _hash(app, person.id)
    for new, repeat, message in [
        ("short", "short", "Please use at least 10 characters."),
        (NEW, NEW + "!", "The two new passwords don't match."),
        (make.PASSWORD, make.PASSWORD, "That is your current password."),
    ]:
        response = _change(client, make.PASSWORD, new, repeat)
        assert response.status_code == 422
        assert message in visible_text(response.get_data(as_text=True))
    assert _hash(app, person.id) == before


def test_settings_need_signing_in(client):
    assert client.get("/settings").status_code == 302
