"""Survey tokens stay out of access logs, application logs and error reports."""

from __future__ import annotations

import copy
import logging
import threading
from http.client import HTTPConnection

import pytest
from werkzeug.serving import make_server

from tests.feedback.support import invite
from tracker.feedback import surveys
from tracker.web.redaction import RedactSurveyTokens, redact, scrub_event

TOKEN = "Zm9vYmFyLXNlY3JldC10b2tlbi0xMjM0NTY3ODkwYWJj"


class Collect(logging.Handler):
    """Keeps every formatted message a logger hands to its handlers."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record))


@pytest.fixture
def collected():
    """A collecting handler on the loggers that write request lines and errors."""
    handler = Collect()
    loggers = [logging.getLogger(name) for name in ("werkzeug", "tracker")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def _record(msg, args) -> logging.LogRecord:
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, msg, args, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"/survey/{TOKEN}", "/survey/[redacted]"),
        (f"GET /survey/{TOKEN} HTTP/1.1", "GET /survey/[redacted] HTTP/1.1"),
        (f"/survey/{TOKEN}/follow-up", "/survey/[redacted]/follow-up"),
        (f"/survey/{TOKEN}?utm=mail", "/survey/[redacted]?utm=mail"),
        (f"/survey/{TOKEN}#top", "/survey/[redacted]#top"),
        (f"https://rapport.example/survey/{TOKEN}", "https://rapport.example/survey/[redacted]"),
        (f'"/survey/{TOKEN}"', '"/survey/[redacted]"'),
        (f"/survey/a-b_c and /survey/{TOKEN}", "/survey/[redacted] and /survey/[redacted]"),
        ("/requests/REQ-000001", "/requests/REQ-000001"),
        ("/survey/", "/survey/"),
    ],
)
def test_redact_hides_the_token_in_survey_paths(text, expected):
    assert redact(text) == expected


def test_the_filter_rewrites_tuple_arguments():
    record = _record(
        '%s - - [%s] "%s" %s %s',
        ("127.0.0.1", "01/Jun/2026 10:00:00", f"GET /survey/{TOKEN} HTTP/1.1", 200, 512),
    )

    assert RedactSurveyTokens().filter(record) is True

    message = record.getMessage()
    assert TOKEN not in message
    assert '"GET /survey/[redacted] HTTP/1.1" 200 512' in message


def test_the_filter_rewrites_dict_arguments_and_the_message():
    record = _record("%(path)s took %(ms)d ms", None)
    record.args = {"path": f"/survey/{TOKEN}", "ms": 12}
    assert RedactSurveyTokens().filter(record) is True
    assert record.getMessage() == "/survey/[redacted] took 12 ms"

    plain = _record(f"Exception on /survey/{TOKEN} [POST]", ())
    assert RedactSurveyTokens().filter(plain) is True
    assert plain.getMessage() == "Exception on /survey/[redacted] [POST]"


def test_the_werkzeug_logger_never_writes_the_token(app, collected):
    logging.getLogger("werkzeug").info(
        '%s - - [%s] "%s" %s %s',
        "127.0.0.1", "01/Jun/2026 10:00:00", f"POST /survey/{TOKEN} HTTP/1.1", "200", "-",
    )
    assert collected.messages
    assert all(TOKEN not in message for message in collected.messages)
    assert "/survey/[redacted]" in collected.messages[-1]


def test_a_real_server_logs_survey_requests_redacted(app, make, collected):
    token = invite(app, make.request(make.requester()))
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    statuses = []
    try:
        for path in (f"/survey/{token}?from=mail", f"/survey/{token}x"):
            connection = HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            connection.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    assert statuses == [200, 404]
    lines = [m for m in collected.messages if "/survey/" in m]
    assert len(lines) == 2
    assert all(token not in message for message in collected.messages)
    assert "GET /survey/[redacted]?from=mail HTTP/1.1" in lines[0]


def test_an_error_on_the_survey_page_is_logged_without_the_token(
    app, make, monkeypatch, collected
):
    token = invite(app, make.request(make.requester()))

    def broken(_token):
        raise RuntimeError("database went away")

    monkeypatch.setattr(surveys, "find_by_token", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    response = app.test_client().get(f"/survey/{token}")

    assert response.status_code == 500
    errors = [m for m in collected.messages if "Exception on" in m]
    assert errors
    assert "Exception on /survey/[redacted] [GET]" in errors[0]
    assert all(token not in message for message in collected.messages)


def test_the_filter_is_installed_on_the_request_loggers(app):
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "tracker"):
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, RedactSurveyTokens) for f in filters) == 1


def _event() -> dict:
    return {
        "request": {
            "url": f"https://rapport.example/survey/{TOKEN}",
            "query_string": f"next=/survey/{TOKEN}",
            "method": "POST",
        },
        "breadcrumbs": {
            "values": [
                {"category": "httplib", "data": {"url": f"/survey/{TOKEN}/follow-up"}},
                {"category": "log", "message": f"Opened /survey/{TOKEN}"},
                {"category": "query", "data": {"rows": 1}},
            ]
        },
        "transaction": f"/survey/{TOKEN}",
        "level": "error",
    }


def test_scrub_event_removes_the_token_from_a_sentry_event():
    event = _event()

    scrubbed = scrub_event(event, {})

    assert TOKEN not in repr(scrubbed)
    assert scrubbed["request"]["url"] == "https://rapport.example/survey/[redacted]"
    assert scrubbed["request"]["query_string"] == "next=/survey/[redacted]"
    crumbs = scrubbed["breadcrumbs"]["values"]
    assert crumbs[0]["data"]["url"] == "/survey/[redacted]/follow-up"
    assert crumbs[1]["message"] == "Opened /survey/[redacted]"
    assert crumbs[2] == {"category": "query", "data": {"rows": 1}}
    assert scrubbed["transaction"] == "/survey/[redacted]"
    assert (scrubbed["request"]["method"], scrubbed["level"]) == ("POST", "error")


@pytest.mark.parametrize(
    "event",
    [{}, {"request": None, "breadcrumbs": None}, {"breadcrumbs": {"values": None}},
     {"breadcrumbs": {"values": [{"data": None}]}}, {"transaction": None}],
)
def test_scrub_event_copes_with_missing_parts(event):
    before = copy.deepcopy(event)
    assert scrub_event(event) == before


def test_sentry_events_from_a_survey_page_hold_no_token(app, make, monkeypatch):
    import json

    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.transport import Transport

    events = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            events.extend(i.payload.json for i in envelope.items if i.type == "event")

    token = invite(app, make.request(make.requester()))

    def broken(_token):
        raise RuntimeError("database went away")

    monkeypatch.setattr(surveys, "hash_token", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    sentry_sdk.init(
        dsn="https://public@example.invalid/1", transport=Capture,
        integrations=[FlaskIntegration()],
        include_local_variables=False, before_send=scrub_event,
        before_send_transaction=scrub_event,
    )
    try:
        assert app.test_client().get(f"/survey/{token}").status_code == 500
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()
    assert events
    assert events[0]["request"]["url"].endswith("/survey/[redacted]")
    assert token not in json.dumps(events)
