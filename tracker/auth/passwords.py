"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# The test suite signs in a thousand times: it uses the same algorithm at its lowest cost
# (TestConfig sets ARGON2_PROFILE = "cheapest").
_cheapest = PasswordHasher.from_parameters(profiles.CHEAPEST)

# Verified against when the e-mail is unknown, so a wrong address costs as much time
# as a wrong password and the two can't be told apart.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
_DUMMY_HASH_CHEAPEST = _cheapest.hash("not-a-real-password")


def _current() -> PasswordHasher:
    if has_app_context() and current_app.config.get("ARGON2_PROFILE") == "cheapest":
        return _cheapest
    return _hasher


def hash_password(password: str) -> str:
    return _current().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _current()
    dummy = _DUMMY_HASH_CHEAPEST if hasher is _cheapest else _DUMMY_HASH
    try:
        return hasher.verify(password_hash or dummy, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _current().check_needs_rehash(password_hash)
