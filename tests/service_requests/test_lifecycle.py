"""Moving a request through its stages: staff moves, the requester's confirm and reopen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest, Stage
from tracker.service_requests.workflow import STAFF_TRANSITIONS


def _fresh(app, sr) -> ServiceRequest:
    with app.app_context():
        found = db.session.get(ServiceRequest, sr.id)
        db.session.expunge(found)
        return found


def _stage_events(app, sr):
    with app.app_context():
        return [
            (e.old_value, e.new_value)
            for e in db.session.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == sr.id, RequestEvent.kind == "stage")
                .order_by(RequestEvent.id)
            )
        ]


def test_agent_moves_a_request_and_the_timeline_records_it(app, client, make):
    sr = make.request(make.requester())
    client.login(make.agent().email)

    response = client.form_post(
        f"/requests/{sr.reference}/stage", {"stage": "in_progress", "note": "On it"}
    )

    assert response.status_code == 303
    assert _fresh(app, sr).stage == Stage.IN_PROGRESS
    assert _stage_events(app, sr) == [("new", "in_progress")]
    page = client.get(f"/requests/{sr.reference}").get_data(as_text=True)
    assert "moved it from New to" in visible_text(page)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (current, target)
        for current in Stage
        for target in Stage
        if target not in STAFF_TRANSITIONS[current] and target is not current
    ],
)
def test_moves_that_make_no_sense_are_refused_whole(app, client, make, start, target):
    sr = make.request(make.requester(), stage=start)
    client.login(make.agent().email)

    response = client.form_post(f"/requests/{sr.reference}/stage", {"stage": target.value})

    assert response.status_code == 409
    assert "can't be moved" in visible_text(response.get_data(as_text=True))
    fresh = _fresh(app, sr)
    assert fresh.stage == start
    assert fresh.version == sr.version
    assert _stage_events(app, sr) == []


def test_unknown_stage_is_a_form_error(app, client, make):
    sr = make.request(make.requester())
    client.login(make.agent().email)
    response = client.form_post(f"/requests/{sr.reference}/stage", {"stage": "limbo"})
    assert response.status_code == 422
    assert _fresh(app, sr).stage == Stage.NEW


def test_moving_without_choosing_a_stage_says_so(app, client, make):
    sr = make.request(make.requester())
    client.login(make.agent().email)
    response = client.form_post(f"/requests/{sr.reference}/stage", {"stage": ""})
    assert response.status_code == 422
    text = visible_text(response.get_data(as_text=True))
    assert "Please choose a stage." in text
    assert "Not a valid choice" not in text
    assert _fresh(app, sr).stage == Stage.NEW


def test_the_stage_menu_offers_only_sensible_moves(client, make):
    sr = make.request(make.requester(), stage=Stage.WAITING_ON_REQUESTER)
    client.login(make.agent().email)
    page = client.get(f"/requests/{sr.reference}").get_data(as_text=True)
    menu = page[page.index('id="stage"') : page.index("</select>", page.index('id="stage"'))]
    assert 'value="in_progress"' in menu and 'value="resolved"' in menu
    assert 'value="new"' not in menu and 'value="closed"' not in menu


def test_resolving_asks_the_requester_in_plain_words(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa, stage=Stage.IN_PROGRESS)
    client.login(make.agent().email)
    client.form_post(f"/requests/{sr.reference}/stage", {"stage": "resolved"})
    assert _fresh(app, sr).resolved_at is not None

    client.login(rosa.email)
    text = visible_text(client.get(f"/requests/{sr.reference}").get_data(as_text=True))
    assert "Done — did this fix it?" in text
    assert "Yes, it's fixed" in text
    assert "No, it's still not working" in text
    assert "resolved" not in text.lower().replace("did this fix it", "")


def test_requester_confirms_the_fix_and_the_request_closes(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa, stage=Stage.RESOLVED)
    client.login(rosa.email)

    response = client.form_post(f"/requests/{sr.reference}/confirm", {})

    assert response.status_code == 303
    fresh = _fresh(app, sr)
    assert fresh.stage == Stage.CLOSED and fresh.closed_at is not None
    text = visible_text(client.get(f"/requests/{sr.reference}").get_data(as_text=True))
    assert "glad it's fixed" in text
    assert "You confirmed it's fixed" in text


def test_requester_reopens_with_a_reason(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa, stage=Stage.RESOLVED)
    client.login(rosa.email)

    response = client.form_post(
        f"/requests/{sr.reference}/reopen", {"reason": "It jammed again this morning."}
    )

    assert response.status_code == 303
    fresh = _fresh(app, sr)
    assert fresh.stage == Stage.IN_PROGRESS
    assert fresh.reopen_count == 1
    assert fresh.resolved_at is None
    text = visible_text(client.get(f"/requests/{sr.reference}").get_data(as_text=True))
    assert "It jammed again this morning." in text
    assert "We're working on it" in text


def test_reopening_needs_a_reason(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa, stage=Stage.RESOLVED)
    client.login(rosa.email)
    response = client.form_post(f"/requests/{sr.reference}/reopen", {"reason": ""})
    assert response.status_code == 422
    assert "Please tell us what is still not working." in response.get_data(as_text=True)
    assert _fresh(app, sr).stage == Stage.RESOLVED


@pytest.mark.parametrize("stage", [Stage.NEW, Stage.IN_PROGRESS, Stage.CLOSED])
def test_confirm_and_reopen_only_apply_to_done_requests(app, client, make, stage):
    rosa = make.requester()
    sr = make.request(rosa, stage=stage)
    client.login(rosa.email)
    client.form_post(f"/requests/{sr.reference}/confirm", {})
    client.form_post(f"/requests/{sr.reference}/reopen", {"reason": "x"})
    assert _fresh(app, sr).stage == stage


def test_staff_reopening_a_resolved_request_counts_as_a_reopen(app, client, make):
    sr = make.request(make.requester(), stage=Stage.RESOLVED)
    client.login(make.agent().email)
    client.form_post(f"/requests/{sr.reference}/stage", {"stage": "in_progress"})
    assert _fresh(app, sr).reopen_count == 1
