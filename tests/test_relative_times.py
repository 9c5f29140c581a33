"""'3 hours ago': the words on every timeline and list are humanize's, for every moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import humanize
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.web.filters import ago

NOW = datetime(2026, 6, 15, 12, 0, 0, 250_000, tzinfo=UTC)


def _deltas():
    yield from (timedelta(seconds=s) for s in range(0, 3 * 3600))  # every second, 3 hours
    yield from (timedelta(seconds=s) for s in range(3 * 3600, 2 * 86400, 7))
    for days in range(0, 3 * 365 + 3):
        yield from (timedelta(days=days, seconds=s) for s in (0, 43_199, 86_399))
    yield from (timedelta(days=d) for d in (3650, 36_500))
    yield from (timedelta(microseconds=m) for m in (1, 499_999, 999_999))


@time_machine.travel(NOW, tick=False)
def test_every_past_moment_reads_as_humanize_says():
    wrong = [
        (delta, ago(NOW - delta), humanize.naturaltime(delta))
        for delta in _deltas()
        if ago(NOW - delta) != humanize.naturaltime(delta)
    ]
    assert wrong == []


@settings(max_examples=500, deadline=None)
@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20 * 365)))
def test_any_past_moment_reads_as_humanize_says(delta):
    with time_machine.travel(NOW, tick=False):
        assert ago(NOW - delta) == humanize.naturaltime(delta)


@time_machine.travel(NOW, tick=False)
def test_a_moment_ahead_of_our_clock_is_still_put_in_words():
    assert ago(NOW + timedelta(minutes=5)) == "5 minutes from now"
    assert ago(None) == ""


def test_the_request_page_says_how_long_ago_things_happened(app, client, make):
    requester = make.user()
    service_request = make.request(requester=requester, age=timedelta(hours=3, minutes=10))
    client.login(requester.email)
    page = client.get(f"/requests/{service_request.reference}").get_data(as_text=True)
    assert "asked by you <time" in page
    assert ">3 hours ago</time>" in page
