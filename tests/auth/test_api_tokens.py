"""The settings page's API tokens: made by name, shown once, kept hashed, revoked at once."""

from __future__ import annotations

import hashlib
import logging
import re

from sqlalchemy import func, select

from tests.api.conftest import ApiCaller
from tests.pages import visible_text
from tracker.auth.tokens import MAX_ACTIVE_TOKENS
from tracker.extensions import db
from tracker.models import ApiToken

SECRET = re.compile(r'value="(rpt_[A-Za-z0-9_-]{43})"')


def _make(client, name="Weekly report", expires="90", **kwargs):
    return client.form_post("/settings/api-tokens", {"name": name, "expires": expires}, **kwargs)


def _tokens(app) -> list[ApiToken]:
    with app.app_context():
        found = list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))
        db.session.expunge_all()
        return found


def test_a_new_token_is_shown_once_and_stored_only_as_its_hash(app, client, make):
    person = make.requester()
    client.login(person.email)
    response = _make(client)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = SECRET.search(page).group(1)
    assert "won't show it again" in visible_text(page)

    (token,) = _tokens(app)
    assert token.user_id == person.id and token.name == "Weekly report"
    assert token.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) == 12
    assert token.expires_at is not None
    with app.app_context():
        for column in ApiToken.__table__.columns:
            stored = db.session.scalar(select(column))
            assert secret not in str(stored)

    # Shown once: the settings page lists it by name and prefix, never the secret.
    listing = client.get("/settings").get_data(as_text=True)
    assert secret not in listing
    assert "Weekly report" in listing and token.prefix in listing
    # And it works.
    assert ApiCaller(app.test_client(), secret).get("/requests").status_code == 200


def test_htmx_answers_with_the_section_alone(client, make):
    client.login(make.requester().email)
    response = _make(client, htmx=True)
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith("<section") and 'id="api-tokens"' in page
    assert "<html" not in page and SECRET.search(page)


def test_a_token_needs_a_readable_name_and_keeps_what_was_typed(app, client, make):
    client.login(make.requester().email)
    for name, message in [("", "Please name the token"), ("x" * 81, "under 80 characters"),
                          ("bad\x07name", "hidden control characters")]:
        response = _make(client, name=name)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in visible_text(page)
        assert not SECRET.search(page)
    response = _make(client, name="ok name", expires="forever")
    assert response.status_code == 422
    assert 'value="ok name"' in response.get_data(as_text=True)
    assert _tokens(app) == []


def test_never_expiring_tokens_can_be_chosen(app, client, make):
    client.login(make.requester().email)
    assert _make(client, expires="never").status_code == 201
    assert _tokens(app)[0].expires_at is None
    assert "works until revoked" in visible_text(client.get("/settings").get_data(as_text=True))


def test_there_is_a_limit_on_working_tokens(app, client, make):
    person = make.requester()
    for n in range(MAX_ACTIVE_TOKENS):
        make.api_token(person, name=f"t{n}")
    client.login(person.email)
    response = _make(client)
    assert response.status_code == 422
    assert "revoke one" in visible_text(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == MAX_ACTIVE_TOKENS


def test_revoking_works_without_javascript_and_at_once(app, client, make):
    person = make.requester()
    client.login(person.email)
    secret = SECRET.search(_make(client).get_data(as_text=True)).group(1)
    api = ApiCaller(app.test_client(), secret)
    assert api.get("/requests").status_code == 200
    (token,) = _tokens(app)

    page = client.get("/settings").get_data(as_text=True)
    assert f'action="/settings/api-tokens/{token.id}/revoke"' in page
    assert "<details" in page  # the confirmation opens without JavaScript
    response = client.form_post(f"/settings/api-tokens/{token.id}/revoke")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/settings#api-tokens")
    after = visible_text(client.get("/settings").get_data(as_text=True))
    # With none left, a requester's section is folded away again.
    assert "was revoked" in after and "Make a token for a program" in after
    assert _tokens(app)[0].revoked_at is not None
    assert api.get("/requests").status_code == 401
    # Revoked is revoked: a second try finds nothing to revoke.
    assert client.form_post(f"/settings/api-tokens/{token.id}/revoke").status_code == 404


def test_revoking_with_htmx_answers_with_the_section(client, make):
    person = make.requester()
    make.api_token(person, name="Old script")
    client.login(person.email)
    response = client.form_post("/settings/api-tokens/1/revoke", htmx=True)
    assert response.status_code == 200
    text = visible_text(response.get_data(as_text=True))
    assert "“Old script” was revoked" in text and "<html" not in response.get_data(as_text=True)


def test_nobody_else_can_revoke_a_token(app, client, make):
    owner, other = make.requester(), make.user(roles=("admin",))
    make.api_token(owner)
    client.login(other.email)
    assert client.form_post("/settings/api-tokens/1/revoke").status_code == 404
    assert _tokens(app)[0].revoked_at is None



def test_making_and_revoking_are_audited_without_the_secret(client, make, caplog):
    client.login(make.requester().email)
    with caplog.at_level(logging.INFO, logger="tracker.audit"):
        secret = SECRET.search(_make(client).get_data(as_text=True)).group(1)
        client.form_post("/settings/api-tokens/1/revoke")
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.audit"]
    assert any(line.startswith("api-token-created") and "token_id=1" in line for line in lines)
    assert any(line.startswith("api-token-revoked") and "token_id=1" in line for line in lines)
    assert not any(secret[4:] in line for line in lines)


def test_requesters_see_a_quiet_folded_section_and_staff_the_whole_thing(client, make):
    client.login(make.requester().email)
    page = client.get("/settings").get_data(as_text=True)
    assert "Programs and scripts" in page and "Most people never need this" in page
    assert "<summary>Make a token for a program</summary>" in page
    assert "You have no API tokens" not in page

    client.login(make.agent().email)
    page = client.get("/settings").get_data(as_text=True)
    assert ">API tokens</h2>" in page and "You have no API tokens" in page
    assert "<summary>Make a token for a program</summary>" not in page


def test_a_requester_with_a_token_sees_it_unfolded(client, make):
    client.login(make.requester().email)
    _make(client)
    page = visible_text(client.get("/settings").get_data(as_text=True))
    assert "Programs and scripts" in page and "Make a new token" in page
    assert "Make a token for a program" not in page
