"""The notifications page; reading one is a post, so nothing changes on GET."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from tracker.auth.redirects import safe_next_url
from tracker.extensions import db
from tracker.notifications import services
from tracker.web.arguments import page_number
from tracker.web.forms import RapportForm
from tracker.web.rendering import render

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


class ReadForm(RapportForm):
    """Only a CSRF token."""


@bp.get("/")
@login_required
def index():
    pagination = db.paginate(
        services.notifications_query(current_user),
        page=page_number(request.args),
        per_page=current_app.config["RAPPORT_PAGE_SIZE"],
        error_out=False,
    )
    return render("notifications/index.html", pagination=pagination, form=ReadForm())


@bp.post("/<int(max=2147483647):notification_id>/open")
@login_required
def open_one(notification_id: int):
    """Mark one as read and go where it points."""
    notification = services.own_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    if ReadForm().validate_on_submit():
        services.mark_read(notification)
        db.session.commit()
    return redirect(safe_next_url(notification.link) or url_for(".index"), 303)


@bp.post("/read-all")
@login_required
def read_all():
    if ReadForm().validate_on_submit():
        count = services.mark_all_read(current_user)
        db.session.commit()
        flash("All caught up." if count else "Nothing new to mark.", "success")
    return redirect(url_for(".index"), 303)
