"""The touchpoint log: who keeps it, what it refuses, next actions, and its queries."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from flask import render_template
from sqlalchemy import select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import BusinessUnit, NextAction, Role, Touchpoint, User
from tracker.relationships.touchpoints import open_actions, recent_touchpoints

NOW = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


@dataclass
class Scene:
    """A unit with its BRM and IT buddy, a member, and everyone else who might try."""

    unit: BusinessUnit
    other_unit: BusinessUnit
    brm: User
    other_brm: User
    buddy: User
    agent: User
    admin: User
    member: User
    outsider: User

    def person(self, who: str) -> User:
        return getattr(self, who)


def build_scene(make) -> Scene:
    brm = make.user(roles=(Role.BRM,), name="Bea Okafor")
    other_brm = make.user(roles=(Role.BRM,), name="Olu Brandt")
    buddy = make.user(roles=(Role.AGENT, Role.BUDDY), name="Ben Ito")
    agent = make.agent(name="Alex Moreau")
    admin = make.user(roles=(Role.ADMIN,), name="Ada Admin")
    unit = make.unit("Finance", brm=brm, buddy=buddy)
    other_unit = make.unit("Logistics", brm=other_brm)
    member = make.requester(unit=unit, name="Rosa Jimenez")
    outsider = make.requester(unit=other_unit, name="Omar Lind")
    return Scene(unit, other_unit, brm, other_brm, buddy, agent, admin, member, outsider)


@pytest.fixture
def scene(make) -> Scene:
    return build_scene(make)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def page_text(response) -> str:
    return visible_text(response.get_data(as_text=True))


def add_touchpoint(app, unit, author, happened_on: date, actions=(), notes="Quarterly catch-up"):
    """Store a touchpoint directly; `actions` are (description, owner, due_on, done)."""
    with app.app_context():
        touchpoint = Touchpoint(
            business_unit_id=unit.id, happened_on=happened_on, kind="check_in",
            attendees="Priya, Sam", notes=notes, created_by_id=author.id,
            actions=[
                NextAction(business_unit_id=unit.id, description=d, owner=o, due_on=due,
                           done_at=NOW if done else None)
                for d, o, due, done in actions
            ],
        )
        db.session.add(touchpoint)
        db.session.commit()
        return touchpoint.id, [action.id for action in touchpoint.actions]


def stored(app, model) -> list:
    with app.app_context():
        found = list(db.session.scalars(select(model).order_by(model.id)))
        db.session.expunge_all()
        return found


def form_data(**overrides) -> dict:
    data = {
        "happened_on": "2026-05-11",
        "kind": "meeting",
        "attendees": "Priya (Finance lead), Ben (IT buddy)",
        "notes": "Month-end close is slow because of the reporting tool.",
        "actions-0-description": "Send the reporting tool options",
        "actions-0-owner": "Ben",
        "actions-0-due_on": "2026-05-20",
        "actions-1-description": "",
        "actions-1-owner": "",
        "actions-1-due_on": "",
        "actions-2-description": "",
        "actions-2-owner": "",
        "actions-2-due_on": "",
    }
    data.update(overrides)
    return data


# --- who may do what -----------------------------------------------------------------------

LOG_VIEWERS = {"agent", "buddy", "brm", "admin"}
LOG_KEEPERS = {"buddy", "brm", "admin"}
EVERYONE = ["member", "outsider", "agent", "buddy", "brm", "other_brm", "admin"]


@pytest.mark.parametrize("who", EVERYONE)
def test_the_log_is_for_it_staff_and_the_units_brm(client, scene, who):
    client.login(scene.person(who).email)
    response = client.get(f"/units/{scene.unit.id}/touchpoints")
    assert response.status_code == (200 if who in LOG_VIEWERS else 404)


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_brm_the_buddy_and_admins_log_touchpoints(app, client, scene, who):
    client.login(scene.person(who).email)

    page = client.get(f"/units/{scene.unit.id}/touchpoints/new")
    posted = client.form_post(f"/units/{scene.unit.id}/touchpoints/new", form_data())

    allowed = who in LOG_KEEPERS
    assert page.status_code == (200 if allowed else 404)
    assert posted.status_code == (303 if allowed else 404)
    assert len(stored(app, Touchpoint)) == (1 if allowed else 0)


def test_a_unit_that_does_not_exist_is_not_found(client, scene):
    client.login(scene.admin.email)
    assert client.get("/units/999999/touchpoints").status_code == 404
    assert client.get("/units/999999/touchpoints/new").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, scene):
    response = client.get(f"/units/{scene.unit.id}/touchpoints")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- logging -------------------------------------------------------------------------------

def test_the_form_starts_on_today_and_offers_three_action_rows(client, scene, clock):
    client.login(scene.brm.email)

    page = client.get(f"/units/{scene.unit.id}/touchpoints/new").get_data(as_text=True)

    assert re.search(r'name="happened_on"[^>]*value="2026-05-12"', page)
    assert 'max="2026-05-12"' in page
    for row in range(3):
        assert f'name="actions-{row}-description"' in page
        assert f'name="actions-{row}-due_on"' in page
    assert 'name="actions-3-description"' not in page
    assert "<script>" not in page and 'style="' not in page


def test_logging_a_touchpoint_stores_it_with_its_filled_in_actions(app, client, scene, clock):
    client.login(scene.buddy.email)

    response = client.form_post(
        f"/units/{scene.unit.id}/touchpoints/new",
        form_data(**{
            "actions-2-description": "Book a workshop on the close",
            "actions-2-owner": "Priya",
            "actions-2-due_on": "2026-06-01",
        }),
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/units/{scene.unit.id}/touchpoints")
    [touchpoint] = stored(app, Touchpoint)
    assert touchpoint.business_unit_id == scene.unit.id
    assert touchpoint.happened_on == date(2026, 5, 11)
    assert touchpoint.kind == "meeting"
    assert touchpoint.created_by_id == scene.buddy.id
    actions = stored(app, NextAction)
    assert [(a.description, a.owner, a.due_on) for a in actions] == [
        ("Send the reporting tool options", "Ben", date(2026, 5, 20)),
        ("Book a workshop on the close", "Priya", date(2026, 6, 1)),
    ]
    assert {a.business_unit_id for a in actions} == {scene.unit.id}
    assert {a.touchpoint_id for a in actions} == {touchpoint.id}
    words = page_text(client.get(response.headers["Location"]))
    assert "Touchpoint with Finance logged with 2 next actions." in words
    assert "Month-end close is slow" in words
    assert "Send the reporting tool options" in words


def test_a_touchpoint_without_actions_is_fine(app, client, scene, clock):
    client.login(scene.brm.email)
    response = client.form_post(
        f"/units/{scene.unit.id}/touchpoints/new",
        form_data(**{"actions-0-description": "", "actions-0-owner": "", "actions-0-due_on": ""}),
    )
    assert response.status_code == 303
    assert len(stored(app, Touchpoint)) == 1
    assert stored(app, NextAction) == []


@pytest.mark.parametrize(
    ("overrides", "field", "message", "kept"),
    [
        ({"notes": "   "}, "notes", "Please write a few words about what was discussed.",
         "Priya (Finance lead)"),
        ({"happened_on": "2026-05-13"}, "happened_on",
         "That date is in the future. Log a touchpoint once it happened.", 'value="2026-05-13"'),
        ({"happened_on": ""}, "happened_on", "Please enter the date it happened.",
         "Month-end close is slow"),
        ({"happened_on": "last tuesday"}, "happened_on", "Please enter a date like 2026-03-31.",
         'value="last tuesday"'),
        ({"kind": "party"}, "kind", "Please choose the kind of touchpoint from the list.",
         "Month-end close is slow"),
        ({"actions-0-owner": ""}, "actions-0-owner", "Please say who will do it.",
         "Send the reporting tool options"),
        ({"actions-0-due_on": ""}, "actions-0-due_on", "Please add a due date.",
         "Send the reporting tool options"),
        ({"actions-0-description": "", "actions-0-owner": ""}, "actions-0-description",
         "Please say what needs doing.", 'value="2026-05-20"'),
        ({"actions-0-due_on": "2026-05-10"}, "actions-0-due_on",
         "The due date can't be before the touchpoint itself.", 'value="2026-05-10"'),
        ({"actions-0-due_on": "soon"}, "actions-0-due_on", "Please enter a date like 2026-03-31.",
         'value="soon"'),
        ({"actions-0-description": "x" * 301}, "actions-0-description",
         "Please keep it under 300 characters.", "x" * 301),
        ({"actions-1-owner": "y" * 121, "actions-1-description": "Check licences",
          "actions-1-due_on": "2026-05-30"}, "actions-1-owner",
         "Please keep it under 120 characters.", "Check licences"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_stored(
    app, client, scene, clock, overrides, field, message, kept
):
    client.login(scene.brm.email)

    response = client.form_post(f"/units/{scene.unit.id}/touchpoints/new", form_data(**overrides))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = re.findall(rf'<p class="field-error" id="{field}-error">\s*([^<]+?)\s*</p>', page)
    assert [html.unescape(error) for error in errors] == [message]
    assert kept in page
    assert "Please check the form." in page
    assert stored(app, Touchpoint) == []
    assert stored(app, NextAction) == []


def test_an_action_due_on_the_day_of_the_touchpoint_is_fine(app, client, scene, clock):
    client.login(scene.brm.email)
    response = client.form_post(
        f"/units/{scene.unit.id}/touchpoints/new", form_data(**{"actions-0-due_on": "2026-05-11"})
    )
    assert response.status_code == 303
    assert [a.due_on for a in stored(app, NextAction)] == [date(2026, 5, 11)]


def test_extra_action_rows_beyond_three_are_ignored(app, client, scene, clock):
    client.login(scene.brm.email)
    extra = {}
    for row in range(1, 5):
        extra.update({f"actions-{row}-description": f"Action {row}",
                      f"actions-{row}-owner": "Ben", f"actions-{row}-due_on": "2026-05-30"})
    response = client.form_post(f"/units/{scene.unit.id}/touchpoints/new", form_data(**extra))
    assert response.status_code == 303
    assert len(stored(app, NextAction)) == 3


# --- next actions: done, reopen, overdue ------------------------------------------------------

def test_is_overdue_only_when_open_and_past_due():
    action = NextAction(description="x", owner="y", due_on=TODAY)
    assert not action.is_overdue(TODAY)
    assert action.is_overdue(TODAY + timedelta(days=1))
    action.done_at = NOW
    assert not action.is_overdue(TODAY + timedelta(days=1))


def test_the_log_says_which_actions_are_done_overdue_or_open(app, client, scene, clock):
    add_touchpoint(app, scene.unit, scene.brm, TODAY - timedelta(days=20), actions=[
        ("Send the licence list", "Ben", TODAY - timedelta(days=1), False),
        ("Share the roadmap", "Bea", TODAY - timedelta(days=3), True),
        ("Book the workshop", "Priya", TODAY, False),
    ])
    client.login(scene.agent.email)

    page = client.get(f"/units/{scene.unit.id}/touchpoints").get_data(as_text=True)

    items = {
        re.sub(r"\s+", " ", visible_text(item)).split(" · ")[0]: item
        for item in re.findall(r'<li class="next-action.*?</li>', page, re.S)
    }
    assert set(items) == {
        "Overdue Send the licence list", "Done Share the roadmap", "Open Book the workshop",
    }
    assert "next-action-overdue" in items["Overdue Send the licence list"]
    assert "was due 11 May 2026" in visible_text(items["Overdue Send the licence list"])
    assert "Mark done" not in page  # an agent who is not the buddy can read, not change


def test_the_brm_marks_an_action_done_and_reopens_it(app, client, scene, clock):
    _, [action_id] = add_touchpoint(app, scene.unit, scene.brm, TODAY, actions=[
        ("Send the licence list", "Ben", TODAY + timedelta(days=7), False),
    ])
    client.login(scene.brm.email)
    log = f"/units/{scene.unit.id}/touchpoints"

    done = client.form_post(f"/units/{scene.unit.id}/actions/{action_id}/done", {"next": log})

    assert done.status_code == 303
    assert done.headers["Location"].endswith(log)
    [action] = stored(app, NextAction)
    assert action.done_at == NOW
    assert action.done_by_id == scene.brm.id
    assert "Reopen" in client.get(log).get_data(as_text=True)

    again = client.form_post(f"/units/{scene.unit.id}/actions/{action_id}/reopen")

    assert again.status_code == 303
    [action] = stored(app, NextAction)
    assert action.done_at is None and action.done_by_id is None


def test_marking_done_twice_keeps_the_first_date(app, client, scene, clock):
    _, [action_id] = add_touchpoint(app, scene.unit, scene.brm, TODAY, actions=[
        ("Send the licence list", "Ben", TODAY, False),
    ])
    client.login(scene.brm.email)
    client.form_post(f"/units/{scene.unit.id}/actions/{action_id}/done")
    clock.shift(timedelta(days=2))
    client.login(scene.buddy.email)
    client.form_post(f"/units/{scene.unit.id}/actions/{action_id}/done")
    [action] = stored(app, NextAction)
    assert (action.done_at, action.done_by_id) == (NOW, scene.brm.id)


def test_an_unsafe_next_address_is_ignored(app, client, scene, clock):
    _, [action_id] = add_touchpoint(app, scene.unit, scene.brm, TODAY, actions=[
        ("Send the licence list", "Ben", TODAY, False),
    ])
    client.login(scene.brm.email)
    response = client.form_post(f"/units/{scene.unit.id}/actions/{action_id}/done",
                                {"next": "//evil.example/"})
    assert response.headers["Location"].endswith(f"/units/{scene.unit.id}/touchpoints")


@pytest.mark.parametrize("who", ["member", "agent", "other_brm"])
def test_people_who_do_not_keep_the_log_cannot_change_actions(app, client, scene, who):
    _, [action_id] = add_touchpoint(app, scene.unit, scene.brm, TODAY, actions=[
        ("Send the licence list", "Ben", TODAY, False),
    ])
    client.login(scene.person(who).email)
    for verb in ("done", "reopen"):
        response = client.form_post(f"/units/{scene.unit.id}/actions/{action_id}/{verb}")
        assert response.status_code == 404
    assert stored(app, NextAction)[0].done_at is None


def test_an_action_of_another_unit_is_not_found_through_this_one(app, client, scene):
    _, [action_id] = add_touchpoint(app, scene.other_unit, scene.other_brm, TODAY, actions=[
        ("Logistics action", "Olu", TODAY, False),
    ])
    client.login(scene.brm.email)  # keeps Finance's log, not Logistics'

    response = client.form_post(f"/units/{scene.unit.id}/actions/{action_id}/done")

    assert response.status_code == 404
    assert client.form_post(f"/units/{scene.unit.id}/actions/999999/done").status_code == 404
    assert stored(app, NextAction)[0].done_at is None


# --- the full log --------------------------------------------------------------------------

def test_the_log_is_newest_first_twenty_to_a_page(app, client, scene, clock):
    for n in range(25):
        add_touchpoint(app, scene.unit, scene.brm, TODAY - timedelta(days=n), notes=f"Note {n:02d}")
    add_touchpoint(app, scene.other_unit, scene.other_brm, TODAY, notes="Not Finance")
    client.login(scene.brm.email)

    first = page_text(client.get(f"/units/{scene.unit.id}/touchpoints"))
    second = page_text(client.get(f"/units/{scene.unit.id}/touchpoints?page=2"))
    beyond = client.get(f"/units/{scene.unit.id}/touchpoints?page=9")

    assert re.findall(r"Note \d\d", first) == [f"Note {n:02d}" for n in range(20)]
    assert re.findall(r"Note \d\d", second) == [f"Note {n:02d}" for n in range(20, 25)]
    assert "Page 1 of 2 · 25 in all" in first
    assert "Not Finance" not in first + second
    assert beyond.status_code == 200
    assert "No more touchpoints" in page_text(beyond)


def test_an_empty_log_says_so(client, scene):
    client.login(scene.brm.email)
    words = page_text(client.get(f"/units/{scene.unit.id}/touchpoints"))
    assert "No touchpoints logged yet" in words
    assert "Log a touchpoint" in words


def _log_queries(client, count_queries, url) -> int:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_log_runs_a_fixed_number_of_queries(app, client, scene, count_queries, clock):
    actions = [("A", "B", TODAY, False), ("C", "D", TODAY, True)]
    add_touchpoint(app, scene.unit, scene.brm, TODAY, actions=actions)
    client.login(scene.brm.email)
    url = f"/units/{scene.unit.id}/touchpoints"
    small = _log_queries(client, count_queries, url)
    for n in range(30):
        author = scene.brm if n % 2 else scene.buddy
        add_touchpoint(app, scene.unit, author, TODAY - timedelta(days=n), actions=actions)
    large = _log_queries(client, count_queries, url)
    assert small == large <= 5


# --- helpers for the dashboard ----------------------------------------------------------------

def test_recent_touchpoints_loads_actions_in_two_queries(app, scene, count_queries, clock):
    for n in range(7):
        add_touchpoint(app, scene.unit, scene.brm, TODAY - timedelta(days=n), notes=f"N{n}",
                       actions=[("A", "B", TODAY, False), ("C", "D", TODAY, False)])
    with app.app_context():
        with count_queries() as statements:
            found = recent_touchpoints(scene.unit.id, limit=5)
            rendered = [(tp.notes, len(tp.actions), tp.created_by.display_name) for tp in found]
        assert len(statements) <= 2
    assert [notes for notes, _, _ in rendered] == ["N0", "N1", "N2", "N3", "N4"]
    assert {count for _, count, _ in rendered} == {2}


def test_open_actions_are_across_units_soonest_first_without_done_ones(
    app, make, scene, count_queries, clock
):
    add_touchpoint(app, scene.unit, scene.brm, TODAY, actions=[
        ("Later", "B", TODAY + timedelta(days=9), False),
        ("Done already", "B", TODAY, True),
        ("Soonest", "B", TODAY - timedelta(days=2), False),
    ])
    add_touchpoint(app, scene.other_unit, scene.other_brm, TODAY, actions=[
        ("Logistics", "O", TODAY + timedelta(days=1), False),
    ])
    not_asked = make.unit("Legal")
    add_touchpoint(app, not_asked, scene.brm, TODAY, actions=[("Legal", "L", TODAY, False)])

    with app.app_context():
        with count_queries() as statements:
            found = open_actions([scene.unit.id, scene.other_unit.id])
            described = [(a.description, a.touchpoint.happened_on) for a in found]
        assert len(statements) <= 2
        assert open_actions([]) == []
    assert [d for d, _ in described] == ["Soonest", "Logistics", "Later"]


def _render_card(app, **context) -> str:
    with app.test_request_context(f"/units/{context['unit'].id}"):
        return render_template("relationships/_touchpoints.html", **context)


def test_the_dashboard_card_highlights_overdue_actions_in_words(app, scene, clock):
    add_touchpoint(app, scene.unit, scene.brm, TODAY - timedelta(days=9), actions=[
        ("Send the licence list", "Ben", TODAY - timedelta(days=2), False),
    ])
    with app.app_context():
        touchpoints = recent_touchpoints(scene.unit.id)
        card = _render_card(app, touchpoints=touchpoints, unit=scene.unit, can_log=True,
                            today=TODAY)
    words = visible_text(card)
    assert "Overdue Send the licence list · Ben · was due 10 May 2026" in words
    assert "Log a touchpoint" in words and "See all" in words
    assert "Mark done" in words
    assert 'name="next" value="/units/' in card


def test_the_dashboard_card_has_an_empty_state(app, scene):
    with app.app_context():
        card = _render_card(app, touchpoints=[], unit=scene.unit, can_log=False, today=TODAY)
    words = visible_text(card)
    assert "No touchpoints logged yet" in words
    assert "Log a touchpoint" not in words


def test_the_unit_dashboard_shows_recent_touchpoints_and_links_to_the_log(
    app, client, scene, clock
):
    add_touchpoint(app, scene.unit, scene.brm, TODAY - timedelta(days=9), actions=[
        ("Send the licence list", "Ben", TODAY - timedelta(days=2), False),
    ])
    client.login(scene.buddy.email)
    page = client.get(f"/units/{scene.unit.id}").get_data(as_text=True)
    words = visible_text(page)
    assert "Overdue Send the licence list" in words
    assert f'href="/units/{scene.unit.id}/touchpoints"' in page
    assert f'href="/units/{scene.unit.id}/touchpoints/new"' in page


@pytest.mark.parametrize("value", ["Order\x00 laptops", "Order\x07 laptops", "Two\nlines"])
def test_control_characters_in_a_next_action_are_refused(app, client, scene, value):
    client.login(scene.brm.email)
    response = client.form_post(f"/units/{scene.unit.id}/touchpoints/new", {
        "happened_on": date.today().isoformat(), "kind": "meeting", "notes": "Catch-up",
        "actions-0-description": value, "actions-0-owner": "Bea",
        "actions-0-due_on": (date.today() + timedelta(days=7)).isoformat(),
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="actions-0-description-error"' in page
    assert "hidden control characters" in visible_text(page)
    with app.app_context():
        assert db.session.scalars(select(Touchpoint)).all() == []
        assert db.session.scalars(select(NextAction)).all() == []


def test_extreme_dates_still_show_everywhere(app, client, scene):
    client.login(scene.brm.email)
    response = client.form_post(f"/units/{scene.unit.id}/touchpoints/new", {
        "happened_on": "0001-01-01", "kind": "meeting", "notes": "Ancient history",
        "actions-0-description": "Someday", "actions-0-owner": "Bea",
        "actions-0-due_on": "9999-12-31",
    })
    assert response.status_code == 303
    for path in (f"/units/{scene.unit.id}/touchpoints", f"/units/{scene.unit.id}",
                 "/portfolio", "/portfolio?sort=name", "/"):
        assert client.get(path).status_code == 200, path
