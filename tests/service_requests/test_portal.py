"""The portal home, "my requests" and the staff list."""

from __future__ import annotations

from datetime import timedelta

from tests.pages import visible_text
from tracker.models import Role, Stage


def test_home_asks_how_we_can_help_in_plain_words(client, make):
    client.login(make.requester(name="Rosa Jimenez").email)
    text = visible_text(client.get("/").get_data(as_text=True))
    assert "How can we help, Rosa?" in text
    for choice in ("Something is broken", "I need access", "I need something new",
                   "I have a question", "I have an idea"):
        assert choice in text


def test_home_links_each_choice_to_the_form_with_it_chosen(client, make):
    client.login(make.requester().email)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/requests/new?category=broken"' in page
    assert 'href="/requests/new?category=idea"' in page


def test_home_lists_open_requests_but_not_closed_ones(client, make):
    rosa = make.requester()
    make.request(rosa, title="Open one", stage=Stage.IN_PROGRESS)
    make.request(rosa, title="Done one", stage=Stage.RESOLVED)
    make.request(rosa, title="Old closed one", stage=Stage.CLOSED)
    make.request(make.requester(), title="Not mine")
    client.login(rosa.email)
    text = visible_text(client.get("/").get_data(as_text=True))
    assert "Open one" in text and "We're working on it" in text
    assert "Done one" in text and "Done — did this fix it?" in text
    assert "Old closed one" not in text
    assert "Not mine" not in text


def test_home_says_so_when_nothing_is_in_progress(client, make):
    client.login(make.requester().email)
    assert "Nothing in progress" in client.get("/").get_data(as_text=True)


def test_your_it_people_shows_the_units_brm_and_buddy(client, make):
    brm = make.user(name="Priya Natarajan", roles=(Role.BRM,), email="priya@example.com")
    buddy = make.agent(name="Alex Morgan", email="alex@example.com")
    unit = make.unit("Finance", brm=brm, buddy=buddy)
    client.login(make.requester(unit=unit).email)
    text = visible_text(client.get("/").get_data(as_text=True))
    assert "Your IT buddy Alex Morgan alex@example.com" in text
    assert "Your business relationship manager Priya Natarajan priya@example.com" in text
    assert "Finance" in text


def test_a_personal_buddy_overrides_the_units(client, make):
    unit_buddy = make.agent(name="Unit Buddy")
    personal = make.agent(name="Personal Buddy")
    unit = make.unit(buddy=unit_buddy)
    client.login(make.requester(unit=unit, buddy=personal).email)
    text = visible_text(client.get("/").get_data(as_text=True))
    assert "Personal Buddy" in text and "(just for you)" in text
    assert "Unit Buddy" not in text


def test_your_it_people_says_when_nobody_is_assigned(client, make):
    client.login(make.requester().email)
    text = visible_text(client.get("/").get_data(as_text=True))
    assert text.count("Not assigned yet") == 2


def test_my_requests_lists_only_mine_newest_first(client, make):
    rosa = make.requester()
    make.request(rosa, title="Older", age=timedelta(days=3))
    make.request(rosa, title="Newer", age=timedelta(hours=1))
    make.request(make.requester(), title="Someone else's")
    client.login(rosa.email)
    text = visible_text(client.get("/requests/").get_data(as_text=True))
    assert text.index("Newer") < text.index("Older")
    assert "Someone else's" not in text
    assert "last update" in text


def test_my_requests_is_paginated(client, make):
    rosa = make.requester()
    for n in range(12):
        make.request(rosa, title=f"Request number {n:02d}", age=timedelta(hours=n))
    client.login(rosa.email)
    first = visible_text(client.get("/requests/").get_data(as_text=True))
    second = visible_text(client.get("/requests/?page=2").get_data(as_text=True))
    assert "Request number 00" in first and "Request number 09" in first
    assert "Request number 10" not in first
    assert "Request number 10" in second and "Request number 11" in second
    assert "Page 2 of 2" in second
    beyond = client.get("/requests/?page=9")
    assert beyond.status_code == 200 and "No more requests" in beyond.get_data(as_text=True)


def test_my_requests_empty_state_invites_a_first_request(client, make):
    client.login(make.requester().email)
    text = visible_text(client.get("/requests/").get_data(as_text=True))
    assert "You haven't asked us for anything yet" in text


def test_the_old_staff_list_points_to_the_board(client, make):
    client.login(make.agent().email)
    response = client.get("/staff/requests/?stage=closed")
    assert response.status_code == 301
    assert response.headers["Location"] == "/board?view=list&closed=1"


def test_staff_land_on_the_board_and_see_priorities(client, make):
    make.request(make.requester(), title="Everything is down", impact="whole_unit",
                 urgency="blocked")
    response = client.login(make.agent().email)
    assert response.headers["Location"] == "/board"
    text = visible_text(client.get("/board").get_data(as_text=True))
    assert "Everything is down" in text
    assert "P1 · Critical" in text
