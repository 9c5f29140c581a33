"""The staff feedback page: averages with n, response rates, trends, comments, actions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.feedback.support import answer, fetch, invite, page_text, place, responses
from tests.pages import visible_text
from tracker.extensions import db
from tracker.feedback import stats
from tracker.models import FeedbackAction, Role

NOW = datetime(2026, 9, 30, 12, 0, tzinfo=UTC)


def _section(page: str, title_id: str) -> str:
    found = re.search(
        rf'<(section|aside) class="card" aria-labelledby="{title_id}">.*?</\1>', page, re.S
    )
    assert found, f"no section {title_id}"
    return visible_text(found.group(0))


def _overview(client) -> str:
    response = client.get("/feedback/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _requests_for(app, make, scene, agent, count: int, team=None):
    made = []
    for n in range(count):
        sr = make.request(scene.requester, title=f"Request {n}")
        place(app, sr, agent, team or scene.team)
        made.append(sr)
    return made


@pytest.mark.parametrize("roles", [(Role.REQUESTER,), (Role.BRM,)])
def test_the_page_is_for_staff_only(client, make, roles):
    client.login(make.user(roles=roles).email)
    assert client.get("/feedback/").status_code == 404
    assert client.form_post("/feedback/actions", {"note": "x"}).status_code == 404
    assert "/feedback/" not in client.get("/").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/feedback/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("roles", [(Role.AGENT,), (Role.BUDDY,), (Role.ADMIN,)])
def test_staff_see_the_page(client, make, roles):
    client.login(make.user(roles=roles).email)
    page = _overview(client)
    assert _section(page, "teams-title").endswith("No data yet.")
    assert _section(page, "agents-title").endswith("No data yet.")
    assert _section(page, "units-title").endswith("No data yet.")
    assert "No comments yet." in _section(page, "comments-title")


def test_an_agents_average_shows_from_three_answers(app, client, make, scene):
    for sr, score in zip(_requests_for(app, make, scene, scene.agent, 2), (4, 5), strict=True):
        answer(app, sr, score)
    for sr, score in zip(_requests_for(app, make, scene, scene.teammate, 3), (3, 4, 4),
                         strict=True):
        answer(app, sr, score)
    client.login(scene.agent.email)

    agents = _section(_overview(client), "agents-title")

    assert "Tess Lindqvist 3.7 (n = 3)" in agents
    assert "Alex Moreau — (n = 2)" in agents
    assert agents.index("Tess Lindqvist") < agents.index("Alex Moreau")
    with app.app_context():
        by_agent = {row.name: row for row in stats.by_agent(NOW)}
    assert by_agent["Alex Moreau"].average is None
    assert by_agent["Alex Moreau"].answers == 2
    assert by_agent["Tess Lindqvist"].average == pytest.approx(3.67)


def test_teams_and_units_show_average_n_and_response_rate(app, client, make, scene):
    answered, unanswered = _requests_for(app, make, scene, scene.agent, 2)
    answer(app, answered, 4, "Good job")
    invite(app, unanswered)
    client.login(scene.agent.email)

    page = _overview(client)

    assert "Service Desk 4.0 (n = 1) 50% (1/2)" in _section(page, "teams-title")
    assert "Finance 4.0 (n = 1) 50% (1/2)" in _section(page, "units-title")


def test_a_team_with_invitations_but_no_answers_shows_a_zero_rate(app, client, make, scene):
    invite(app, _requests_for(app, make, scene, scene.agent, 1)[0])
    client.login(scene.agent.email)
    assert "Service Desk — (n = 0) 0% (0/1)" in _section(_overview(client), "teams-title")


def _scores_over_time(app, make, scene, agent, team, earlier, recent):
    count = len(earlier) + len(recent)
    made = iter(_requests_for(app, make, scene, agent, count, team))
    for score in earlier:
        answer(app, next(made), score, now=NOW - timedelta(days=45))
    for score in recent:
        answer(app, next(made), score, now=NOW - timedelta(days=5))
    answer(app, next(iter(_requests_for(app, make, scene, agent, 1, team))), 3,
           now=NOW - timedelta(days=90))


def test_trends_compare_the_last_thirty_days_with_the_thirty_before(
    app, client, make, scene
):
    falling = make.team("Network", members=[scene.teammate])
    _scores_over_time(app, make, scene, scene.agent, scene.team, [2, 2], [4, 5])
    _scores_over_time(app, make, scene, scene.teammate, falling, [5, 5], [2, 3])

    with time_machine.travel(NOW, tick=False):
        client.login(scene.agent.email)
        page = _overview(client)

    teams = _section(page, "teams-title")
    assert "Service Desk 3.2 (n = 5) ▲ up 100% (5/5)" in teams
    assert "Network 3.6 (n = 5) ▼ down 100% (5/5)" in teams
    agents = _section(page, "agents-title")
    assert "Alex Moreau 3.2 (n = 5) ▲ up" in agents
    assert "Tess Lindqvist 3.6 (n = 5) ▼ down" in agents
    with app.app_context():
        rows = {row.name: row for row in stats.by_team(NOW)}
    assert (rows["Service Desk"].earlier, rows["Service Desk"].recent) == (2.0, 4.5)
    assert (rows["Network"].earlier, rows["Network"].recent) == (5.0, 2.5)


def test_a_small_change_is_steady_and_shows_no_arrow(app, client, make, scene):
    _scores_over_time(app, make, scene, scene.agent, scene.team, [4, 4], [4, 4])
    with time_machine.travel(NOW, tick=False):
        client.login(scene.agent.email)
        page = _overview(client)
        with app.app_context():
            assert stats.by_team(NOW)[0].trend == "steady"
    assert "▲" not in page and "▼" not in page


def test_no_trend_without_answers_in_both_windows(app, client, make, scene):
    for sr in _requests_for(app, make, scene, scene.agent, 3):
        answer(app, sr, 5, now=NOW - timedelta(days=2))
    with app.app_context():
        [row] = stats.by_team(NOW)
    assert (row.recent, row.earlier, row.trend) == (5.0, None, "")


def test_latest_comments_are_listed_newest_first(app, client, make, scene):
    old, new, silent = _requests_for(app, make, scene, scene.agent, 3)
    answer(app, old, 2, "Took ages", now=NOW - timedelta(days=3))
    answer(app, new, 5, "Brilliant help", now=NOW - timedelta(days=1))
    answer(app, silent, 4, "", now=NOW - timedelta(hours=2))

    with time_machine.travel(NOW, tick=False):
        client.login(scene.agent.email)
        comments = _section(_overview(client), "comments-title")

    assert comments.index("Brilliant help") < comments.index("Took ages")
    assert f"5 · Excellent {new.reference} · Rosa Jimenez · for Alex Moreau" in comments
    assert f"2 · Poor {old.reference} · Rosa Jimenez · for Alex Moreau" in comments
    assert silent.reference not in comments


def test_you_said_we_did_links_comments_to_a_change(app, client, make, scene):
    first, second, third = _requests_for(app, make, scene, scene.agent, 3)
    ids = [answer(app, first, 2, "Nobody told me"), answer(app, second, 1, "No updates")]
    answer(app, third, 2, "Unrelated")
    client.login(scene.agent.email)

    response = client.form_post(
        "/feedback/actions", {"responses": [str(i) for i in ids], "note": "We now text updates"}
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/feedback/")
    page = client.get("/feedback/").get_data(as_text=True)
    assert "Noted. The people who said it will see what changed." in visible_text(page)
    assert "We now text updates" in _section(page, "said-did-title")
    assert visible_text(page).count("We did: We now text updates") == 2
    [action] = fetch(app, FeedbackAction)
    assert action.created_by_id == scene.agent.id
    linked = {r.id: r.action_id for r in responses(app)}
    assert [linked[i] for i in ids] == [action.id, action.id]
    assert list(linked.values()).count(None) == 1

    client.login(scene.requester.email)
    words = page_text(client.get(f"/requests/{first.reference}"))
    assert "You said, we did: We now text updates" in words
    assert "You said, we did" not in page_text(client.get(f"/requests/{third.reference}"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "   "}, "Please say in a sentence what changed."),
        ({"note": ""}, "Please say in a sentence what changed."),
        ({}, "Please say in a sentence what changed."),
        ({"responses": [], "note": "Added a status page"},
         "Please choose the comments this change answers."),
        ({"responses": ["abc", "999999"], "note": "Added a status page"},
         "Please choose the comments this change answers."),
    ],
)
def test_you_said_we_did_needs_a_note_and_a_selection(app, client, scene, data, message):
    response_id = answer(app, scene.request, 2, "Too slow")
    if "responses" not in data:
        data = {**data, "responses": [str(response_id)]}
    client.login(scene.agent.email)

    response = client.form_post("/feedback/actions", data, follow_redirects=True)

    assert message in page_text(response)
    assert fetch(app, FeedbackAction) == []
    assert responses(app)[0].action_id is None


def test_for_unit_without_surveys_is_no_data_yet(app, make, scene):
    empty = make.unit("Legal")
    answer(app, scene.request, 5)
    with app.app_context():
        row = stats.for_unit(empty.id, NOW)
        busy = stats.for_unit(scene.unit.id, NOW)
        db.session.rollback()
    assert (row.key, row.answers, row.average, row.invited) == (empty.id, 0, None, 0)
    assert row.response_rate is None
    assert row.trend == ""
    assert (busy.answers, busy.average, busy.invited, busy.response_rate) == (1, 5.0, 1, 1.0)
