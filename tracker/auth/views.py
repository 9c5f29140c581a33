"""Sign in and sign out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from tracker.auth.forms import LoginForm, LogoutForm
from tracker.auth.redirects import safe_next_url
from tracker.auth.services import authenticate
from tracker.extensions import db
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
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            session.clear()  # a fresh session at sign-in
            login_user(user)
            session.permanent = True
            return redirect(safe_next_url(form.next.data) or landing_url(user))
        db.session.rollback()
        form.password.errors = [GENERIC_FAILURE]
        form.password.data = ""
        status = 401
    elif form.is_submitted():
        status = 422
    return render("auth/login.html", form=form, status=status)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET asks for confirmation; the POST (with its CSRF token) signs out."""
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        logout_user()
        session.clear()
        flash("You have signed out. See you soon.", "info")
        return redirect(url_for("auth.login"))
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render("auth/logout.html", form=form)
