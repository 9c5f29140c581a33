"""Business units for administrators: list, add, edit, who may."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import BusinessUnit, Role

ROUTES = ["/admin/units", "/admin/units/new", "/admin/units/{id}", "/admin/people",
          "/admin/people/new", "/admin/people/{id}", "/admin/import"]


def _admin(client, make):
    admin = make.user(name="Ada Admin", roles=(Role.ADMIN,))
    client.login(admin.email)
    return admin


def _units(app) -> list[tuple]:
    with app.app_context():
        return [
            (u.name, u.description, u.objectives, u.brm_id, u.it_buddy_id)
            for u in db.session.scalars(select(BusinessUnit).order_by(BusinessUnit.id))
        ]


@pytest.mark.parametrize("roles", [(), (Role.AGENT,), (Role.BRM,), (Role.BUDDY,)])
def test_only_admins_reach_any_admin_screen(client, make, roles):
    unit = make.unit()
    person = make.user(roles=roles)
    client.login(person.email)
    for route in ROUTES:
        url = route.format(id=unit.id if "units" in route else person.id)
        assert client.get(url).status_code == 404, url
        if route not in ("/admin/units", "/admin/people"):  # lists only answer GET
            assert client.form_post(url, {"name": "X"}).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(client, make):
    unit = make.unit()
    for route in ROUTES:
        response = client.get(route.format(id=unit.id))
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_unknown_unit_is_404(client, make):
    _admin(client, make)
    assert client.get("/admin/units/999").status_code == 404
    assert client.form_post("/admin/units/999", {"name": "X"}).status_code == 404


def test_list_shows_brm_buddy_people_and_links(client, make):
    brm = make.user(name="Bea Brm", roles=(Role.BRM,))
    buddy = make.user(name="Bo Buddy", roles=(Role.AGENT, Role.BUDDY))
    finance = make.unit("Finance", brm=brm, buddy=buddy)
    make.unit("Legal")
    make.requester(unit=finance)
    make.requester(unit=finance)
    make.requester(unit=finance, active=False)
    _admin(client, make)
    response = client.get("/admin/units")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = visible_text(page)
    assert "Finance Bea Brm Bo Buddy 2" in text
    assert "Legal No BRM yet No IT buddy yet 0" in text
    assert f'href="/admin/units/{finance.id}"' in page
    assert f'href="/units/{finance.id}"' in page
    assert 'aria-current="page">Units' in page
    assert "style=" not in page and "<script>" not in page


def _form(**changes) -> dict:
    data = {"name": "Marketing", "description": "Campaigns and brand",
            "objectives": "Launch the spring campaign\r\n\r\nGrow newsletter to 10k", "brm": "",
            "it_buddy": ""}
    data.update(changes)
    return data


def test_admin_adds_a_unit_with_brm_buddy_and_objectives(app, client, make):
    brm = make.user(roles=(Role.BRM,))
    buddy = make.user(roles=(Role.BUDDY,))
    _admin(client, make)
    form_page = client.get("/admin/units/new").get_data(as_text=True)
    assert "No BRM yet" in form_page and "No IT buddy yet" in form_page
    response = client.form_post(
        "/admin/units/new", _form(brm=str(brm.id), it_buddy=str(buddy.id))
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/units")
    assert _units(app) == [("Marketing", "Campaigns and brand",
                            "Launch the spring campaign\nGrow newsletter to 10k", brm.id, buddy.id)]
    assert "Added Marketing." in client.get("/admin/units").get_data(as_text=True)


def test_only_active_brms_and_buddies_are_offered(client, make):
    brm = make.user(name="Bea Brm", roles=(Role.BRM,))
    make.user(name="Gone Brm", roles=(Role.BRM,), active=False)
    make.user(name="Plain Agent", roles=(Role.AGENT,))
    buddy = make.user(name="Bo Buddy", roles=(Role.BUDDY,))
    _admin(client, make)
    page = client.get("/admin/units/new").get_data(as_text=True)
    assert f'value="{brm.id}"' in page and f'value="{buddy.id}"' in page
    assert "Gone Brm" not in page and "Plain Agent" not in page
    agent_only = make.user(roles=(Role.AGENT,))
    response = client.form_post("/admin/units/new", _form(brm=str(agent_only.id)))
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Please give the unit a name."),
        ({"name": "x" * 121}, "name", "Please keep the name under 120 characters."),
        ({"objectives": "\n".join(f"Goal {n}" for n in range(11))}, "objectives",
         "Please list at most 10 objectives (there are 11)."),
        ({"objectives": "ok\n" + "y" * 201}, "objectives",
         "Objective 2 is 201 characters; please keep each under 200."),
        ({"brm": "12345"}, "brm", "Please choose someone from the list."),
    ],
)
def test_bad_values_are_explained_kept_and_nothing_stored(app, client, make, changes, field,
                                                          message):
    _admin(client, make)
    response = client.form_post("/admin/units/new", _form(**changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in page
    assert "Campaigns and brand" in page  # what was typed is still there
    assert _units(app) == []


def test_names_are_unique_whatever_the_case(app, client, make):
    make.unit("Marketing")
    other = make.unit("Sales")
    _admin(client, make)
    response = client.form_post("/admin/units/new", _form(name="  marketing "))
    assert response.status_code == 422
    assert "There is already a unit called marketing." in visible_text(
        response.get_data(as_text=True))
    renamed = client.form_post(f"/admin/units/{other.id}", _form(name="MARKETING"))
    assert renamed.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BusinessUnit)) == 2
        assert db.session.get(BusinessUnit, other.id).name == "Sales"


def test_editing_prefills_and_saves(app, client, make):
    brm = make.user(roles=(Role.BRM,))
    unit = make.unit("Finance", brm=brm)
    with app.app_context():
        db.session.get(BusinessUnit, unit.id).objectives = "Close in 5 days\nFewer spreadsheets"
        db.session.commit()
    _admin(client, make)
    page = client.get(f"/admin/units/{unit.id}").get_data(as_text=True)
    assert 'value="Finance"' in page
    assert "Close in 5 days\nFewer spreadsheets</textarea>" in page
    assert f'<option selected value="{brm.id}">' in page
    # Renaming to a different case of its own name is fine; clearing the BRM too.
    response = client.form_post(f"/admin/units/{unit.id}",
                                _form(name="FINANCE", description="", objectives=""))
    assert response.status_code == 303
    assert _units(app) == [("FINANCE", "", "", None, None)]


def test_a_brm_who_lost_the_role_stays_selectable_on_their_unit(app, client, make):
    former = make.user(name="Former Brm", roles=())
    unit = make.unit("Finance", brm=former)
    _admin(client, make)
    page = client.get(f"/admin/units/{unit.id}").get_data(as_text=True)
    assert "Former Brm" in page and "(no longer a BRM)" in page
    response = client.form_post(f"/admin/units/{unit.id}",
                                _form(name="Finance", brm=str(former.id)))
    assert response.status_code == 303


def _list_queries(client, count_queries) -> int:
    with count_queries() as statements:
        response = client.get("/admin/units")
    assert response.status_code == 200
    return len(statements)


def test_list_runs_a_fixed_number_of_queries(client, make, count_queries):
    _admin(client, make)
    brm, buddy = make.user(roles=(Role.BRM,)), make.user(roles=(Role.BUDDY,))
    make.requester(unit=make.unit(brm=brm, buddy=buddy))
    small = _list_queries(client, count_queries)
    for _ in range(12):
        unit = make.unit(brm=make.user(roles=(Role.BRM,)), buddy=make.user(roles=(Role.BUDDY,)))
        make.requester(unit=unit)
    large = _list_queries(client, count_queries)
    assert small == large <= 3
