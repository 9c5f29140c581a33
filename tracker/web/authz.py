"""Coarse role checks for views; per-object rules live in each feature's policies."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from tracker.models.users import Role
from tracker.web.audit import audit_denied


def staff_required(view):
    """IT staff only; anyone else signed in gets 404, as if the page did not exist."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            audit_denied(404, "staff only")
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: Role):
    """Any of the given roles; others signed in get 404."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                audit_denied(404, "role " + "/".join(sorted(roles)))
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator
