"""Pages run a fixed number of queries, however many requests and comments exist."""

from __future__ import annotations

import pytest

from tests.attachments.samples import png
from tracker.models import Stage

SCREENSHOT = png(32, 24)


def _queries(client, count_queries, url) -> int:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def _fill(make, rosa, agent, requests: int, comments: int):
    first = None
    for n in range(requests):
        sr = make.request(rosa, title=f"Request {n}", stage=list(Stage)[n % 5])
        first = first or sr
    for n in range(comments):
        author = agent if n % 2 else rosa
        event = make.comment(first, author, f"Message {n}",
                             internal=author is agent and n % 3 == 0)
        make.attachment(first, author, SCREENSHOT, f"shot-{n}.png", event=event)
    return first


@pytest.mark.parametrize(
    ("url", "who", "budget"),
    [
        ("/", "requester", 5),  # + open relationship pulses
        ("/requests/", "requester", 3),
        # + the glossary's version (IT's replies explained) and the request's files
        ("/requests/{ref}", "requester", 7),
        ("/requests/{ref}", "agent", 5),  # + all the request's files in one query
    ],
)
def test_page_query_count_does_not_grow_with_data(client, make, count_queries, url, who, budget):
    unit = make.unit(brm=make.user(), buddy=make.agent())
    rosa = make.requester(unit=unit)
    agent = make.agent()
    person = rosa if who == "requester" else agent
    client.login(person.email)

    first = _fill(make, rosa, agent, requests=2, comments=2)
    # The first page of a process also compiles the glossary (one more query, once): warm up.
    client.get(url.format(ref=first.reference))
    small = _queries(client, count_queries, url.format(ref=first.reference))
    _fill(make, rosa, agent, requests=25, comments=0)
    for n in range(30):
        author = agent if n % 2 else rosa
        event = make.comment(first, author, f"More {n}", internal=author is agent and n % 4 == 1)
        if n % 3 == 0:
            make.attachment(first, author, SCREENSHOT, f"more-{n}.png", event=event)
    make.attachment(first, rosa, SCREENSHOT, "filed.png")
    large = _queries(client, count_queries, url.format(ref=first.reference))

    assert small == large
    assert large <= budget
