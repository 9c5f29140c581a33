"""The survey inside the app: the card on the request page and on the portal home."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.feedback.support import (
    in_app_post,
    invitations,
    invite,
    page_text,
    resolve,
    responses,
)
from tracker.models import Role

CARD = "One question about this request"
SURVEY_BOX = re.compile(r'<section class="callout survey-callout.*?</section>', re.S)
SURVEY_LINK = re.compile(r'<li><a href="([^"]+)">([^<]+)</a>')
FRIDAY = datetime(2026, 5, 8, 15, 0, tzinfo=UTC)


def _detail(client, scene) -> str:
    response = client.get(f"/requests/{scene.request.reference}")
    assert response.status_code == 200
    return page_text(response)


def _surveys_on_home(client) -> list[tuple[str, str]]:
    """The (link, title) pairs in the portal home's survey box."""
    page = client.get("/").get_data(as_text=True)
    box = SURVEY_BOX.search(page)
    if box is None:
        return []
    return SURVEY_LINK.findall(box.group(0))


def test_requester_sees_the_card_while_the_survey_is_pending(client, scene):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)

    words = _detail(client, scene)

    assert CARD in words
    assert "How did we do?" in words
    assert "5 · Excellent" in words


@pytest.mark.parametrize("roles", [(Role.AGENT,), (Role.ADMIN,), (Role.BUDDY,)])
def test_staff_never_see_the_card(client, make, scene, roles):
    resolve(client, scene.agent, scene.request)
    client.login(make.user(roles=roles).email)
    assert CARD not in _detail(client, scene)


def test_the_card_goes_away_once_answered(app, client, scene):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)

    response = in_app_post(client, scene.request, 4, "Sorted within the hour")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/requests/{scene.request.reference}")
    words = _detail(client, scene)
    assert "Thank you for your feedback!" in words
    assert CARD not in words
    assert "Your feedback" in words
    assert "4 · Good" in words
    assert "Sorted within the hour" in words
    [stored] = responses(app)
    assert (stored.score, stored.comment) == (4, "Sorted within the hour")
    assert stored.agent_id == scene.agent.id
    assert invitations(app)[0].answered_at is not None


def test_the_card_goes_away_when_the_survey_expires(app, client, scene):
    invite(app, scene.request, now=FRIDAY)
    with time_machine.travel(FRIDAY + timedelta(days=1), tick=False):
        client.login(scene.requester.email)
        assert CARD in _detail(client, scene)
    with time_machine.travel(FRIDAY + timedelta(days=14, minutes=1), tick=False):
        client.login(scene.requester.email)
        assert CARD not in _detail(client, scene)
        response = in_app_post(client, scene.request, 5)
        assert response.status_code == 303
        assert "already been answered or has closed" in page_text(
            client.get(response.headers["Location"])
        )
    assert responses(app) == []


def test_answering_in_app_closes_the_link_too(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    in_app_post(client, scene.request, 5)

    by_link = app.test_client().get(f"/survey/{issued[0]}")

    assert "already answered" in page_text(by_link)
    assert len(responses(app)) == 1


@pytest.mark.parametrize("who", ["other requester", "agent"])
def test_only_the_requester_can_answer_in_app(app, client, make, scene, who):
    resolve(client, scene.agent, scene.request)
    person = make.requester(unit=scene.unit) if who == "other requester" else scene.agent
    client.login(person.email)

    response = in_app_post(client, scene.request, 1, "Terrible")

    assert response.status_code == 404
    assert responses(app) == []
    assert invitations(app)[0].answered_at is None


def test_answering_twice_in_app_keeps_the_first_answer(app, client, scene):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    in_app_post(client, scene.request, 5)

    again = in_app_post(client, scene.request, 1)

    assert again.status_code == 303
    assert "already been answered or has closed" in page_text(
        client.get(again.headers["Location"])
    )
    assert [r.score for r in responses(app)] == [5]


def test_portal_home_lists_pending_surveys(app, client, make, scene):
    other = make.request(scene.requester, title="Second monitor flickers")
    someone_elses = make.request(make.requester(), title="Not Rosa's request")
    invite(app, scene.request)
    invite(app, someone_elses)
    client.login(scene.requester.email)

    listed = _surveys_on_home(client)

    assert listed == [(f"/requests/{scene.request.reference}#survey", "Laptop will not start")]

    invite(app, other)
    in_app_post(client, scene.request, 3)
    assert _surveys_on_home(client) == [
        (f"/requests/{other.reference}#survey", "Second monitor flickers")
    ]


def test_portal_home_without_pending_surveys_asks_nothing(app, client, scene):
    client.login(scene.requester.email)
    assert "One quick question each" not in page_text(client.get("/"))
    invite(app, scene.request)
    assert "One quick question each" in page_text(client.get("/"))


def test_staff_see_the_feedback_and_a_timeline_entry(app, client, scene):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    in_app_post(client, scene.request, 4, "Thanks Alex")

    client.login(scene.agent.email)
    words = _detail(client, scene)

    assert "Feedback 4 · Good “Thanks Alex”" in words
    assert "Your feedback" not in words
    assert "Rosa Jimenez rated it 4/5" in words
    assert CARD not in words


def test_the_rating_is_not_a_timeline_entry_for_the_requester(client, scene):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    in_app_post(client, scene.request, 2)
    words = _detail(client, scene)
    assert "rated it" not in words
    assert "Your feedback 2 · Poor" in words
