"""People for administrators: list and search, add, edit, and the rules about oneself."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.factories import Factory
from tests.pages import visible_text
from tracker.auth.passwords import verify_password
from tracker.extensions import db
from tracker.models import Role, User


def _admin(client, make) -> User:
    admin = make.user(email="ada@example.com", name="Ada Admin", roles=(Role.ADMIN,))
    client.login(admin.email)
    return admin


def _person(app, email: str) -> User | None:
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == email))
        if person is not None:
            _ = person.roles, person.password_hash
            db.session.expunge(person)
        return person


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _form(**changes) -> dict:
    data = {"display_name": "Rosa Parks", "email": "Rosa.Parks@Example.com ",
            "job_title": "Planner", "phone": "+44 20 7946 0000", "unit": "", "roles": [],
            "it_buddy": "", "active": "y", "password": "a long enough secret"}
    data.update(changes)
    return data


def test_admin_adds_a_person_with_roles_unit_and_buddy(app, client, make):
    unit = make.unit("Finance")
    buddy = make.user(name="Bo Buddy", roles=(Role.BUDDY,))
    _admin(client, make)
    page = client.get("/admin/people/new").get_data(as_text=True)
    assert "Use the unit&#39;s IT buddy" in page and "Bo Buddy" in page
    response = client.form_post("/admin/people/new", _form(
        unit=str(unit.id), it_buddy=str(buddy.id), roles=["agent", "brm"]))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/people")
    rosa = _person(app, "rosa.parks@example.com")
    assert (rosa.display_name, rosa.job_title, rosa.phone) == (
        "Rosa Parks", "Planner", "+44 20 7946 0000")
    assert (rosa.business_unit_id, rosa.it_buddy_id, rosa.active) == (unit.id, buddy.id, True)
    assert rosa.roles == {Role.REQUESTER, Role.AGENT, Role.BRM}
    assert verify_password(rosa.password_hash, "a long enough secret")
    assert client.login("rosa.parks@example.com", "a long enough secret").status_code == 302


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"display_name": " "}, "display_name", "Please give the person&#39;s name."),
        ({"email": "rosa.example.com"}, "email",
         "Please give a valid e-mail address, like name@example.com."),
        ({"email": ""}, "email", "Please give the person&#39;s work e-mail address."),
        ({"password": "short"}, "password", "The password needs at least 12 characters."),
        ({"password": ""}, "password",
         "Please set a password for the new person; they can change it later."),
        ({"roles": ["wizard"]}, "roles", "Please choose from the roles shown."),
        ({"phone": "1" * 41}, "phone", "Please keep it under 40 characters."),
    ],
)
def test_bad_values_are_explained_kept_and_nothing_stored(app, client, make, changes, field,
                                                          message):
    _admin(client, make)
    before = _count(app)
    response = client.form_post("/admin/people/new", _form(**changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in page
    assert 'value="Planner"' in page  # typed values are kept
    assert _count(app) == before


def test_email_is_unique_whatever_the_case(app, client, make):
    make.user(email="rosa.parks@example.com")
    other = make.user(email="other@example.com")
    _admin(client, make)
    response = client.form_post("/admin/people/new", _form(email="ROSA.parks@example.com"))
    assert response.status_code == 422
    assert "There is already an account for rosa.parks@example.com." in visible_text(
        response.get_data(as_text=True))
    edit = client.form_post(f"/admin/people/{other.id}",
                            _form(email="rosa.parks@example.com", password=""))
    assert edit.status_code == 422
    assert _person(app, "other@example.com") is not None


def test_editing_prefills_keeps_password_and_changes_roles(app, client, make):
    unit = make.unit("Finance")
    rosa = make.user(email="rosa@example.com", name="Rosa", roles=(Role.AGENT,), unit=unit)
    _admin(client, make)
    page = client.get(f"/admin/people/{rosa.id}").get_data(as_text=True)
    assert 'value="rosa@example.com"' in page
    assert 'checked id="roles-0" name="roles" type="checkbox" value="agent"' in page
    assert f'<option selected value="{unit.id}">Finance</option>' in page
    response = client.form_post(f"/admin/people/{rosa.id}", _form(
        display_name="Rosa P", email="rosa@example.com", password="", roles=["buddy"],
        active=""))
    assert response.status_code == 303
    saved = _person(app, "rosa@example.com")
    assert saved.display_name == "Rosa P" and saved.active is False
    assert saved.business_unit_id is None
    assert saved.roles == {Role.REQUESTER, Role.BUDDY}
    assert verify_password(saved.password_hash, Factory.PASSWORD)  # unchanged
    client.form_post(f"/admin/people/{rosa.id}", _form(
        email="rosa@example.com", password="a brand new secret", active="y"))
    assert verify_password(_person(app, "rosa@example.com").password_hash, "a brand new secret")


def test_unknown_person_is_404(client, make):
    _admin(client, make)
    assert client.get("/admin/people/999").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"roles": ["agent"]}, "roles", "You can't remove your own administrator role."),
        ({"roles": ["admin"], "active": ""}, "active",
         "You can't switch off your own account while you are signed in with it."),
    ],
)
def test_admins_cannot_demote_or_switch_off_themselves(app, client, make, changes, field,
                                                        message):
    admin = _admin(client, make)
    response = client.form_post(f"/admin/people/{admin.id}", _form(
        display_name="Renamed", email=admin.email, password="", **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error">{message}' in page.replace("&#39;", "'")
    saved = _person(app, admin.email)
    assert saved.display_name == "Ada Admin" and saved.active
    assert Role.ADMIN in saved.roles


def test_admins_can_demote_another_admin(app, client, make):
    other = make.user(email="other@example.com", roles=(Role.ADMIN,))
    _admin(client, make)
    response = client.form_post(f"/admin/people/{other.id}", _form(
        email="other@example.com", password="", roles=[]))
    assert response.status_code == 303
    assert _person(app, "other@example.com").roles == {Role.REQUESTER}


def test_list_searches_filters_and_pages(client, make):
    finance, legal = make.unit("Finance"), make.unit("Legal")
    buddy = make.user(name="Bo Buddy", roles=(Role.BUDDY,))
    make.user(name="Rosa Finance", email="rosa@example.com", unit=finance, buddy=buddy)
    make.user(name="Lou Legal", email="lou@law.example.com", unit=legal, active=False)
    _admin(client, make)
    page = client.get("/admin/people").get_data(as_text=True)
    text = visible_text(page)
    assert "Rosa Finance rosa@example.com Finance requester Bo Buddy Yes" in text
    assert "Lou Legal lou@law.example.com Legal requester — No, switched off" in text
    assert 'aria-current="page">People' in page
    assert "Lou Legal" in client.get("/admin/people?q=LAW.example").get_data(as_text=True)
    assert "Rosa" not in client.get("/admin/people?q=LAW.example").get_data(as_text=True)
    by_unit = client.get(f"/admin/people?unit={finance.id}").get_data(as_text=True)
    assert "Rosa Finance" in by_unit and "Lou Legal" not in by_unit
    no_unit = visible_text(client.get("/admin/people?unit=none").get_data(as_text=True))
    assert "Ada Admin" in no_unit and "Rosa Finance" not in no_unit
    assert "No one matches" in client.get("/admin/people?q=%25_").get_data(as_text=True)


def test_list_pages_fifty_at_a_time(client, make):
    _admin(client, make)
    for n in range(55):
        make.user(name=f"Person {n:02d}")
    first = visible_text(client.get("/admin/people").get_data(as_text=True))
    assert "Page 1 of 2 · 56 in all" in first
    second = client.get("/admin/people?page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/admin/people/\d+"', second)) == 6


def _list_queries(client, count_queries, url) -> int:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", ["/admin/people", "/admin/people?q=person&unit={unit}"])
def test_list_runs_a_fixed_number_of_queries(client, make, count_queries, url):
    _admin(client, make)
    unit = make.unit()
    url = url.format(unit=unit.id)
    buddy = make.user(roles=(Role.BUDDY,))
    make.user(unit=unit, buddy=buddy, roles=(Role.AGENT, Role.BRM))
    small = _list_queries(client, count_queries, url)
    for _ in range(15):
        make.user(unit=unit, buddy=make.user(roles=(Role.BUDDY,)), roles=(Role.AGENT,))
    large = _list_queries(client, count_queries, url)
    assert small == large <= 5
