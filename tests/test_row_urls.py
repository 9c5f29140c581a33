"""row_url: the links repeated on every card and row are the ones url_for builds."""

from __future__ import annotations

import pytest
from flask import url_for

from tracker.web.filters import row_url


@pytest.mark.parametrize(
    ("endpoint", "value"),
    [
        ("triage.panel", {"reference": "REQ-000042"}),
        ("triage.assign", {"reference": "REQ-123456"}),
        ("service_requests.detail", {"reference": "REQ-000007"}),
        ("shadow_it.detail", {"tool_id": 12}),
        ("shadow_it.detail", {"tool_id": 987654321}),  # the stand-in value itself
    ],
)
def test_row_url_is_url_for(app, endpoint, value):
    with app.test_request_context("/board"):
        assert row_url(endpoint, **value) == url_for(endpoint, **value)
        assert row_url(endpoint, **value) == url_for(endpoint, **value)  # from the cache


def test_a_value_that_needs_escaping_goes_through_url_for(app):
    with app.test_request_context("/board"):
        assert row_url("triage.panel", reference="a b/c") == url_for(
            "triage.panel", reference="a b/c"
        )
        assert "%20" in row_url("triage.panel", reference="a b/c")
