"""Slowing down password guessing: failures counted per account and per address.

At most RAPPORT_LOGIN_MAX_FAILURES failed sign-ins in RAPPORT_LOGIN_WINDOW_MINUTES,
counted both for the e-mail typed (lower-cased, whether or not it has an account, so a
block says nothing about which accounts exist) and for the client address. A success
clears its own account's count but never the address's count of failures for others.

The counts live where every gunicorn worker sees them: the `login_attempts` table, or
Redis when RATELIMIT_STORAGE_URI is a redis:// URL.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, delete, func, or_, select

from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import LoginAttempt

BLOCKED_MESSAGE = (
    "There have been too many sign-in attempts. For your safety, please wait a few "
    "minutes and try again."
)
KEEP_ATTEMPTS = timedelta(days=1)


def _limits() -> tuple[int, int]:
    config = current_app.config
    return (
        config.get("RAPPORT_LOGIN_MAX_FAILURES", 10),
        config.get("RAPPORT_LOGIN_WINDOW_MINUTES", 15) * 60,
    )


def _email_key(email: str) -> str:
    return email.strip().lower()[:254]


class DatabaseThrottle:
    """Counts failures in the login_attempts table."""

    def is_blocked(self, email: str, address: str) -> bool:
        limit, window = _limits()
        email = _email_key(email)
        since = utcnow() - timedelta(seconds=window)
        last_success = (
            select(func.max(LoginAttempt.created_at))
            .where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(True))
            .scalar_subquery()
        )
        account_failure = (LoginAttempt.email == email) & (
            last_success.is_(None) | (LoginAttempt.created_at > last_success)
        )
        by_account, by_address = db.session.execute(
            select(
                func.count(case((account_failure, 1))),
                func.count(case((LoginAttempt.address == address, 1))),
            ).where(
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.created_at >= since,
                or_(LoginAttempt.email == email, LoginAttempt.address == address),
            )
        ).one()
        return by_account >= limit or by_address >= limit

    def record(self, email: str, address: str, succeeded: bool) -> None:
        db.session.add(
            LoginAttempt(email=_email_key(email), address=address[:64], succeeded=succeeded)
        )
        db.session.flush()


class RedisThrottle:
    """Counts failures in Redis sorted sets (one per account, one per address).

    Keys hold a hash of the e-mail, not the address itself, and expire with the window.
    """

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2)

    @staticmethod
    def _keys(email: str, address: str) -> tuple[str, str]:
        digest = hashlib.sha256(_email_key(email).encode()).hexdigest()
        return f"rapport:login-failures:email:{digest}", f"rapport:login-failures:addr:{address}"

    def is_blocked(self, email: str, address: str) -> bool:
        limit, window = _limits()
        now = time.time()
        pipe = self.redis.pipeline()
        for key in self._keys(email, address):
            pipe.zremrangebyscore(key, 0, now - window)
            pipe.zcard(key)
        results = pipe.execute()
        return results[1] >= limit or results[3] >= limit

    def record(self, email: str, address: str, succeeded: bool) -> None:
        _limit, window = _limits()
        email_key, address_key = self._keys(email, address)
        pipe = self.redis.pipeline()
        if succeeded:
            pipe.delete(email_key)
        else:
            now = time.time()
            member = f"{now}:{uuid.uuid4().hex}"
            for key in (email_key, address_key):
                pipe.zadd(key, {member: now})
                pipe.expire(key, window)
        pipe.execute()


def throttle() -> DatabaseThrottle | RedisThrottle:
    """The store this app is configured for (one Redis client per app)."""
    url = current_app.config.get("RATELIMIT_STORAGE_URI")
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        store = current_app.extensions.get("rapport_login_throttle")
        if store is None:
            store = current_app.extensions["rapport_login_throttle"] = RedisThrottle(url)
        return store
    return DatabaseThrottle()


def prune_attempts(older_than: timedelta = KEEP_ATTEMPTS) -> int:
    """Delete attempts older than `older_than`; flushes, does not commit."""
    result = db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.created_at < utcnow() - older_than)
    )
    return result.rowcount or 0
