"""Feedback pages run a fixed number of queries however many surveys there are."""

from __future__ import annotations

import pytest

from tests.feedback.support import answer, invite, place


def _queries(client, count_queries, url: str) -> int:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def _fill(app, make, scene, count: int, agents) -> None:
    for n in range(count):
        sr = make.request(scene.requester, title=f"Request {n}")
        place(app, sr, agents[n % len(agents)], scene.team)
        if n % 3 == 2:
            invite(app, sr)
        else:
            answer(app, sr, n % 5 + 1, f"Comment {n}" if n % 2 else "")


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_pages_do_not_grow_with_feedback(app, client, make, count_queries, scene, who):
    url = "/feedback/" if who == "agent" else "/"
    person = scene.agent if who == "agent" else scene.requester
    client.login(person.email)
    _fill(app, make, scene, 4, [scene.agent])
    small = _queries(client, count_queries, url)

    others = [make.agent() for _ in range(4)]
    _fill(app, make, scene, 24, [scene.agent, scene.teammate, *others])
    large = _queries(client, count_queries, url)

    assert small == large


def test_request_page_does_not_grow_with_surveys(app, client, make, count_queries, scene):
    client.login(scene.requester.email)
    answer(app, scene.request, 2, "First time")
    invite(app, scene.request)
    small = _queries(client, count_queries, f"/requests/{scene.request.reference}")

    for n in range(10):
        answer(app, scene.request, 4, f"Again {n}")
    invite(app, scene.request)
    large = _queries(client, count_queries, f"/requests/{scene.request.reference}")

    assert small == large
