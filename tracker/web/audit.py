"""The audit trail: sign-ins and refused requests, one line each, on `tracker.audit`.

Lines name who (user id, or the e-mail typed), from where (client address), and what
(method and route). Never passwords, tokens or cookies. Every value someone could type
is written with repr(), so a newline in an e-mail address can't start a forged line.
"""

from __future__ import annotations

import logging

from flask import g, request
from flask_login import current_user

from tracker.database import utcnow
from tracker.web.redaction import redact

logger = logging.getLogger("tracker.audit")


def client_address() -> str:
    """The client's address as the app sees it (after ProxyFix, when configured)."""
    return (request.remote_addr or "unknown")[:64]


def _route() -> str:
    # The route's rule (/survey/<token>) rather than the path, so no secrets in the log.
    rule = request.url_rule.rule if request.url_rule is not None else redact(request.path)
    return f"{request.method} {rule}"


def _who(email: str | None) -> str:
    if email is not None:
        return f"email={email!r}"
    user = current_user
    if user is not None and user.is_authenticated:
        return f"user={user.id}"
    return "user=anonymous"


def audit(event: str, *, email: str | None = None, level: int = logging.WARNING, **extra) -> None:
    """Write one audit line for this request; `event` is a fixed word, never user input."""
    parts = [
        event,
        f"at={utcnow().isoformat(timespec='seconds')}",
        _who(email),
        f"address={client_address()!r}",
        f"request={_route()!r}",
        *(f"{key}={value!r}" for key, value in extra.items()),
    ]
    logger.log(level, "%s", " ".join(parts))
    g.audited = True


def audit_denied(status: int, reason: str) -> None:
    """A refused request, logged once however many layers refuse it."""
    if not g.get("audited"):
        audit("denied", status=status, reason=reason)


def install_audit_log() -> None:
    """Audit lines are INFO and up; where they go is the deployment's logging config."""
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
