"""Survey links: one-time tokens stored only as hashes, answered once, expiring."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import inspect, select, text

from tests.feedback.support import (
    get,
    invitations,
    invite,
    page_text,
    resolve,
    responses,
    survey_post,
)
from tracker.extensions import db
from tracker.models import ServiceRequest, Stage, SurveyInvitation

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _all_stored_text(app) -> list[str]:
    """Every value in every column of every table, as text."""
    values: list[str] = []
    with app.app_context():
        for table in inspect(db.engine).get_table_names():
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                values.extend(str(value) for value in row)
    return values


def test_resolving_creates_an_invitation_holding_only_the_token_hash(
    app, client, scene, issued
):
    resolve(client, scene.agent, scene.request)

    assert len(issued) == 1
    token = issued[0]
    assert len(token) == 43
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) * 8 >= 128
    [invitation] = invitations(app, request_id=scene.request.id)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.requester_id == scene.requester.id
    assert invitation.answered_at is None
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    with app.app_context():
        rows = db.session.execute(select(SurveyInvitation.__table__)).all()
    assert rows and all(token not in str(value) for row in rows for value in row)
    assert not [value for value in _all_stored_text(app) if token in value]


def test_tokens_differ_for_every_invitation(app, make):
    sr = make.request(make.requester())
    tokens = {invite(app, sr) for _ in range(5)}
    assert len(tokens) == 5


def test_survey_page_works_signed_out_and_sends_no_referrer(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    visitor = app.test_client()

    response = visitor.get(f"/survey/{issued[0]}")

    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    words = page_text(response)
    assert "How did we do?" in words
    assert scene.request.reference in words
    assert "Laptop will not start" in words


def test_answer_by_link_is_stored_with_who_and_where(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    visitor = app.test_client()

    response = survey_post(visitor, issued[0], 4, "  Quick and friendly.  ")

    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Thank you!" in page_text(response)
    assert "4 · Good" in page_text(response)
    [stored] = responses(app)
    assert stored.request_id == scene.request.id
    assert (stored.score, stored.comment) == (4, "Quick and friendly.")
    assert stored.agent_id == scene.agent.id
    assert stored.team_id == scene.team.id
    assert stored.business_unit_id == scene.unit.id
    [invitation] = invitations(app)
    assert invitation.answered_at is not None
    assert stored.invitation_id == invitation.id


def test_a_link_answers_once(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    visitor = app.test_client()
    assert survey_post(visitor, issued[0], 5).status_code == 200

    again = survey_post(visitor, issued[0], 1, "changed my mind")
    assert again.status_code == 409
    assert "already answered" in page_text(again)

    shown = visitor.get(f"/survey/{issued[0]}")
    assert shown.status_code == 200
    assert "already answered" in page_text(shown)
    assert 'name="score"' not in shown.get_data(as_text=True)

    [stored] = responses(app)
    assert (stored.score, stored.comment) == (5, "")


def test_a_link_expires_after_fourteen_days(app, make):
    sr = make.request(make.requester())
    token = invite(app, sr, now=MONDAY)
    with time_machine.travel(MONDAY + timedelta(days=13, hours=23), tick=False):
        assert app.test_client().get(f"/survey/{token}").status_code == 200

    with time_machine.travel(MONDAY + timedelta(days=14), tick=False):
        visitor = app.test_client()
        shown = visitor.get(f"/survey/{token}")
        assert shown.status_code == 410
        assert "expired" in page_text(shown)
        assert shown.headers["Referrer-Policy"] == "no-referrer"

        posted = survey_post(visitor, token, 5, "late")
        assert posted.status_code == 410
        assert "expired" in page_text(posted)

    assert responses(app) == []
    assert invitations(app)[0].answered_at is None


def test_tampered_unknown_or_overlong_tokens_are_not_found(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    token = issued[0]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    visitor = app.test_client()

    for wrong in (tampered, "not-a-token", "x" * 101, token[:-1]):
        assert visitor.get(f"/survey/{wrong}").status_code == 404
        assert survey_post(visitor, wrong, 5).status_code == 404
        follow_up = visitor.form_post(f"/survey/{wrong}/follow-up", {"details": "x"})
        assert follow_up.status_code == 404

    assert responses(app) == []


def test_a_token_answers_only_its_own_request(app, make):
    rosa = make.requester()
    first = make.request(rosa, title="First")
    second = make.request(rosa, title="Second")
    first_token = invite(app, first)
    invite(app, second)
    visitor = app.test_client()

    response = survey_post(visitor, first_token, 2)

    assert response.status_code == 200
    assert "First" in page_text(response)
    [stored] = responses(app)
    assert stored.request_id == first.id
    pending = invitations(app, request_id=second.id)
    assert [i.answered_at for i in pending] == [None]


def test_resolving_again_after_a_reopen_replaces_the_open_invitation(
    app, client, scene, issued
):
    resolve(client, scene.agent, scene.request)
    client.login(scene.requester.email)
    reopened = client.form_post(
        f"/requests/{scene.request.reference}/reopen", {"reason": "Still dead"}
    )
    assert reopened.status_code == 303
    resolve(client, scene.agent, scene.request)

    assert len(issued) == 2
    old, new = invitations(app, request_id=scene.request.id)
    assert old.expires_at <= new.created_at
    assert new.expires_at - new.created_at == timedelta(days=14)
    visitor = app.test_client()
    assert visitor.get(f"/survey/{issued[0]}").status_code == 410
    assert survey_post(visitor, issued[0], 5).status_code == 410
    assert visitor.get(f"/survey/{issued[1]}").status_code == 200
    assert survey_post(visitor, issued[1], 5).status_code == 200
    [stored] = responses(app)
    assert stored.invitation_id == new.id


def test_resolving_again_keeps_an_answered_invitation_answered(app, client, scene, issued):
    resolve(client, scene.agent, scene.request)
    visitor = app.test_client()
    survey_post(visitor, issued[0], 3)
    client.login(scene.agent.email)
    client.form_post(f"/requests/{scene.request.reference}/stage", {"stage": "in_progress"})
    resolve(client, scene.agent, scene.request)

    assert get(app, ServiceRequest, scene.request.id).stage == Stage.RESOLVED
    first, second = invitations(app, request_id=scene.request.id)
    assert first.answered_at is not None
    assert first.expires_at > second.created_at
    assert visitor.get(f"/survey/{issued[0]}").status_code == 200
    assert "already answered" in page_text(visitor.get(f"/survey/{issued[0]}"))
