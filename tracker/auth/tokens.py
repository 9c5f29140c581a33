"""Personal API tokens: issued once, kept only as a SHA-256, revoked at once.

A token reads `rpt_` followed by 43 URL-safe characters (32 random bytes). The person
sees it once, when it is made; the database keeps its SHA-256 (a fast hash is enough
for 256 random bits: there is nothing to guess) and its first characters, so the
settings page can show which token is which.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import abort
from sqlalchemy import func, select

from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import ApiToken, User
from tracker.models.requests import parse_id

TOKEN_PREFIX = "rpt_"  # noqa: S105  (a label, not a secret)
SHOWN_CHARACTERS = 8  # of the random part, after "rpt_"
MAX_ACTIVE_TOKENS = 20
# What a token looks like; anything else is refused before the database is asked.
TOKEN_PATTERN = re.compile(r"^rpt_[A-Za-z0-9_-]{43}$")
EXPIRY_CHOICES = {"30": timedelta(days=30), "90": timedelta(days=90),
                  "365": timedelta(days=365), "never": None}


class TokenError(ValueError):
    """A token that can't be made as asked."""


def secret_sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def active_tokens_of(user: User) -> list[ApiToken]:
    """The person's tokens that were not revoked (expired ones too, marked by the page)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def issue_token(
    user: User, name: str, expires_in: timedelta | None, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its secret, which is never stored."""
    now = now or utcnow()
    active = db.session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise TokenError(
            f"You already have {MAX_ACTIVE_TOKENS} tokens. Please revoke one you no longer "
            "use first."
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        prefix=secret[: len(TOKEN_PREFIX) + SHOWN_CHARACTERS],
        secret_sha256=secret_sha256(secret),
        created_at=now,
        expires_at=now + expires_in if expires_in is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def load_own_token_or_404(user: User, token_id) -> ApiToken:
    """One of the person's own tokens that still works; anybody else's is a 404."""
    key = parse_id(str(token_id))
    token = db.session.get(ApiToken, key) if key is not None else None
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        abort(404)
    return token


def revoke_token(token: ApiToken, now: datetime | None = None) -> None:
    """From now on the token is refused; the row stays as a record."""
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()
