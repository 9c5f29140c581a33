"""A unit's dashboard: figures worked out by hand, missing data, access, periods, queries."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import time_machine

from tests.relationships.dash_support import (
    DAY,
    HOUR,
    NOW,
    TODAY,
    answer,
    filed,
    page_text,
    tool,
    touchpoint,
)
from tracker.extensions import db
from tracker.models import BusinessUnit, Role, ServiceRequest, User
from tracker.relationships import metrics, overview
from tracker.relationships.metrics import Window


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Scene:
    unit: BusinessUnit
    other_unit: BusinessUnit
    empty_unit: BusinessUnit
    brm: User
    other_brm: User
    buddy: User
    agent: User
    admin: User
    member: User
    outsider: User
    requests: dict[str, ServiceRequest]

    def person(self, who: str) -> User:
        return getattr(self, who)


def build(app, make) -> Scene:
    """Finance, with every figure chosen so the dashboard can be checked by hand.

    Window of 90 days ending NOW (12 May 2026, 10:00 UTC):

        ref  filed       first reply  resolved        due             stage / notes
        R1   NOW-10d     +1 h         +1 day          +2 days         closed, in time
        R2   NOW-20d     +2 h         +2 days         +3 days         resolved, in time, reopened
        R3   NOW-55d     +4 h         +3 days         +5 days         resolved, in time
        R4   NOW-100d    +1 h (*)     NOW-80d         +10 days        closed, late (*before window)
        O1   NOW-5d      -            -               SLA NOW-1d      in progress: breaching
        O2   NOW-3d      -            -               SLA NOW-2d      waiting on requester: paused

    Filed 5 (R4 before the window), resolved 4 (3 in time = 75 %, 1 reopened = 25 %),
    open 2, breaching 1. Median first reply of 1 h, 2 h, 4 h = 2 h (R4's is before the
    window). Median time to resolve of 1, 2, 3 and 20 days = 2.5 days.
    CSAT 5, 4, 3 in the window = 4.0; one 1 from NOW-100d is the period before.
    """
    brm = make.user(roles=(Role.BRM,), name="Bea Okafor", email="bea@example.com")
    other_brm = make.user(roles=(Role.BRM,), name="Olu Brandt")
    buddy = make.user(roles=(Role.AGENT, Role.BUDDY), name="Ben Ito", email="ben@example.com")
    agent = make.agent(name="Alex Moreau")
    admin = make.user(roles=(Role.ADMIN,), name="Ada Admin")
    unit = make.unit("Finance", brm=brm, buddy=buddy)
    other_unit = make.unit("Logistics", brm=other_brm)
    empty_unit = make.unit("Legal", brm=brm)
    member = make.requester(unit=unit, name="Rosa Jimenez")
    outsider = make.requester(unit=other_unit, name="Omar Lind")

    def done(created, reply, resolve, due, **extra):
        return dict(
            first_response_at=created + reply, resolved_at=resolve, resolution_due_at=due,
            **extra,
        )

    r = {}
    c = NOW - 10 * DAY
    r["R1"] = filed(make, app, member, c, "Payroll export fails",
                    **done(c, HOUR, c + DAY, c + 2 * DAY, stage="closed", closed_at=c + 2 * DAY))
    c = NOW - 20 * DAY
    r["R2"] = filed(make, app, member, c, "VPN drops",
                    **done(c, 2 * HOUR, c + 2 * DAY, c + 3 * DAY, stage="resolved",
                           reopen_count=1))
    c = NOW - 55 * DAY
    r["R3"] = filed(make, app, member, c, "New starter laptop",
                    **done(c, 4 * HOUR, c + 3 * DAY, c + 5 * DAY, stage="resolved"))
    c = NOW - 100 * DAY
    r["R4"] = filed(make, app, member, c, "Archive access",
                    **done(c, HOUR, NOW - 80 * DAY, c + 10 * DAY, stage="closed",
                           closed_at=NOW - 79 * DAY))
    r["O1"] = filed(make, app, member, NOW - 5 * DAY, "Scanner offline", stage="in_progress",
                    sla_due_at=NOW - DAY, resolution_due_at=NOW - DAY)
    r["O2"] = filed(make, app, member, NOW - 3 * DAY, "Need a second screen",
                    stage="waiting_on_requester", sla_due_at=NOW - 2 * DAY)
    # Someone else's unit: must never leak into Finance's figures.
    other = filed(make, app, outsider, NOW - 4 * DAY, "Forklift tablet", stage="in_progress",
                  sla_due_at=NOW - DAY)
    r["other"] = other

    answer(app, r["R1"], 5, NOW - DAY)
    answer(app, r["R2"], 4, NOW - 2 * DAY)
    answer(app, r["R3"], 3, NOW - 3 * DAY)
    answer(app, r["R4"], 1, NOW - 100 * DAY)
    answer(app, other, 1, NOW - DAY)

    touchpoint(app, unit, TODAY - 45 * DAY)
    tool(app, unit, "Sketchy Sheets", "high")  # counts: high and unreviewed
    tool(app, unit, "Approved Board", "critical", status="sanctioned")  # decided
    tool(app, unit, "Sticky Notes", "low")  # low risk
    tool(app, other_unit, "Forklift Chat", "critical")  # another unit's
    return Scene(unit, other_unit, empty_unit, brm, other_brm, buddy, agent, admin, member,
                 outsider, r)


@pytest.fixture
def scene(app, make, clock) -> Scene:
    return build(app, make)


# --- figures --------------------------------------------------------------------------------


def test_metrics_match_the_hand_computed_figures(app, scene):
    window = Window(NOW, 90)
    uid = scene.unit.id
    with app.app_context():
        outcome = metrics.outcomes([uid], window)[uid]
        assert (outcome.filed, outcome.resolved, outcome.in_time, outcome.reopened) == (5, 4, 3, 1)
        assert (outcome.open, outcome.breaching) == (2, 1)
        assert outcome.attainment == pytest.approx(0.75)
        assert outcome.reopen_rate == pytest.approx(0.25)
        # [NOW-180d, NOW-90d): nothing resolved then (R4 was resolved at NOW-80d).
        assert outcome.previous_resolved == 0
        assert outcome.previous_attainment is None

        csat = metrics.satisfaction([uid], window)[uid]
        assert (csat.answers, csat.average) == (3, 4.0)
        assert (csat.previous_answers, csat.previous_average) == (1, 1.0)

        # Odd count: the middle one. (The even count is checked in its own test below.)
        assert metrics.medians(uid, window).first_response_seconds == 2 * 3600

        assert metrics.risky_tools([uid]) == {uid: 1}
        contact = metrics.contact([uid], window)[uid]
        assert contact.last == TODAY - 45 * DAY
        assert contact.last_before_window is None

        bars, previous_filed = metrics.volume(uid, window)
        assert sum(bar.count for bar in bars) == 5
        assert previous_filed == 1
        stages = {stage.value: n for stage, n in metrics.open_by_stage(uid)}
        assert stages == {"new": 0, "triaged": 0, "in_progress": 1, "waiting_on_requester": 1}

        row = overview.assess_units([db.session.get(BusinessUnit, uid)], window)[0]
        # SLA 75, CSAT 75, reopen 0, ideas missing, 1 risky tool 75, 45 days 83.3:
        # (25*75 + 25*75 + 15*0 + 10*75 + 15*83.3) / 90 = 5749.5 / 90 = 63.9.
        assert row.health.score == 64
        assert row.health.counted == 5
        # Before: only CSAT 1.0 and the risky tool have data, 35 of 100 weight: too little
        # for a score, so there is no trend either.
        assert row.before.score is None
        assert row.trend == ""
        assert row.reasons == ["1 breaching"]
        db.session.remove()


def test_the_page_shows_the_same_figures(client, scene):
    client.login(scene.agent.email)
    response = client.get(f"/units/{scene.unit.id}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Filed 5 (1 the 90 days before)" in text
    assert "Open now 2" in text
    assert "Breaching now 1" in text
    assert "Resolved in time 75% (3 of 4)" in text
    assert "Reopened 25% (1 of 4)" in text
    assert "Median first reply 2 hours" in text
    assert "4.0 of 5 from 3 answers (1.0 the 90 days before)" in text
    assert "64 out of 100, Needs attention" in text
    assert "Based on 5 of 6 inputs over the last 90 days" in text
    assert "Needs attention: 1 breaching" in text
    assert "1 high-risk waiting for review" in text
    # The health table: each input, its value, points, weight, share and what it adds.
    assert "75% in time 75 25 28% 20.8" in text
    assert "4.0 of 5 75 25 28% 20.8" in text
    assert "25% reopened 0 15 17% 0.0" in text
    assert "No open ideas Missing, not counted 10 — —" in text
    assert "1 waiting for review 75 10 11% 8.3" in text
    assert "45 days ago 83 15 17% 13.9" in text
    assert "Health score Weighted average of the inputs with data 64" in text
    # Owners with their e-mail addresses.
    assert "Bea Okafor bea@example.com" in text
    assert "Ben Ito ben@example.com" in text
    # Nothing from Logistics.
    assert "Forklift" not in text


def test_a_unit_with_no_data_shows_missing_not_zero(client, scene):
    client.login(scene.brm.email)
    text = page_text(client.get(f"/units/{scene.empty_unit.id}"))
    assert "No request resolved in this period Missing, not counted" in text
    assert "No satisfaction answers in this period Missing, not counted" in text
    assert "No open ideas Missing, not counted" in text
    assert "No touchpoint logged yet Missing, not counted" in text
    assert "No tools registered yet Missing, not counted" in text
    assert "Not enough data yet for a score" in text
    assert "Resolved in time — (0 of 0)" in text
    assert "Reopened — (0 of 0)" in text
    assert "Median first reply —" in text
    assert "Median time to resolve —" in text
    assert "No satisfaction answers in the last 90 days yet." in text
    assert "No requests filed in the last 90 days." in text
    assert "Nothing open right now." in text
    assert "Last touchpoint: none logged yet" in text
    assert "No IT buddy yet" in text
    assert "Never met" in text


def test_medians_of_an_odd_count_are_the_middle_value(app, make, scene):
    # A fourth resolution in the window, after 4 days: 1, 2, 3, 4, 20 days -> 3 days.
    c = NOW - 7 * DAY
    filed(make, app, scene.member, c, "Keyboard", stage="resolved", resolved_at=c + 4 * DAY)
    with app.app_context():
        found = metrics.medians(scene.unit.id, Window(NOW, 90))
        db.session.remove()
    assert found.first_response_seconds == 2 * 3600  # 1, 2, 4 hours
    assert found.resolution_seconds == 3 * 86400


def test_medians_of_an_even_count_are_the_mean_of_the_middle_two(app, scene):
    with app.app_context():
        # Resolutions 1, 2, 3 and 20 days -> (2 + 3) / 2 = 2.5 days.
        ninety = metrics.medians(scene.unit.id, Window(NOW, 90))
        # First replies 1 and 2 hours in 30 days -> 1.5 hours.
        thirty = metrics.medians(scene.unit.id, Window(NOW, 30))
        db.session.remove()
    assert ninety.resolution_seconds == 2.5 * 86400
    assert thirty.first_response_seconds == 1.5 * 3600
    assert thirty.resolution_seconds == 1.5 * 86400


def test_the_page_shows_even_count_medians_as_the_mean_of_the_middle_two(client, scene):
    client.login(scene.agent.email)
    assert "Median time to resolve 2.5 days" in page_text(client.get(f"/units/{scene.unit.id}"))
    short = page_text(client.get(f"/units/{scene.unit.id}?period=30"))
    assert "Median first reply 1 hour and 30 minutes" in short
    assert "Median time to resolve 1.5 days" in short


# --- periods --------------------------------------------------------------------------------


def test_the_period_changes_the_figures(client, scene):
    client.login(scene.brm.email)
    short = page_text(client.get(f"/units/{scene.unit.id}?period=30"))
    default = page_text(client.get(f"/units/{scene.unit.id}?period=90"))
    year = page_text(client.get(f"/units/{scene.unit.id}?period=365"))

    # R3 (filed 55 days ago) counts in 90 days but not in 30; R4 (100 days) only in 365.
    assert "Filed 4 (1 the 30 days before)" in short
    assert "Filed 5 (1 the 90 days before)" in default
    assert "Filed 6 (0 the 365 days before)" in year

    assert "Resolved in time 100% (2 of 2)" in short
    assert "Reopened 50% (1 of 2)" in short
    assert "Resolved in time 75% (3 of 4)" in year

    # First replies: 1, 2, 4 hours in 90 days (odd count); R4's 1 hour is before the window.
    assert "Median first reply 2 hours" in default
    assert "over the last 30 days" in short
    assert "over the last 365 days" in year


@pytest.mark.parametrize("period", ["45", "abc", "0", "-30", "", "99999999999999999999"])
def test_an_unknown_period_falls_back_to_90_days(client, scene, period):
    client.login(scene.agent.email)
    response = client.get(f"/units/{scene.unit.id}?period={period}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Filed 5 (1 the 90 days before)" in text
    assert "over the last 90 days" in text
    assert f'href="/units/{scene.unit.id}?period=90" aria-current="page"' in (
        response.get_data(as_text=True)
    )


# --- access ---------------------------------------------------------------------------------

ALLOWED = {"brm", "agent", "buddy", "admin"}


@pytest.mark.parametrize(
    "who", ["member", "outsider", "brm", "other_brm", "agent", "buddy", "admin"]
)
def test_who_may_see_the_dashboard(client, scene, who):
    client.login(scene.person(who).email)
    response = client.get(f"/units/{scene.unit.id}")
    assert response.status_code == (200 if who in ALLOWED else 404)


def test_signed_out_visitors_are_sent_to_sign_in(client, scene):
    response = client.get(f"/units/{scene.unit.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "path", ["/units/999999", "/units/99999999999", "/units/2147483648", "/units/0"]
)
def test_unknown_units_are_not_found(client, scene, path):
    client.login(scene.admin.email)
    assert client.get(path).status_code == 404


def test_a_brm_role_without_the_unit_is_not_enough(client, make, scene):
    # Holding the BRM role gives no right to units one does not manage.
    client.login(scene.other_brm.email)
    assert client.get(f"/units/{scene.unit.id}").status_code == 404
    assert client.get(f"/units/{scene.other_unit.id}").status_code == 200


def test_the_units_index_goes_to_the_portfolio(client, scene):
    client.login(scene.agent.email)
    response = client.get("/units/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/portfolio")


# --- queries --------------------------------------------------------------------------------


def test_the_dashboard_runs_a_fixed_number_of_queries(app, client, make, count_queries, clock):
    brm = make.user(roles=(Role.BRM,))
    unit = make.unit("Procurement", brm=brm)
    people = [make.requester(unit=unit) for _ in range(3)]

    def add(n: int, start: int):
        for i in range(start, start + n):
            c = NOW - (i + 1) * DAY
            sr = filed(make, app, people[i % 3], c, f"Request {i}",
                       category="idea" if i % 5 == 0 else "broken",
                       stage="resolved" if i % 2 else "in_progress",
                       first_response_at=c + HOUR,
                       resolved_at=c + DAY if i % 2 else None,
                       resolution_due_at=c + 2 * DAY, sla_due_at=c + 2 * DAY)
            if i % 3 == 0:
                answer(app, sr, 1 + i % 5, c + DAY)
        touchpoint(app, unit, TODAY - (start + 1) * DAY,
                   actions=[("Follow up", "Bea", TODAY - DAY, False)])
        tool(app, unit, f"Tool {start}", "high")

    add(2, 0)
    client.login(brm.email)
    with count_queries() as few:
        assert client.get(f"/units/{unit.id}").status_code == 200
    add(28, 2)
    client.login(brm.email)
    with count_queries() as many:
        assert client.get(f"/units/{unit.id}").status_code == 200
    assert len(few) == len(many), "\n".join(many)
    assert len(many) == 23, len(many)
