"""The settings page's "API tokens" section: make a token (shown once), revoke one."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from tracker.auth import tokens
from tracker.auth.token_forms import NewTokenForm, RevokeTokenForm
from tracker.auth.views import bp
from tracker.database import utcnow
from tracker.extensions import db
from tracker.web.audit import audit
from tracker.web.rendering import wants_fragment

SECTION = "api_tokens"


def api_token_section(context: dict) -> dict:
    """What the section shows, filling in whatever the view did not already give."""
    return {
        "token_form": context.get("token_form") or NewTokenForm(formdata=None),
        "api_tokens": tokens.active_tokens_of(current_user),
        "new_token": context.get("new_token"),
        "new_token_secret": context.get("new_token_secret"),
        "token_message": context.get("token_message"),
        "now": utcnow(),
    }


def _settings_page(status: int = 200, **context):
    # The page belongs to settings.py, which itself includes this section's context.
    from tracker.auth.settings import _render_settings

    return _render_settings(status=status, block=SECTION, **context)


@bp.post("/settings/api-tokens")
@login_required
def create_api_token():
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _settings_page(422, token_form=form)
    try:
        token, secret = tokens.issue_token(
            current_user, form.name.data, tokens.EXPIRY_CHOICES[form.expires.data]
        )
    except tokens.TokenError as exc:
        db.session.rollback()
        form.name.errors = [str(exc)]
        return _settings_page(422, token_form=form)
    db.session.commit()
    audit("api-token-created", level=logging.INFO, token_id=token.id)
    # The secret is in this one answer and nowhere else: no redirect, no flash, no cache.
    response = _settings_page(201, new_token=token, new_token_secret=secret)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/settings/api-tokens/<int(max=2147483647):token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    token = tokens.load_own_token_or_404(current_user, token_id)
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    tokens.revoke_token(token)
    db.session.commit()
    audit("api-token-revoked", level=logging.INFO, token_id=token.id)
    message = f"The token “{token.name}” was revoked. Programs using it can no longer get in."
    if wants_fragment():
        return _settings_page(token_message=message)
    flash(message, "success")
    return redirect(url_for(".settings", _anchor="api-tokens"), 303)
