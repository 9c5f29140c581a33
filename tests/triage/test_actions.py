"""One-click and panel actions: assign, team, priority, stage, note, with and without htmx."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest, Stage
from tracker.service_requests.workflow import STAFF_TRANSITIONS

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NEXT = "/board?priority=4"


def _fresh(app, sr) -> ServiceRequest:
    with app.app_context():
        found = db.session.get(ServiceRequest, sr.id)
        db.session.expunge(found)
        return found


def _set(app, sr, **values) -> ServiceRequest:
    with app.app_context():
        found = db.session.get(ServiceRequest, sr.id)
        for name, value in values.items():
            setattr(found, name, value)
        db.session.commit()
    return _fresh(app, sr)


def _events(app, sr) -> list[tuple]:
    with app.app_context():
        return [
            (e.kind, e.actor_id, e.internal, e.old_value, e.new_value, e.body)
            for e in db.session.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == sr.id)
                .order_by(RequestEvent.id)
            )
        ]


def _act(client, sr, action, data, *, htmx=False, ctx="card", next_url=NEXT, version=None):
    form = {"ctx": ctx, "next": next_url, "version": version or sr.version, **data}
    return client.form_post(f"/board/requests/{sr.reference}/{action}", form, htmx=htmx)


def _card_tag(body: str, sr) -> str:
    return re.search(rf'<article [^>]*id="card-{sr.id}"[^>]*>', body)[0]


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(app, client, make, clock):
    d = SimpleNamespace(ana=make.agent(name="Ana Lopez"), ben=make.agent(name="Ben Okafor"))
    d.team = make.team("Service Desk", members=[d.ana])
    d.rosa = make.requester(unit=make.unit("Finance"), name="Rosa Jimenez")
    d.sr = make.request(d.rosa, title="Printer jammed")  # P4, new
    client.login(d.ana.email)
    return d


ACTIONS = [
    ("assign", lambda d: {"assignee": "me"}, "assigned", "{} assigned to you."),
    ("team", lambda d: {"team": d.team.id}, "team", "{} is now with Service Desk."),
    ("priority", lambda d: {"priority": "2", "reason": "Floor"}, "priority", "{} is now P2."),
    ("stage", lambda d: {"stage": "triaged"}, "stage", "{} moved to triaged."),
    ("note", lambda d: {"body": "Spooler", "visibility": "internal"}, "note", "Note added on {}."),
]


@pytest.mark.parametrize(("action", "data", "kind", "message"), ACTIONS)
def test_plain_post_redirects_to_the_board_with_a_message(
    app, client, desk, action, data, kind, message
):
    response = _act(client, desk.sr, action, data(desk))
    assert response.status_code == 303
    assert response.headers["Location"] == NEXT
    page = visible_text(client.get(NEXT).get_data(as_text=True))
    assert message.format(desk.sr.reference) in page
    assert _events(app, desk.sr)[-1][:2] == (kind, desk.ana.id)


@pytest.mark.parametrize(("action", "data", "kind", "message"), ACTIONS)
def test_htmx_from_a_card_answers_with_the_card_and_counts(
    app, client, desk, action, data, kind, message
):
    response = _act(client, desk.sr, action, data(desk), htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in body and "panel-body" not in body
    assert "hx-swap-oob" not in _card_tag(body, desk.sr)
    assert 'id="count-new" hx-swap-oob="true"' in body
    assert message.format(desk.sr.reference) in visible_text(body)
    assert _events(app, desk.sr)[-1][:2] == (kind, desk.ana.id)


@pytest.mark.parametrize(("action", "data", "kind", "message"), ACTIONS)
def test_htmx_from_the_panel_answers_with_the_panel_and_the_card(
    client, desk, action, data, kind, message
):
    response = _act(client, desk.sr, action, data(desk), htmx=True, ctx="panel")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="panel-body"' in body
    assert 'hx-swap-oob="true"' in _card_tag(body, desk.sr)
    assert 'id="count-new" hx-swap-oob="true"' in body
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/board", "/requests/", "", "/\\evil.example",
     "javascript:alert(1)", "/boardroom"],
)
def test_never_redirects_off_the_board(client, desk, target):
    response = _act(client, desk.sr, "note", {"body": "x", "visibility": "internal"},
                    next_url=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/board"


def test_counts_follow_the_filters_of_the_board(client, make, desk):
    make.request(desk.rosa, title="Urgent", impact="whole_unit", urgency="blocked")
    for next_url, new in (("/board?priority=4", 1), ("/board", 2)):
        sr = make.request(desk.rosa, title="Another")
        body = _act(client, sr, "stage", {"stage": "triaged"}, htmx=True,
                    next_url=next_url).get_data(as_text=True)
        assert f'id="count-new" hx-swap-oob="true">{new}<' in body
        assert 'ticket-moved' in _card_tag(body, sr) and "Now triaged" in visible_text(body)


@pytest.mark.parametrize(
    ("value", "who", "message"),
    [("me", "ana", "you"), ("ben", "ben", "Ben Okafor"), ("none", None, "nobody")],
)
def test_assign_to_me_someone_or_nobody(app, client, desk, value, who, message):
    sr = _set(app, desk.sr, assignee_id=desk.ben.id if value == "none" else None)
    chosen = str(desk.ben.id) if value == "ben" else value
    response = _act(client, sr, "assign", {"assignee": chosen}, htmx=True)
    assert f"assigned to {message}." in visible_text(response.get_data(as_text=True))
    expected = getattr(desk, who).id if who else None
    assert _fresh(app, sr).assignee_id == expected


@pytest.mark.parametrize("who", ["rosa", "retired", "999999", "abc"])
def test_only_active_staff_can_be_assigned(app, client, make, desk, who):
    people = {"rosa": desk.rosa, "retired": make.agent(active=False)}
    chosen = str(people[who].id) if who in people else who
    response = _act(client, desk.sr, "assign", {"assignee": chosen})
    assert response.status_code == 422
    assert "Please choose someone from the list." in visible_text(response.get_data(as_text=True))
    assert _fresh(app, desk.sr).assignee_id is None
    assert _fresh(app, desk.sr).version == desk.sr.version
    assert [e[0] for e in _events(app, desk.sr)] == ["created"]


def test_team_is_set_and_cleared(app, client, desk):
    _act(client, desk.sr, "team", {"team": desk.team.id})
    assert _fresh(app, desk.sr).team_id == desk.team.id
    response = _act(client, _fresh(app, desk.sr), "team", {"team": "none"}, htmx=True)
    assert "is now with no team." in visible_text(response.get_data(as_text=True))
    assert _fresh(app, desk.sr).team_id is None
    assert [e[4] for e in _events(app, desk.sr) if e[0] == "team"] == [str(desk.team.id), None]
    assert _act(client, desk.sr, "team", {"team": "999999"}).status_code == 422


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.parametrize("htmx", [False, True])
def test_priority_override_needs_a_reason(app, client, desk, reason, htmx):
    data = {"priority": "1"} if reason is None else {"priority": "1", "reason": reason}
    response = _act(client, desk.sr, "priority", data, htmx=htmx)
    assert response.status_code == 422
    assert "Please say why the priority changes." in visible_text(response.get_data(as_text=True))
    fresh = _fresh(app, desk.sr)
    assert (fresh.priority, fresh.priority_overridden, fresh.version) == (4, False, desk.sr.version)
    assert len(_events(app, desk.sr)) == 1


def test_priority_override_is_recorded_and_retimes_the_clock(app, client, desk, clock):
    clock.move_to(MONDAY_10 + timedelta(minutes=5))
    response = _act(client, desk.sr, "priority", {"priority": "1", "reason": "Payroll today"},
                    htmx=True, ctx="panel")
    text = visible_text(response.get_data(as_text=True))
    assert "P1 · Critical" in text and "✎" in text
    assert "Ana Lopez changed the priority from P4 to P1" in text and "Payroll today" in text
    fresh = _fresh(app, desk.sr)
    assert fresh.priority == 1 and fresh.priority_overridden
    assert fresh.first_response_due_at == MONDAY_10 + timedelta(hours=1)
    assert fresh.resolution_due_at == MONDAY_10 + timedelta(hours=4)
    assert _events(app, desk.sr)[-1] == ("priority", desk.ana.id, True, "4", "1", "Payroll today")
    again = _act(client, fresh, "priority", {"priority": "1", "reason": "Still"})
    assert again.status_code == 409 and "already P1" in visible_text(again.get_data(as_text=True))


MOVES = [(a, b) for a in Stage for b in Stage if b in STAFF_TRANSITIONS[a]]
REFUSED = [(a, b) for a in Stage for b in Stage if b not in STAFF_TRANSITIONS[a]]


@pytest.mark.parametrize(("start", "target"), MOVES)
def test_stage_moves_the_workflow_allows(app, client, make, desk, start, target):
    sr = make.request(desk.rosa, stage=start)
    response = _act(client, sr, "stage", {"stage": target.value, "note": "Why not"})
    assert response.status_code == 303
    assert _fresh(app, sr).stage == target
    assert _events(app, sr)[-1] == ("stage", desk.ana.id, False, start.value, target.value,
                                    "Why not")


@pytest.mark.parametrize(("start", "target"), REFUSED)
def test_stage_moves_the_workflow_refuses(app, client, make, desk, start, target):
    sr = make.request(desk.rosa, stage=start)
    for htmx in (False, True):
        response = _act(client, sr, "stage", {"stage": target.value}, htmx=htmx)
        assert response.status_code == 409
        words = "already" if start is target else "can't be moved"
        assert words in visible_text(response.get_data(as_text=True))
    fresh = _fresh(app, sr)
    assert (fresh.stage, fresh.version) == (start, sr.version)
    assert [e[0] for e in _events(app, sr)] == ["created"]


def test_internal_note_and_public_reply(app, client, desk):
    response = _act(client, desk.sr, "note", {"body": "Toner low", "visibility": "internal"},
                    htmx=True, ctx="panel")
    assert "Toner low" in visible_text(response.get_data(as_text=True))
    assert _fresh(app, desk.sr).first_response_at is None
    response = _act(client, desk.sr, "note", {"body": "Fixing it", "visibility": "public"},
                    ctx="panel")
    assert response.status_code == 303
    assert "Reply sent on" in visible_text(client.get(NEXT).get_data(as_text=True))
    fresh = _fresh(app, desk.sr)
    assert fresh.first_response_at == MONDAY_10 and fresh.sla_due_at == fresh.resolution_due_at
    assert [e[:3] + e[5:] for e in _events(app, desk.sr)][1:] == [
        ("note", desk.ana.id, True, "Toner low"), ("comment", desk.ana.id, False, "Fixing it")
    ]
    empty = _act(client, desk.sr, "note", {"body": " ", "visibility": "internal"})
    assert empty.status_code == 422
    assert "Please write something first." in visible_text(empty.get_data(as_text=True))


def _seen_version(client, sr) -> int:
    page = client.get("/board").get_data(as_text=True)
    card = re.search(rf'id="card-{sr.id}".*?</article>', page, re.S)[0]
    return int(re.search(r'name="version" value="(\d+)"', card)[1])


@pytest.mark.parametrize(
    ("action", "data"),
    [("assign", {"assignee": "me"}), ("team", {"team": "none"}),
     ("priority", {"priority": "3", "reason": "Less urgent"}), ("stage", {"stage": "resolved"})],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_stale_card_is_refused_and_nothing_is_overwritten(app, client, desk, action, data, htmx):
    other = app.test_client()
    other.login(desk.ben.email)
    sr = _set(app, desk.sr, team_id=desk.team.id)
    seen = _seen_version(client, sr)
    assert _seen_version(other, sr) == seen

    first = _act(client, sr, "assign", {"assignee": "me"}, version=seen)
    assert first.status_code == 303
    before, events = _fresh(app, sr), _events(app, sr)
    response = _act(other, sr, action, data, version=seen, htmx=htmx)
    assert response.status_code == 409
    text = visible_text(response.get_data(as_text=True))
    assert "changed by someone else" in text
    assert "Ana Lopez" in text  # how it stands now
    after = _fresh(app, sr)
    assert (after.assignee_id, after.team_id, after.priority, after.stage, after.version) == (
        desk.ana.id, desk.team.id, before.priority, Stage.NEW, before.version
    )
    assert _events(app, sr) == events


@pytest.mark.parametrize(
    "target", ["/board/../requests/", "/board/%2e%2e/requests/", "/board/./../requests"]
)
def test_next_with_dot_segments_does_not_leave_the_board(client, make, target):
    sr = make.request(make.requester())
    client.login(make.agent().email)
    response = client.form_post(
        f"/board/requests/{sr.reference}/note",
        {"body": "x", "visibility": "internal", "next": target},
    )
    assert response.headers["Location"] == "/board"


def test_a_note_without_a_visibility_is_internal(app, client, make):
    sr = make.request(make.requester())
    client.login(make.agent().email)
    client.form_post(f"/board/requests/{sr.reference}/note", {"body": "quiet", "next": "/board"})
    with app.app_context():
        event = db.session.scalar(select(RequestEvent).where(RequestEvent.body == "quiet"))
        assert event.internal is True


@pytest.mark.parametrize("key", ["x" * 40 + "\x00", "not-a-key", "A" * 64])
def test_a_note_keeps_no_key_that_is_not_one_of_ours(app, client, make, key):
    sr = make.request(make.requester())
    client.login(make.agent().email)
    response = client.form_post(f"/board/requests/{sr.reference}/note",
                                {"body": "checked", "idempotency_key": key, "next": "/board"})
    assert response.status_code == 303
    with app.app_context():
        event = db.session.scalar(select(RequestEvent).where(RequestEvent.body == "checked"))
        assert event.idempotency_key is None


def test_a_mangled_version_says_the_form_is_out_of_date(client, desk):
    response = _act(client, desk.sr, "priority", {"priority": "2", "reason": "x"},
                    version="1.5")
    assert response.status_code == 422
    assert "This form is out of date" in visible_text(response.get_data(as_text=True))
