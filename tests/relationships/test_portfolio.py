"""The portfolio: who sees which units, the troubled ones first, sorting, actions, queries."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import time_machine

from tests.relationships.dash_support import (
    DAY,
    NOW,
    TODAY,
    answer,
    filed,
    page_text,
    tool,
    touchpoint,
    unit_order,
)
from tracker.extensions import db
from tracker.models import BusinessUnit, Role, User
from tracker.relationships import overview
from tracker.relationships.metrics import Window


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Scene:
    atlas: BusinessUnit
    borealis: BusinessUnit
    cygnus: BusinessUnit
    draco: BusinessUnit
    brm: User
    other_brm: User
    idle_brm: User
    agent: User
    member: User

    def ids(self, *names: str) -> list[int]:
        return [getattr(self, name).id for name in names]


def build(app, make) -> Scene:
    """Four units over the last 90 days, worked out by hand.

    No unit has tools, so that input is missing everywhere.

    Atlas (BRM Bea): 1 resolved in time, CSAT 5, touchpoint 2 days ago, 1 open (not due).
        SLA 100, CSAT 100, reopen 100, touchpoint 100 (80 of 100 weight) -> 100, Healthy.
        Nothing before the window: no trend. A future action, and a done one never listed.
    Borealis (BRM Bea): 3 open, 2 of them breaching; 1 resolved late; CSAT 2; last
        touchpoint 100 days ago. SLA 0, CSAT 25, reopen 100, touchpoint 22.2
        -> (0 + 625 + 1500 + 333) / 80 = 31, At risk. Before the window: 1 resolved in
        time, touchpoint 10 days before the window's start -> SLA, reopen and touchpoint
        100. On those three inputs now: (0 + 1500 + 333) / 55 = 33 -> down.
        Reasons: low score, no touchpoint for 100 days, 2 breaching, getting worse.
    Cygnus (no BRM): 2 open, none breaching; touchpoint 20 days ago with an overdue action.
        Only the touchpoint (15 of 100 weight): not enough for a score.
        Reasons: no BRM yet, 1 overdue action.
    Draco (BRM Olu): nothing open; CSAT 4 now and 4 in the period before; never met.
        Only CSAT (25 of 100 weight): not enough for a score. Reason: never met.
    """
    brm = make.user(roles=(Role.BRM,), name="Bea Okafor")
    other_brm = make.user(roles=(Role.BRM,), name="Olu Brandt")
    idle_brm = make.user(roles=(Role.BRM,), name="Ida Vance")
    agent = make.agent(name="Alex Moreau")
    atlas = make.unit("Atlas", brm=brm)
    borealis = make.unit("Borealis", brm=brm)
    cygnus = make.unit("Cygnus")
    draco = make.unit("Draco", brm=other_brm)
    people = {u.name: make.requester(unit=u) for u in (atlas, borealis, cygnus, draco)}

    a = people["Atlas"]
    c = NOW - 10 * DAY
    done = filed(make, app, a, c, "Done", stage="resolved", resolved_at=c + DAY,
                 resolution_due_at=c + 2 * DAY)
    filed(make, app, a, NOW - DAY, "Waiting", stage="new", sla_due_at=NOW + DAY)
    answer(app, done, 5, NOW - 5 * DAY)
    touchpoint(app, atlas, TODAY - 2 * DAY, actions=[
        ("Send the roadmap", "Bea", TODAY + 10 * DAY, False),
        ("Already done thing", "Bea", TODAY - 30 * DAY, True),
    ])

    b = people["Borealis"]
    for i in range(2):
        filed(make, app, b, NOW - (3 + i) * DAY, f"Late {i}", stage="in_progress",
              sla_due_at=NOW - DAY)
    filed(make, app, b, NOW - DAY, "Fine", stage="triaged", sla_due_at=NOW + DAY)
    filed(make, app, b, NOW - 8 * DAY, "Fixed late", stage="closed",
          resolved_at=NOW - 5 * DAY, resolution_due_at=NOW - 6 * DAY)
    filed(make, app, b, NOW - 125 * DAY, "Fixed in time", stage="closed",
          resolved_at=NOW - 120 * DAY, resolution_due_at=NOW - 119 * DAY)
    borealis_old = filed(make, app, b, NOW - 40 * DAY, "Old", stage="closed")
    answer(app, borealis_old, 2, NOW - 30 * DAY)
    touchpoint(app, borealis, TODAY - 100 * DAY)

    cy = people["Cygnus"]
    filed(make, app, cy, NOW - 2 * DAY, "One", stage="new", sla_due_at=NOW + DAY)
    filed(make, app, cy, NOW - 2 * DAY, "Two", stage="waiting_on_requester")
    touchpoint(app, cygnus, TODAY - 20 * DAY, actions=[
        ("Book the workshop", "Sam", TODAY - 3 * DAY, False),
    ])

    d = people["Draco"]
    d1 = filed(make, app, d, NOW - 50 * DAY, "Now", stage="closed")
    d2 = filed(make, app, d, NOW - 150 * DAY, "Before", stage="closed")
    answer(app, d1, 4, NOW - 40 * DAY)
    answer(app, d2, 4, NOW - 120 * DAY)
    return Scene(atlas, borealis, cygnus, draco, brm, other_brm, idle_brm, agent,
                 people["Atlas"])


@pytest.fixture
def scene(app, make, clock) -> Scene:
    return build(app, make)


def test_the_figures_and_reasons_behind_the_order(app, scene):
    with app.app_context():
        agent = db.session.get(User, scene.agent.id)
        rows = {r.unit.name: r for r in overview.portfolio(agent, Window(NOW, 90))}
        got = {
            name: (r.health.score, r.trend, r.reasons, r.needs_attention)
            for name, r in rows.items()
        }
        db.session.remove()
    assert got == {
        "Atlas": (100, "", [], False),
        "Borealis": (31, "down", ["Low health score", "No touchpoint for 100 days",
                                  "2 breaching", "Getting worse"], True),
        "Cygnus": (None, "", ["No BRM yet", "1 overdue action"], True),
        "Draco": (None, "", ["Never met"], True),
    }


def test_staff_see_every_unit_with_those_needing_attention_first(client, scene):
    client.login(scene.agent.email)
    response = client.get("/portfolio")
    assert response.status_code == 200
    # Most reasons first; the healthy unit, first by name, comes last.
    assert unit_order(response) == scene.ids("borealis", "cygnus", "draco", "atlas")
    text = page_text(response)
    assert "All units" in text
    assert ("Low health score · No touchpoint for 100 days · 2 breaching · Getting worse"
            in text)
    assert "No BRM yet · 1 overdue action" in text
    assert "All good" in text


def test_a_brm_sees_only_their_units(client, scene):
    client.login(scene.brm.email)
    response = client.get("/portfolio")
    assert response.status_code == 200
    assert unit_order(response) == scene.ids("borealis", "atlas")
    text = page_text(response)
    assert "Your units" in text
    assert "Cygnus" not in text and "Draco" not in text
    # Only the actions of their units.
    assert "Send the roadmap" in text
    assert "Book the workshop" not in text

    client.login(scene.other_brm.email)
    assert unit_order(client.get("/portfolio")) == scene.ids("draco")


def test_a_brm_without_units_is_told_so(client, scene):
    client.login(scene.idle_brm.email)
    response = client.get("/portfolio")
    assert response.status_code == 200
    assert unit_order(response) == []
    assert "You don't look after any business unit yet." in page_text(response)


def test_requesters_do_not_get_a_portfolio(client, scene):
    client.login(scene.member.email)
    assert client.get("/portfolio").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, scene):
    response = client.get("/portfolio")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("name", ["atlas", "borealis", "cygnus", "draco"]),
        # Lowest first, units without a score last.
        ("health", ["borealis", "atlas", "cygnus", "draco"]),
        ("open", ["borealis", "cygnus", "atlas", "draco"]),
        ("breaches", ["borealis", "atlas", "cygnus", "draco"]),
        # Unhappiest first, no answers last.
        ("csat", ["borealis", "draco", "atlas", "cygnus"]),
        # Longest without a touchpoint first, never met first of all.
        ("touchpoint", ["draco", "borealis", "cygnus", "atlas"]),
        ("attention", ["borealis", "cygnus", "draco", "atlas"]),
        ("bogus", ["borealis", "cygnus", "draco", "atlas"]),
    ],
)
def test_sorting(client, scene, sort, order):
    client.login(scene.agent.email)
    response = client.get(f"/portfolio?sort={sort}")
    assert response.status_code == 200
    assert unit_order(response) == scene.ids(*order)


def test_trend_arrows_are_shown_in_words_too(client, scene):
    client.login(scene.agent.email)
    text = page_text(client.get("/portfolio?sort=name"))
    assert "100 out of 100, Healthy" in text
    assert "31 out of 100, At risk ▼ getting worse" in text
    assert "Not enough data yet" in text


def test_open_actions_are_listed_soonest_first_with_overdue_ones_marked(client, scene):
    client.login(scene.agent.email)
    text = page_text(client.get("/portfolio"))
    overdue_day = TODAY - 3 * DAY
    future_day = TODAY + 10 * DAY
    overdue = f"{overdue_day.day} {overdue_day.strftime('%b %Y')} Overdue Book the workshop Sam"
    future = f"{future_day.day} {future_day.strftime('%b %Y')} Send the roadmap Bea Atlas"
    assert overdue in text
    assert future in text
    assert text.index(overdue) < text.index(future)
    assert text.count("Overdue") == 1
    assert "Already done thing" not in text


def test_the_period_switch_is_kept_with_the_sort(client, scene):
    client.login(scene.agent.email)
    response = client.get("/portfolio?period=30&sort=name")
    page = response.get_data(as_text=True)
    assert "over the last 30 days" in page_text(response)
    assert 'href="/portfolio?period=365&amp;sort=name"' in page
    assert f'href="/units/{scene.atlas.id}?period=30"' in page
    # A bogus period falls back to 90 days.
    assert "over the last 90 days" in page_text(client.get("/portfolio?period=7"))


def test_the_portfolio_runs_a_fixed_number_of_queries(app, client, make, count_queries, clock):
    brm = make.user(roles=(Role.BRM,))

    def add_units(names):
        for name in names:
            unit = make.unit(name, brm=brm)
            person = make.requester(unit=unit)
            sr = filed(make, app, person, NOW - 5 * DAY, f"{name} request", stage="resolved",
                       resolved_at=NOW - 4 * DAY, resolution_due_at=NOW - 3 * DAY)
            filed(make, app, person, NOW - 2 * DAY, f"{name} idea", category="idea")
            answer(app, sr, 4, NOW - 3 * DAY)
            touchpoint(app, unit, TODAY - 10 * DAY,
                       actions=[("Follow up", "Bea", TODAY - DAY, False)])
            tool(app, unit, f"{name} tool", "critical")

    add_units(["One", "Two"])
    client.login(brm.email)
    with count_queries() as few:
        assert client.get("/portfolio").status_code == 200
    add_units(["Three", "Four", "Five", "Six"])
    client.login(brm.email)
    with count_queries() as many:
        response = client.get("/portfolio")
    assert len(unit_order(response)) == 6
    assert len(few) == len(many), "\n".join(many)
    assert len(many) == 11, len(many)
