"""A low score asks what went wrong, can reopen the request, and tells the right people."""

from __future__ import annotations

import pytest

from tests.feedback.support import (
    fetch,
    get,
    in_app_post,
    invite,
    notifications_of,
    page_text,
    place,
    resolve,
    responses,
    survey_post,
)
from tracker.extensions import db
from tracker.models import EventKind, RequestEvent, Role, ServiceRequest, Stage, User

WHAT_WENT_WRONG = "What went wrong?"
REOPEN_BOX = "Please reopen my request, it isn't sorted"


def _stage(app, scene) -> str:
    return get(app, ServiceRequest, scene.request.id).stage


def _reopen_events(app, scene) -> list[RequestEvent]:
    return fetch(app, RequestEvent, request_id=scene.request.id, kind=EventKind.REOPENED.value)


def _follow_up(client, token, details, reopen=False):
    data = {"details": details}
    if reopen:
        data["reopen"] = "y"
    return client.form_post(f"/survey/{token}/follow-up", data)


def _in_app_follow_up(client, scene, details, reopen=False):
    data = {"details": details}
    if reopen:
        data["reopen"] = "y"
    return client.form_post(f"/requests/{scene.request.reference}/survey/follow-up", data)


@pytest.mark.parametrize("score", [1, 2])
def test_a_low_score_by_link_asks_what_went_wrong(app, client, scene, issued, score):
    resolve(client, scene.agent, scene.request)
    response = survey_post(app.test_client(), issued[0], score)
    words = page_text(response)
    assert WHAT_WENT_WRONG in words
    assert REOPEN_BOX in words
    assert f'action="/survey/{issued[0]}/follow-up"' in response.get_data(as_text=True)


@pytest.mark.parametrize("score", [3, 4, 5])
def test_a_fair_score_asks_nothing_more(app, client, scene, issued, score):
    resolve(client, scene.agent, scene.request)
    response = survey_post(app.test_client(), issued[0], score)
    assert response.status_code == 200
    assert WHAT_WENT_WRONG not in page_text(response)
    assert REOPEN_BOX not in page_text(response)

    client.login(scene.requester.email)
    assert WHAT_WENT_WRONG not in page_text(client.get(f"/requests/{scene.request.reference}"))


@pytest.mark.parametrize("score", [1, 2])
def test_a_low_score_in_app_asks_what_went_wrong(client, scene, score):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    response = in_app_post(client, scene.request, score)
    assert response.status_code == 200
    assert WHAT_WENT_WRONG in page_text(response)
    assert REOPEN_BOX in page_text(response)
    action = f'action="/requests/{scene.request.reference}/survey/follow-up"'
    assert action in response.get_data(as_text=True)


def test_a_fair_score_in_app_just_says_thanks(client, scene):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    response = in_app_post(client, scene.request, 3)
    assert response.status_code == 303
    assert WHAT_WENT_WRONG not in page_text(client.get(response.headers["Location"]))


def test_details_are_added_to_the_comment_without_reopening(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    visitor = app.test_client()
    survey_post(visitor, issued[0], 2, "Slow.")

    response = _follow_up(visitor, issued[0], "  It took a week to hear back.  ")

    assert response.status_code == 200
    assert "Thank you for telling us" in page_text(response)
    assert "Someone from IT will read this" in page_text(response)
    assert responses(app)[0].comment == "Slow.\n\nIt took a week to hear back."
    assert _stage(app, scene) == Stage.RESOLVED
    assert _reopen_events(app, scene) == []


def test_details_become_the_comment_when_there_was_none(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    visitor = app.test_client()
    survey_post(visitor, issued[0], 1)
    _follow_up(visitor, issued[0], "Nobody called me back")
    assert responses(app)[0].comment == "Nobody called me back"


def test_ticking_reopen_puts_a_resolved_request_back_in_progress(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    visitor = app.test_client()
    survey_post(visitor, issued[0], 1)

    response = _follow_up(visitor, issued[0], "The laptop died again", reopen=True)

    assert response.status_code == 200
    assert "We've reopened your request" in page_text(response)
    fresh = get(app, ServiceRequest, scene.request.id)
    assert fresh.stage == Stage.IN_PROGRESS
    assert fresh.reopen_count == 1
    assert fresh.resolved_at is None
    [event] = _reopen_events(app, scene)
    assert event.body == "The laptop died again"
    assert event.actor_id == scene.requester.id

    client.login(scene.agent.email)
    words = page_text(client.get(f"/requests/{scene.request.reference}"))
    assert "Rosa Jimenez said it isn't fixed yet" in words
    assert "The laptop died again" in words


def test_ticking_reopen_also_reopens_a_closed_request(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    assert client.form_post(f"/requests/{scene.request.reference}/confirm").status_code == 303
    assert _stage(app, scene) == Stage.CLOSED
    visitor = app.test_client()
    survey_post(visitor, issued[0], 2)

    _follow_up(visitor, issued[0], "It broke again the next day", reopen=True)

    fresh = get(app, ServiceRequest, scene.request.id)
    assert fresh.stage == Stage.IN_PROGRESS
    assert fresh.closed_at is None
    assert [e.body for e in _reopen_events(app, scene)] == ["It broke again the next day"]


def test_in_app_follow_up_reopens_and_goes_back_to_the_request(app, client, scene):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    in_app_post(client, scene.request, 1, "Bad")

    response = _in_app_follow_up(client, scene, "Screen still black", reopen=True)

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/requests/{scene.request.reference}")
    words = page_text(client.get(response.headers["Location"]))
    assert "We've reopened your request." in words
    assert "You said it isn't fixed yet" in words
    assert "Screen still black" in words
    assert _stage(app, scene) == Stage.IN_PROGRESS
    assert responses(app)[0].comment == "Bad\n\nScreen still black"


def test_in_app_follow_up_reopens_a_closed_request(app, client, scene):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    client.form_post(f"/requests/{scene.request.reference}/confirm")
    in_app_post(client, scene.request, 2)

    _in_app_follow_up(client, scene, "Closed too soon", reopen=True)

    assert _stage(app, scene) == Stage.IN_PROGRESS
    assert [e.body for e in _reopen_events(app, scene)] == ["Closed too soon"]


def test_follow_up_needs_some_words(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    visitor = app.test_client()
    survey_post(visitor, issued[0], 1, "Meh")

    response = _follow_up(visitor, issued[0], "   ", reopen=True)

    assert response.status_code == 422
    assert "Please tell us a little about what went wrong." in page_text(response)
    assert responses(app)[0].comment == "Meh"
    assert _stage(app, scene) == Stage.RESOLVED


def test_follow_up_before_answering_is_not_found(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    assert _follow_up(app.test_client(), issued[0], "Hmm").status_code == 404
    client.login(scene.requester.email)
    assert _in_app_follow_up(client, scene, "Hmm").status_code == 404


def test_follow_up_in_app_is_only_for_the_requester(app, client, make, scene):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    in_app_post(client, scene.request, 1)
    client.login(make.requester().email)
    assert _in_app_follow_up(client, scene, "Reopen it", reopen=True).status_code == 404
    assert _stage(app, scene) == Stage.RESOLVED


def test_a_low_score_tells_the_team_and_the_brm_but_not_the_requester(
    app, client, scene, issued
):
    resolve(client, scene.agent, scene.request)
    survey_post(app.test_client(), issued[0], 1, "Awful")

    for person in (scene.teammate, scene.brm):
        [note] = notifications_of(app, person)
        assert note.kind == "low_score"
        assert note.link == f"/requests/{scene.request.reference}"
        assert f"Low score on {scene.request.reference}" in note.message
        assert "rated it 1/5 (very poor)" in note.message
    [note] = notifications_of(app, scene.agent)
    assert note.kind == "survey_answered"
    assert note.message == f"Rosa Jimenez rated {scene.request.reference} 1/5 (very poor)."
    assert notifications_of(app, scene.requester) == []


@pytest.mark.parametrize("score", [3, 4, 5])
def test_a_fair_score_tells_only_the_assigned_agent(app, client, scene, issued, score):
    resolve(client, scene.agent, scene.request)
    survey_post(app.test_client(), issued[0], score)

    assert [n.kind for n in notifications_of(app, scene.agent)] == ["survey_answered"]
    for person in (scene.teammate, scene.brm, scene.requester):
        assert notifications_of(app, person) == []


def test_a_low_score_on_an_unassigned_request_still_reaches_team_and_brm(
    app, client, scene
):
    place(app, scene.request, agent=None, team=scene.team)
    token = invite(app, scene.request)
    survey_post(app.test_client(), token, 2)

    for person in (scene.agent, scene.teammate, scene.brm):
        assert [n.kind for n in notifications_of(app, person)] == ["low_score"]
    assert notifications_of(app, scene.requester) == []


def test_people_are_told_about_the_request_as_it_was_when_resolved(
    app, client, make, scene, issued
):
    resolve(client, scene.agent, scene.request)
    newcomer = make.agent()
    place(app, scene.request, agent=newcomer, team=None)
    survey_post(app.test_client(), issued[0], 2)

    assert [n.kind for n in notifications_of(app, scene.agent)] == ["survey_answered"]
    assert notifications_of(app, newcomer) == []
    assert responses(app)[0].agent_id == scene.agent.id


def test_the_requester_is_not_told_about_their_own_low_score(app, make):
    brm = make.user(roles=(Role.BRM,))
    agent = make.agent()
    unit = make.unit("Finance", brm=brm)
    with app.app_context():
        db.session.get(User, brm.id).business_unit_id = unit.id
        db.session.commit()
    team = make.team("Service Desk", members=[agent])
    sr = make.request(brm)
    place(app, sr, agent, team)
    token = invite(app, sr)
    survey_post(app.test_client(), token, 1, "Slow")
    assert notifications_of(app, brm) == []


def test_a_fair_score_offers_no_reopen_and_cannot_reopen(app, make):
    sr = make.request(make.requester(), stage=Stage.CLOSED)
    token = invite(app, sr)
    visitor = app.test_client()
    survey_post(visitor, token, 5)
    response = visitor.form_post(
        f"/survey/{token}/follow-up", {"details": "Reopen anyway", "reopen": "y"}
    )
    assert response.status_code == 404
    assert get(app, ServiceRequest, sr.id).stage == Stage.CLOSED


def test_reopening_withdraws_the_pending_survey(app, client, scene):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    assert "How did we do?" in page_text(client.get(f"/requests/{scene.request.reference}"))
    client.form_post(f"/requests/{scene.request.reference}/reopen", {"reason": "Broken again"})
    assert "How did we do?" not in page_text(client.get(f"/requests/{scene.request.reference}"))
