"""A person's own settings: their details and their password."""

from __future__ import annotations

import logging

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from tracker.auth.api_tokens import api_token_section
from tracker.auth.forms import PasswordForm
from tracker.auth.services import AccountError, WrongPassword, change_password
from tracker.auth.sessions import start_session
from tracker.auth.throttling import BLOCKED_MESSAGE, throttle
from tracker.auth.views import bp
from tracker.extensions import db
from tracker.mail.forms import email_section
from tracker.relationships.services import it_people_for
from tracker.web.audit import audit, client_address
from tracker.web.rendering import render


def _render_settings(status: int = 200, block: str | None = None, **forms):
    return render(
        "auth/settings.html",
        block=block,
        status=status,
        password_form=forms.get("password_form") or PasswordForm(formdata=None),
        it_people=it_people_for(current_user),
        **email_section(current_user, forms.get("email_form")),
        **api_token_section(forms),
    )


@bp.get("/settings")
@login_required
def settings():
    return _render_settings()


@bp.post("/settings/password")
@login_required
def change_own_password():
    form = PasswordForm()
    if not form.validate_on_submit():
        return _render_settings(422, password_form=form)
    store, email, address = throttle(), current_user.email, client_address()
    if store.is_blocked(email, address):
        audit("password-change-blocked")
        form.current.errors = [BLOCKED_MESSAGE]
        return _render_settings(429, password_form=form)
    try:
        change_password(current_user, form.current.data, form.new.data)
    except WrongPassword as exc:
        db.session.rollback()
        store.record(email, address, succeeded=False)  # guesses count as failed sign-ins
        db.session.commit()
        audit("password-change-failed")
        form.current.errors = [str(exc)]
        return _render_settings(422, password_form=form)
    except AccountError as exc:
        db.session.rollback()
        form.new.errors = [str(exc)]
        return _render_settings(422, password_form=form)
    db.session.commit()
    start_session(current_user)  # this browser stays signed in, every other one is not
    audit("password-changed", level=logging.INFO)
    flash(
        "Your password has been changed. You're still signed in here, and signed out "
        "everywhere else.",
        "success",
    )
    return redirect(url_for(".settings"), 303)
