"""Sessions end on the server: sign-out, new passwords, switched-off accounts, idleness."""

from __future__ import annotations

import time

from sqlalchemy import select

from tracker.auth.sessions import SEEN_KEY, VERSION_KEY
from tracker.config import Config
from tracker.extensions import db
from tracker.models import Role, User


def _signed_in(client) -> bool:
    return client.get("/requests/").status_code == 200


def _second_device(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _version(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(User.session_version).where(User.id == user_id))


def _person_form(person, **changes) -> dict:
    data = {"display_name": person.display_name, "email": person.email, "job_title": "",
            "phone": "", "unit": "", "roles": [], "it_buddy": "", "active": "y",
            "password": ""}
    data.update(changes)
    return data


def test_new_accounts_start_at_version_one(app, make):
    assert _version(app, make.user().id) == 1


def test_sign_in_issues_a_new_session_cookie_with_the_version(app, client, make):
    person = make.user()
    client.get("/login")
    before = client.get_cookie("session").value
    client.login(person.email)
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert session[VERSION_KEY] == 1
        assert abs(session[SEEN_KEY] - time.time()) < 5


def test_copied_cookie_is_refused_after_sign_out(app, client, make):
    person = make.user()
    client.login(person.email)
    stolen = client.get_cookie("session").value
    assert client.form_post("/logout").status_code == 302
    assert _version(app, person.id) == 2
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/requests/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_sign_out_signs_out_everywhere(app, client, make):
    person = make.user()
    client.login(person.email)
    laptop = app.test_client()
    laptop.login(person.email)
    assert _signed_in(laptop)
    client.form_post("/logout")
    assert not _signed_in(laptop)
    laptop.login(person.email)
    assert _signed_in(laptop)


def test_sign_out_page_says_it_signs_out_everywhere(client, make):
    client.login(make.user().email)
    assert "signs you out everywhere" in client.get("/logout").get_data(as_text=True)


def test_new_password_from_an_administrator_ends_that_persons_sessions(app, client, make):
    person = make.user()
    victim = app.test_client()
    victim.login(person.email)
    admin = make.user(roles=(Role.ADMIN,))
    client.login(admin.email)
    response = client.form_post(
        f"/admin/people/{person.id}", _person_form(person, password="a brand new secret")
    )
    assert response.status_code in (302, 303)
    assert _version(app, person.id) == 2
    assert not _signed_in(victim)
    assert victim.login(person.email, "a brand new secret").status_code == 302


def test_edit_without_password_change_keeps_sessions(app, client, make):
    person = make.user()
    other = app.test_client()
    other.login(person.email)
    client.login(make.user(roles=(Role.ADMIN,)).email)
    client.form_post(f"/admin/people/{person.id}", _person_form(person, job_title="Planner"))
    assert _version(app, person.id) == 1
    assert _signed_in(other)


def test_administrator_changing_own_password_stays_signed_in_here_only(app, client, make):
    admin = make.user(roles=(Role.ADMIN,))
    client.login(admin.email)
    elsewhere = _second_device(app, client)
    response = client.form_post(
        f"/admin/people/{admin.id}",
        _person_form(admin, roles=["admin"], password="a brand new secret"),
    )
    assert response.status_code in (302, 303)
    assert _signed_in(client)
    assert not _signed_in(elsewhere)


def test_switching_an_account_off_ends_its_sessions_for_good(app, client, make):
    person = make.user()
    victim = app.test_client()
    victim.login(person.email)
    cookie = victim.get_cookie("session").value
    client.login(make.user(roles=(Role.ADMIN,)).email)
    client.form_post(f"/admin/people/{person.id}", _person_form(person, active=""))
    assert not _signed_in(victim)
    client.form_post(f"/admin/people/{person.id}", _person_form(person, active="y"))
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert not _signed_in(replay)


def test_session_without_a_version_is_refused(client, make):
    client.login(make.user().email)
    with client.session_transaction() as session:
        del session[VERSION_KEY]
    assert not _signed_in(client)


def test_idle_session_is_signed_out_with_a_friendly_message(app, client, make):
    client.login(make.user().email)
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - 121 * 60
    response = client.get("/requests/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"])
    assert "You were signed out after a while without activity" in page.get_data(as_text=True)
    assert not _signed_in(client)


def test_session_used_within_the_idle_limit_stays(client, make):
    client.login(make.user().email)
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - 119 * 60
    assert _signed_in(client)


def test_last_seen_is_refreshed_at_most_once_a_minute(client, make):
    client.login(make.user().email)
    recent = int(time.time()) - 30
    with client.session_transaction() as session:
        session[SEEN_KEY] = recent
    client.get("/requests/")
    with client.session_transaction() as session:
        assert session[SEEN_KEY] == recent
        session[SEEN_KEY] = recent - 60
    client.get("/requests/")
    with client.session_transaction() as session:
        assert abs(session[SEEN_KEY] - time.time()) < 5


def _session_cookies(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]


def test_the_cookie_is_sent_again_only_when_the_session_changed(client, make):
    client.login(make.user().email)
    client.get("/requests/")  # its forms' CSRF token joins the session
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - 30
    assert _session_cookies(client.get("/requests/")) == []
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time()) - 90
    renewed = _session_cookies(client.get("/requests/"))
    assert len(renewed) == 1
    assert "Expires=" in renewed[0]  # a permanent session: its expiry moves on with it
    assert _signed_in(client)


def test_idle_limit_comes_from_the_environment(tmp_path):
    config = Config(str(tmp_path), {"RAPPORT_IDLE_MINUTES": "30", "SECRET_KEY": "x"})
    assert config.RAPPORT_IDLE_MINUTES == 30
    assert Config(str(tmp_path), {"SECRET_KEY": "x"}).RAPPORT_IDLE_MINUTES == 120
