"""Accounts: creating people and checking who is signing in."""

from __future__ import annotations

from sqlalchemy import func, select, update

from tracker.auth.passwords import hash_password, needs_rehash, verify_password
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import Role, User

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """An account that can't be created or changed as asked."""


class WrongPassword(AccountError):
    """The password given to confirm a change isn't the person's own."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str,
    display_name: str,
    password: str,
    roles=(Role.REQUESTER,),
    **fields,
) -> User:
    """Create a person with the given roles; flushes, does not commit."""
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError("Please give a valid e-mail address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    taken = db.session.scalar(select(func.count()).select_from(User).where(User.email == email))
    if taken:
        raise AccountError(f"There is already an account for {email}.")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        **fields,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (no hint which was wrong)."""
    user = find_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def end_sessions(user_id: int) -> None:
    """Sign a person out everywhere by raising their session version; does not commit."""
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )


def change_password(user: User, current: str, new: str) -> None:
    """Replace a person's password after checking the current one; does not commit.

    Every other session of the person ends; the caller starts this one afresh.
    """
    if not verify_password(user.password_hash, current):
        raise WrongPassword("That isn't your current password.")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Please use at least {MIN_PASSWORD_LENGTH} characters.")
    if verify_password(user.password_hash, new):
        raise AccountError("That is your current password. Please choose a new one.")
    user.password_hash = hash_password(new)
    user.end_sessions()
    db.session.flush()
