"""A person's choice of e-mails, a section of their settings page."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from tracker.auth.settings import _render_settings
from tracker.auth.views import bp
from tracker.extensions import db
from tracker.mail import preferences
from tracker.mail.forms import EmailChoicesForm


@bp.post("/settings/emails")
@login_required
def save_email_choices():
    form = EmailChoicesForm().offer(current_user)
    if not form.validate_on_submit():
        return _render_settings(422, email_form=form)
    on, _ = preferences.save_choices(current_user, form.chosen())
    db.session.commit()
    if not on:
        message = "Saved. We won't send you any e-mails; you'll still see everything here."
    else:
        message = "Saved. We'll e-mail you only about what you ticked."
    flash(message, "success")
    return redirect(url_for(".settings", _anchor="emails"), 303)
