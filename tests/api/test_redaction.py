"""API tokens stay out of logs and error reports."""

from __future__ import annotations

import logging

from tests.api.conftest import ApiCaller
from tracker.web.redaction import RedactSurveyTokens, redact, scrub_event

TOKEN = "rpt_" + "Abc-123_" * 5 + "xyz"


def test_redact_hides_api_tokens_wherever_they_appear():
    assert redact(f"Authorization: Bearer {TOKEN}") == "Authorization: Bearer rpt_[redacted]"
    assert redact(f"GET /api/v1/requests?token={TOKEN} HTTP/1.1") == (
        "GET /api/v1/requests?token=rpt_[redacted] HTTP/1.1"
    )
    assert redact("/api/v1/requests/REQ-000001") == "/api/v1/requests/REQ-000001"


def test_an_access_log_format_that_prints_the_header_is_redacted():
    # gunicorn's access log passes its atoms as a dict, e.g. %({authorization}i)s.
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '%(h)s "%(r)s" %({authorization}i)s', None, None)
    record.args = {"h": "10.0.0.1", "r": "GET /api/v1/units HTTP/1.1",
                   "{authorization}i": f"Bearer {TOKEN}"}
    assert RedactSurveyTokens().filter(record) is True
    assert TOKEN not in record.getMessage()
    assert "Bearer rpt_[redacted]" in record.getMessage()


def test_sentry_events_lose_the_authorization_and_cookie_headers():
    event = {
        "request": {
            "url": "https://rapport.example/api/v1/units",
            "headers": {"Authorization": f"Bearer {TOKEN}", "Cookie": "session=abc",
                        "User-Agent": "sync-script/1.0"},
        },
        "logentry": {"message": f"token {TOKEN} refused", "formatted": f"token {TOKEN}"},
        "exception": {"values": [{"value": f"bad {TOKEN}", "stacktrace": {"frames": []}}]},
    }
    scrubbed = scrub_event(event)
    assert scrubbed["request"]["headers"] == {
        "Authorization": "[redacted]", "Cookie": "[redacted]", "User-Agent": "sync-script/1.0",
    }
    assert TOKEN not in repr(scrubbed)


def test_a_failing_api_call_logs_no_token(app, make, caplog, monkeypatch):
    from tracker.api import units

    def explode(_user):
        raise RuntimeError("boom")

    monkeypatch.setattr(units, "visible_units", explode)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    secret = make.api_token(make.agent())
    with caplog.at_level(logging.DEBUG):
        assert ApiCaller(app.test_client(), secret).get("/units").status_code == 500
    assert caplog.records
    assert all(secret not in record.getMessage() for record in caplog.records)
