"""A BRM reads their units' requests but takes no part in them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.relationships.dash_support import page_text, shape
from tracker.extensions import db
from tracker.models import RequestEvent, Role, ServiceRequest, User


@dataclass
class Scene:
    brm: User
    other_brm: User
    agent: User
    rosa: User
    colleague: User
    omar: User
    request: ServiceRequest
    other_request: ServiceRequest

    def person(self, who: str) -> User:
        return getattr(self, who)


@pytest.fixture
def scene(make) -> Scene:
    brm = make.user(roles=(Role.BRM,), name="Bea Okafor")
    other_brm = make.user(roles=(Role.BRM,), name="Olu Brandt")
    agent = make.agent(name="Alex Moreau")
    unit = make.unit("Finance", brm=brm)
    other_unit = make.unit("Logistics", brm=other_brm)
    rosa = make.requester(unit=unit, name="Rosa Jimenez")
    colleague = make.requester(unit=unit, name="Carl Colleague")
    omar = make.requester(unit=other_unit, name="Omar Lind")
    request = make.request(rosa, title="Payroll export fails")
    make.comment(request, rosa, "It fails at the last step every time.")
    make.comment(request, agent, "Looks like the export template, fixing it today.")
    make.comment(request, agent, "Internal: Rosa's macro is the real cause.", internal=True)
    other_request = make.request(omar, title="Forklift tablet frozen")
    return Scene(brm, other_brm, agent, rosa, colleague, omar, request, other_request)


def _events(app, service_request) -> int:
    with app.app_context():
        n = db.session.scalar(
            select(func.count()).where(RequestEvent.request_id == service_request.id)
        )
        db.session.remove()
    return n


def _state(app, service_request) -> tuple[str, int]:
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        state = (found.stage, found.reopen_count)
        db.session.remove()
    return state


def test_the_brm_reads_the_public_conversation(client, scene):
    client.login(scene.brm.email)
    response = client.get(f"/requests/{scene.request.reference}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Payroll export fails" in text
    assert "It fails at the last step every time." in text
    assert "fixing it today" in text
    assert "real cause" not in text
    assert "Internal note" not in text


def test_the_brm_gets_no_forms_to_take_part(app, client, scene):
    shape(app, scene.request, stage="resolved")
    client.login(scene.brm.email)
    page = client.get(f"/requests/{scene.request.reference}").get_data(as_text=True)
    ref = scene.request.reference
    assert f'action="/requests/{ref}/comments"' not in page
    assert f'action="/requests/{ref}/confirm"' not in page
    assert f'action="/requests/{ref}/reopen"' not in page
    assert f'action="/requests/{ref}/stage"' not in page
    assert 'name="body"' not in page


def test_the_requester_does_get_the_forms(app, client, scene):
    """The other side of the check above: the forms are there for the person who asked."""
    shape(app, scene.request, stage="resolved")
    client.login(scene.rosa.email)
    page = client.get(f"/requests/{scene.request.reference}").get_data(as_text=True)
    ref = scene.request.reference
    assert f'action="/requests/{ref}/comments"' in page
    assert f'action="/requests/{ref}/confirm"' in page
    assert f'action="/requests/{ref}/reopen"' in page


def test_the_brm_cannot_comment(app, client, scene):
    before = _events(app, scene.request)
    client.login(scene.brm.email)
    ref = scene.request.reference
    for visibility in ("public", "internal"):
        response = client.form_post(
            f"/requests/{ref}/comments", {"body": "BRM chiming in", "visibility": visibility}
        )
        assert response.status_code == 404
    htmx = client.form_post(f"/requests/{ref}/comments", {"body": "Via htmx"}, htmx=True)
    assert htmx.status_code == 404
    assert _events(app, scene.request) == before


def test_the_brm_cannot_confirm_reopen_or_move_the_request(app, client, scene):
    shape(app, scene.request, stage="resolved")
    before = _events(app, scene.request)
    client.login(scene.brm.email)
    ref = scene.request.reference
    assert client.form_post(f"/requests/{ref}/confirm").status_code == 404
    assert client.form_post(
        f"/requests/{ref}/reopen", {"reason": "Still broken, says the BRM"}
    ).status_code == 404
    assert client.form_post(f"/requests/{ref}/stage", {"stage": "closed"}).status_code == 404
    assert _state(app, scene.request) == ("resolved", 0)
    assert _events(app, scene.request) == before


@pytest.mark.parametrize(
    ("who", "status"),
    [("brm", 404), ("other_brm", 200), ("rosa", 404), ("colleague", 404), ("omar", 200),
     ("agent", 200)],
)
def test_who_reads_the_other_units_request(client, scene, who, status):
    client.login(scene.person(who).email)
    assert client.get(f"/requests/{scene.other_request.reference}").status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("brm", 200), ("other_brm", 404), ("rosa", 200), ("colleague", 404), ("omar", 404),
     ("agent", 200)],
)
def test_who_reads_the_units_request(client, scene, who, status):
    client.login(scene.person(who).email)
    assert client.get(f"/requests/{scene.request.reference}").status_code == status


def test_managing_a_unit_without_the_brm_role_gives_no_access(app, client, make, scene):
    # Bea loses the BRM role but is still named on the unit.
    with app.app_context():
        db.session.get(User, scene.brm.id).set_roles({Role.REQUESTER})
        db.session.commit()
    client.login(scene.brm.email)
    assert client.get(f"/requests/{scene.request.reference}").status_code == 404


def test_a_brm_of_another_unit_cannot_comment_either(app, client, scene):
    before = _events(app, scene.request)
    client.login(scene.other_brm.email)
    response = client.form_post(
        f"/requests/{scene.request.reference}/comments", {"body": "Hello from Logistics"}
    )
    assert response.status_code == 404
    assert _events(app, scene.request) == before


def test_a_requester_still_sees_only_their_own_list(client, scene):
    client.login(scene.colleague.email)
    text = page_text(client.get("/requests/"))
    assert "Payroll export fails" not in text
    client.login(scene.rosa.email)
    text = page_text(client.get("/requests/"))
    assert "Payroll export fails" in text
    assert "Forklift tablet frozen" not in text
    # Reading a unit's requests does not make them the BRM's own.
    client.login(scene.brm.email)
    assert "Payroll export fails" not in page_text(client.get("/requests/"))
