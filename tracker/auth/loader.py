"""Loading the signed-in person for each request."""

from __future__ import annotations

from flask import flash, g, redirect, request
from flask_login import login_url
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload

from tracker.auth.sessions import (
    IDLE_MESSAGE,
    ended_idle,
    idle_expired,
    refuse,
    session_version,
    touch,
)
from tracker.extensions import db, login_manager
from tracker.models import BusinessUnit, Notification, User
from tracker.web.audit import audit_denied


def load_session_user(user_id: str) -> User | None:
    """Flask-Login's loader: the session's person, if the session may still be used.

    The session must carry the person's current session version and have been used
    within the idle limit; otherwise it is cleared and nobody is signed in.
    """
    version = session_version()
    if version is None:
        refuse("revoked")
        return None
    if idle_expired():
        refuse("idle")
        return None
    user = load_user(user_id, session_version=version)
    if user is None:
        refuse("revoked")
        return None
    touch()
    return user


def _person_query(with_version: bool) -> Select:
    """The person with their roles, unit, BRM, buddies and unread count (by bound id)."""
    unread = (
        select(func.count())
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    query = (
        select(User, unread)
        .options(
            joinedload(User.role_grants),
            joinedload(User.it_buddy),
            joinedload(User.business_unit).joinedload(BusinessUnit.brm),
            joinedload(User.business_unit).joinedload(BusinessUnit.it_buddy),
        )
        .where(User.id == bindparam("user_id"), User.active.is_(True))
    )
    if with_version:
        query = query.where(User.session_version == bindparam("session_version"))
    return query


# Built once: every request runs one of these, and building it cost more than running it.
_PERSON = _person_query(with_version=False)
_PERSON_OF_SESSION = _person_query(with_version=True)


def load_user(user_id: str, session_version: int | None = None) -> User | None:
    """One query: the person with their roles, unit, BRM, buddies and unread count.

    With `session_version`, only a person whose sessions of that version still stand.
    """
    try:
        key = int(user_id)
    except (TypeError, ValueError):
        return None
    if session_version is None:
        row = db.session.execute(_PERSON, {"user_id": key}).unique().one_or_none()
    else:
        row = db.session.execute(
            _PERSON_OF_SESSION, {"user_id": key, "session_version": session_version}
        ).unique().one_or_none()
    if row is None:
        return None
    user, user.unread_count = row
    return user


def send_to_sign_in():
    """Flask-Login's unauthorized handler: log the refusal and ask the person to sign in."""
    reason = g.get("session_ended") or "not signed in"
    audit_denied(401, reason)
    flash(IDLE_MESSAGE if ended_idle() else login_manager.login_message, "info")
    return redirect(login_url(login_manager.login_view, next_url=request.url))
