"""Sessions that end on the server: a version per person and an idle timeout.

Flask keeps the session in a signed cookie, which can't be taken back once issued. So
the cookie also carries the person's `session_version` ("sv") from sign-in; raising
that number (sign-out, a new password, a switched-off account) makes every earlier
cookie worthless. The cookie also carries when it was last used ("seen"), refreshed at
most once a minute, and a session left idle longer than RAPPORT_IDLE_MINUTES is refused.
"""

from __future__ import annotations

import time

from flask import current_app, g, session

VERSION_KEY = "sv"
SEEN_KEY = "seen"
TOUCH_EVERY_SECONDS = 60
IDLE_MESSAGE = "You were signed out after a while without activity. Please sign in again."


def start_session(user) -> None:
    """Mark a freshly signed-in session with the person's version and the time."""
    session[VERSION_KEY] = user.session_version
    session[SEEN_KEY] = int(time.time())
    session.permanent = True


def session_version() -> int | None:
    """The version this session was signed in with, or None for a session without one."""
    version = session.get(VERSION_KEY)
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def idle_expired() -> bool:
    """True when the session was last used longer ago than the idle limit allows."""
    seen = session.get(SEEN_KEY)
    limit = current_app.config.get("RAPPORT_IDLE_MINUTES", 120) * 60
    if not isinstance(seen, int | float):
        return True
    return time.time() - seen > limit


def touch() -> None:
    """Record that the session is in use; the cookie is rewritten at most once a minute."""
    now = int(time.time())
    if now - int(session.get(SEEN_KEY, 0)) >= TOUCH_EVERY_SECONDS:
        session[SEEN_KEY] = now


def refuse(reason: str) -> None:
    """Forget a session that may no longer be used, and remember why for the redirect."""
    session.clear()
    g.session_ended = reason


def ended_idle() -> bool:
    return g.get("session_ended") == "idle"
