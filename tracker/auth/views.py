"""Sign in and sign out."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from tracker.auth.forms import LoginForm, LogoutForm
from tracker.auth.redirects import safe_next_url
from tracker.auth.services import authenticate, end_sessions
from tracker.auth.sessions import start_session
from tracker.auth.throttling import BLOCKED_MESSAGE, throttle
from tracker.extensions import db
from tracker.web.audit import audit, client_address
from tracker.web.forms import TEXT_PROBLEMS
from tracker.web.rendering import render

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = "That e-mail and password don't match an active account. Please try again."


def landing_url(user) -> str:
    """Where a person lands after signing in when no page was asked for."""
    if user.is_staff:
        return url_for("triage.board")
    return url_for("service_requests.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next_url(request.args.get("next")) or landing_url(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next")) or ""
    status = 200
    if form.validate_on_submit():
        email, address = form.email.data, client_address()
        store = throttle()
        if store.is_blocked(email, address):
            # No password check and nothing recorded: waiting it out is the only way on.
            audit("sign-in-blocked", email=email)
            form.password.errors = [BLOCKED_MESSAGE]
            form.password.data = ""
            return render("auth/login.html", form=form, status=429)
        user = authenticate(email, form.password.data)
        if user is not None:
            store.record(email, address, succeeded=True)
            db.session.commit()
            session.clear()  # a fresh session (and cookie) at sign-in
            login_user(user)
            start_session(user)
            audit("sign-in", email=email, level=logging.INFO, user_id=user.id)
            return redirect(safe_next_url(form.next.data) or landing_url(user))
        db.session.rollback()
        store.record(email, address, succeeded=False)
        db.session.commit()
        audit("sign-in-failed", email=email)
        form.password.errors = [GENERIC_FAILURE]
        form.password.data = ""
        status = 401
    elif form.is_submitted():
        status = 422
        if form.email.data and set(form.email.errors) & TEXT_PROBLEMS:
            # Control characters in an e-mail address are no typo: keep a line of it.
            audit("sign-in-failed", email=form.email.data, reason="unreadable input")
    return render("auth/login.html", form=form, status=status)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET asks for confirmation; the POST (with its CSRF token) signs out."""
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        if current_user.is_authenticated:
            # Signing out ends this person's sessions everywhere, so a copied cookie dies too.
            audit("sign-out", level=logging.INFO)
            end_sessions(current_user.id)
            db.session.commit()
        logout_user()
        session.clear()
        flash("You have signed out. See you soon.", "info")
        return redirect(url_for("auth.login"))
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render("auth/logout.html", form=form)
