"""A person's page (their BRM and IT buddy) and an IT buddy's "My people"."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.relationships.dash_support import page_text
from tracker.models import BusinessUnit, Role, ServiceRequest, User


@dataclass
class Scene:
    unit: BusinessUnit
    other_unit: BusinessUnit
    brm: User
    buddy: User
    personal_buddy: User
    other_buddy: User
    agent: User
    admin: User
    rosa: User  # in Finance, the unit's buddy applies
    paul: User  # in Finance, with a personal buddy
    omar: User  # in Logistics, with Ben as personal buddy
    lena: User  # in Logistics, nothing to do with Ben
    nobody: User  # no unit, no buddy
    gone: User  # switched off, Ben was their personal buddy
    requests: dict[str, ServiceRequest]

    def person(self, who: str) -> User:
        return getattr(self, who)


@pytest.fixture
def scene(make) -> Scene:
    brm = make.user(roles=(Role.BRM,), name="Priya Natarajan", email="priya@example.com")
    buddy = make.user(roles=(Role.AGENT, Role.BUDDY), name="Ben Ito", email="ben@example.com")
    personal = make.user(roles=(Role.BUDDY,), name="Pat Quinn", email="pat@example.com")
    other_buddy = make.user(roles=(Role.AGENT, Role.BUDDY), name="Gil Moss",
                            email="gil@example.com")
    agent = make.agent(name="Alex Moreau")
    admin = make.user(roles=(Role.ADMIN,), name="Ada Admin")
    unit = make.unit("Finance", brm=brm, buddy=buddy)
    other_unit = make.unit("Logistics", buddy=other_buddy)
    rosa = make.requester(unit=unit, name="Rosa Jimenez")
    paul = make.requester(unit=unit, name="Paul Adeyemi", buddy=personal)
    omar = make.requester(unit=other_unit, name="Omar Lind", buddy=buddy)
    lena = make.requester(unit=other_unit, name="Lena Sato")
    nobody = make.requester(name="Nina Free")
    gone = make.requester(unit=other_unit, name="Gus Gone", buddy=buddy, active=False)
    requests = {
        "rosa_open": make.request(rosa, title="Rosa open printer"),
        "rosa_done": make.request(rosa, title="Rosa closed laptop", stage="closed"),
        "paul_open": make.request(paul, title="Paul waiting VPN", stage="waiting_on_requester"),
        "omar_open": make.request(omar, title="Omar open forklift", stage="in_progress"),
        "lena_open": make.request(lena, title="Lena open scanner"),
    }
    return Scene(unit, other_unit, brm, buddy, personal, other_buddy, agent, admin, rosa, paul,
                 omar, lena, nobody, gone, requests)


# --- a person's page ------------------------------------------------------------------------

STAFF = {"agent", "buddy", "personal_buddy", "admin"}


@pytest.mark.parametrize("who", ["rosa", "brm", "agent", "buddy", "personal_buddy", "admin"])
def test_a_persons_page_is_for_it_staff_only(client, scene, who):
    client.login(scene.person(who).email)
    response = client.get(f"/people/{scene.paul.id}")
    assert response.status_code == (200 if who in STAFF else 404)


def test_requesters_cannot_even_see_their_own_page(client, scene):
    client.login(scene.rosa.email)
    assert client.get(f"/people/{scene.rosa.id}").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, scene):
    response = client.get(f"/people/{scene.rosa.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "path", ["/people/999999", "/people/99999999999", "/people/2147483648", "/people/0"]
)
def test_unknown_people_are_not_found(client, scene, path):
    client.login(scene.agent.email)
    assert client.get(path).status_code == 404


def test_the_units_brm_and_buddy_are_shown_with_their_email(client, scene):
    client.login(scene.agent.email)
    text = page_text(client.get(f"/people/{scene.rosa.id}"))
    assert "IT buddy Ben Ito ben@example.com Their unit's IT buddy" in text
    assert "Business relationship manager Priya Natarajan priya@example.com Their unit's BRM" in (
        text
    )
    assert "Personal buddy" not in text
    assert "Unit: Finance" in text


def test_a_personal_buddy_overrides_the_units(client, scene):
    client.login(scene.agent.email)
    text = page_text(client.get(f"/people/{scene.paul.id}"))
    assert "IT buddy Pat Quinn pat@example.com Personal buddy, set just for them" in text
    assert "Ben Ito" not in text
    # The BRM is always the unit's.
    assert "Priya Natarajan priya@example.com Their unit's BRM" in text


def test_someone_without_a_unit_has_nobody_assigned(client, scene):
    client.login(scene.agent.email)
    text = page_text(client.get(f"/people/{scene.nobody.id}"))
    assert "IT buddy Not assigned yet" in text
    assert "Business relationship manager Not assigned yet" in text


def test_the_persons_requests_open_ones_first(client, scene):
    client.login(scene.agent.email)
    text = page_text(client.get(f"/people/{scene.rosa.id}"))
    assert "Their requests (1 open)" in text
    assert text.index("Rosa open printer") < text.index("Rosa closed laptop")
    assert "Paul waiting VPN" not in text


def test_the_person_page_runs_a_fixed_number_of_queries(client, make, scene, count_queries):
    client.login(scene.agent.email)
    with count_queries() as few:
        assert client.get(f"/people/{scene.rosa.id}").status_code == 200
    for n in range(12):
        make.request(scene.rosa, title=f"More {n}", stage="closed" if n % 2 else "new")
    client.login(scene.agent.email)
    with count_queries() as many:
        assert client.get(f"/people/{scene.rosa.id}").status_code == 200
    assert len(few) == len(many), "\n".join(many)


# --- my people ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("rosa", 404), ("brm", 404), ("agent", 404), ("buddy", 200), ("personal_buddy", 200)],
)
def test_my_people_is_for_it_buddies(client, scene, who, status):
    client.login(scene.person(who).email)
    assert client.get("/my-people").status_code == status


def test_my_people_is_not_for_signed_out_visitors(client, scene):
    response = client.get("/my-people")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_my_people_lists_my_units_my_people_and_their_open_requests(client, scene):
    client.login(scene.buddy.email)
    text = page_text(client.get("/my-people"))
    # Finance: 2 people, 2 open (Rosa's and Paul's); its BRM is shown.
    assert "Finance BRM Priya Natarajan 2 2" in text
    assert "Logistics" in text  # as Omar's unit
    assert "Omar Lind Logistics 1" in text
    # Their open requests, and only theirs.
    assert "Their open requests (3)" in text
    for title in ("Rosa open printer", "Paul waiting VPN", "Omar open forklift"):
        assert title in text
    assert "Rosa closed laptop" not in text
    assert "Lena" not in text
    # Switched-off people are not listed.
    assert "Gus Gone" not in text


def test_another_buddy_sees_only_their_own(client, scene):
    client.login(scene.personal_buddy.email)
    text = page_text(client.get("/my-people"))
    assert "No units." in text
    assert "Paul Adeyemi Finance 1" in text
    assert "Their open requests (1)" in text
    assert "Paul waiting VPN" in text
    assert "Rosa" not in text and "Omar" not in text

    client.login(scene.other_buddy.email)
    text = page_text(client.get("/my-people"))
    # Logistics has Omar, Lena (Gus is switched off): their open requests.
    assert "Logistics 2 2" in text
    assert "Nobody has you as a personal buddy." in text
    assert "Omar open forklift" in text and "Lena open scanner" in text
    assert "Finance" not in text


def test_a_buddy_with_nobody_is_told_so(client, make, scene):
    lonely = make.user(roles=(Role.BUDDY,), name="Lou Alone")
    client.login(lonely.email)
    assert "You aren't anyone's IT buddy yet." in page_text(client.get("/my-people"))


def test_my_people_runs_a_fixed_number_of_queries(client, make, scene, count_queries):
    client.login(scene.buddy.email)
    with count_queries() as few:
        assert client.get("/my-people").status_code == 200
    for n in range(3):
        unit = make.unit(f"Extra {n}", buddy=scene.buddy)
        person = make.requester(unit=unit)
        mine = make.requester(unit=scene.other_unit, buddy=scene.buddy)
        for who in (person, mine):
            make.request(who, title=f"Extra request {n}")
    client.login(scene.buddy.email)
    with count_queries() as many:
        response = client.get("/my-people")
    assert "Their open requests (9)" in page_text(response)
    assert len(few) == len(many), "\n".join(many)
