"""Keep survey links' tokens and API tokens out of logs and error reports.

A survey token answers a survey without signing in, so it is as sensitive as a
password: the access logs (Werkzeug's, gunicorn's) and Sentry see it only as
/survey/[redacted]. API tokens (rpt_…) travel in the Authorization header, which no
access log writes by default; should one be logged anyway (a custom gunicorn access log
format, a message quoting a header), it reads rpt_[redacted], and Sentry never receives
the Authorization or Cookie headers.
"""

from __future__ import annotations

import logging
import re

_SURVEY_PATH = re.compile(r"/survey/[^/\s?\"'#]+")
REDACTED = "/survey/[redacted]"
_API_TOKEN = re.compile(r"rpt_[A-Za-z0-9_-]+")
API_TOKEN_REDACTED = "rpt_[redacted]"  # noqa: S105  (what replaces one)
_SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


def redact(text: str) -> str:
    return _API_TOKEN.sub(API_TOKEN_REDACTED, _SURVEY_PATH.sub(REDACTED, text))


class RedactSurveyTokens(logging.Filter):
    """Rewrite survey paths in a log record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            if isinstance(record.args, dict):
                record.args = {k: redact(v) if isinstance(v, str) else v
                               for k, v in record.args.items()}
            else:
                record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_log_redaction() -> None:
    """Attach the filter to the loggers that write request lines."""
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "tracker", "tracker.audit"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSurveyTokens) for f in logger.filters):
            logger.addFilter(RedactSurveyTokens())


def scrub_event(event: dict, _hint: dict | None = None) -> dict:
    """Sentry before_send: no survey or API tokens in URLs, headers, breadcrumbs or messages."""
    request = event.get("request") or {}
    for key in ("url", "query_string"):
        if isinstance(request.get(key), str):
            request[key] = redact(request[key])
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {name: "[redacted]" if name.lower() in _SECRET_HEADERS else value
                              for name, value in headers.items()}
    for crumb in (event.get("breadcrumbs") or {}).get("values", []) or []:
        if isinstance(crumb.get("message"), str):
            crumb["message"] = redact(crumb["message"])
        data = crumb.get("data") or {}
        if isinstance(data.get("url"), str):
            data["url"] = redact(data["url"])
    if isinstance(event.get("transaction"), str):
        event["transaction"] = redact(event["transaction"])
    logentry = event.get("logentry") or {}
    for key in ("message", "formatted"):
        if isinstance(logentry.get(key), str):
            logentry[key] = redact(logentry[key])
    for exception in (event.get("exception") or {}).get("values", []) or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = redact(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames", []) or []:
            frame.pop("vars", None)
    return event
