"""The conversation on a request, with and without JavaScript (htmx)."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest, Stage


def _comments(app, request_id):
    with app.app_context():
        return db.session.scalars(
            select(RequestEvent.body).where(
                RequestEvent.request_id == request_id, RequestEvent.kind == "comment"
            )
        ).all()


def test_comment_without_javascript_redirects_back_to_the_message(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(rosa.email)

    response = client.form_post(f"/requests/{sr.reference}/comments", {"body": "Any news?"})

    assert response.status_code == 303
    assert f"/requests/{sr.reference}#event-" in response.headers["Location"]
    assert _comments(app, sr.id) == ["Any news?"]
    page = client.get(f"/requests/{sr.reference}").get_data(as_text=True)
    assert "Any news?" in page


def test_comment_through_htmx_returns_only_the_conversation(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(rosa.email)

    response = client.form_post(
        f"/requests/{sr.reference}/comments", {"body": "Still stuck"}, htmx=True
    )

    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="card" id="conversation"')
    assert "<html" not in fragment and "<header" not in fragment
    assert "Still stuck" in fragment
    assert 'hx-post="/requests/' in fragment and 'hx-target="#conversation"' in fragment
    assert 'hx-swap="outerHTML"' in fragment
    assert _comments(app, sr.id) == ["Still stuck"]


def test_htmx_answer_brings_a_fresh_empty_form(client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(rosa.email)
    key = "d" * 32
    fragment = client.form_post(
        f"/requests/{sr.reference}/comments",
        {"body": "First", "idempotency_key": key},
        htmx=True,
    ).get_data(as_text=True)
    assert key not in fragment
    assert "First</textarea>" not in fragment


def test_full_page_is_sent_to_a_boosted_or_plain_get(client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(rosa.email)
    page = client.get(
        f"/requests/{sr.reference}", headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]


def test_empty_comment_is_refused_and_nothing_stored(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(rosa.email)

    plain = client.form_post(f"/requests/{sr.reference}/comments", {"body": "   "})
    htmx = client.form_post(f"/requests/{sr.reference}/comments", {"body": ""}, htmx=True)

    assert plain.status_code == htmx.status_code == 422
    assert "Please write a message before sending." in plain.get_data(as_text=True)
    assert "<html" in plain.get_data(as_text=True)
    assert "Please write a message before sending." in htmx.get_data(as_text=True)
    assert "<html" not in htmx.get_data(as_text=True)
    assert _comments(app, sr.id) == []


def test_double_sent_comment_is_stored_once(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(rosa.email)
    data = {"body": "Hello?", "idempotency_key": "e" * 32}
    client.form_post(f"/requests/{sr.reference}/comments", data)
    client.form_post(f"/requests/{sr.reference}/comments", data, htmx=True)
    assert _comments(app, sr.id) == ["Hello?"]


def test_agent_reply_reaches_the_requester_and_counts_as_first_response(app, client, make):
    rosa = make.requester()
    agent = make.agent(name="Alex Morgan")
    sr = make.request(rosa)
    client.login(agent.email)
    client.form_post(
        f"/requests/{sr.reference}/comments",
        {"body": "I'll swap the toner this afternoon.", "visibility": "public"},
    )
    with app.app_context():
        assert db.session.get(ServiceRequest, sr.id).first_response_at is not None

    client.login(rosa.email)
    text = visible_text(client.get(f"/requests/{sr.reference}").get_data(as_text=True))
    assert "I'll swap the toner this afternoon." in text
    assert "Alex Morgan · IT" in text


def test_internal_note_does_not_count_as_a_response(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(make.agent().email)
    client.form_post(
        f"/requests/{sr.reference}/comments", {"body": "checking", "visibility": "internal"}
    )
    with app.app_context():
        fresh = db.session.get(ServiceRequest, sr.id)
        assert fresh.first_response_at is None
        note = db.session.scalar(select(RequestEvent).where(RequestEvent.kind == "note"))
        assert note.internal is True


def test_requester_reply_hands_a_waiting_request_back_to_it(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa, stage=Stage.WAITING_ON_REQUESTER)
    client.login(rosa.email)
    page = client.get(f"/requests/{sr.reference}").get_data(as_text=True)
    assert "We need something from you" in page

    response = client.form_post(
        f"/requests/{sr.reference}/comments", {"body": "The serial is 1234."}, htmx=True
    )

    fragment = response.get_data(as_text=True)
    assert 'hx-swap-oob="true"' in fragment and "We&#39;re working on it" in fragment
    with app.app_context():
        assert db.session.get(ServiceRequest, sr.id).stage == Stage.IN_PROGRESS


def test_closed_request_takes_no_more_messages_from_the_requester(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa, stage=Stage.CLOSED)
    client.login(rosa.email)
    page = client.get(f"/requests/{sr.reference}").get_data(as_text=True)
    assert "This request is closed" in page
    response = client.form_post(f"/requests/{sr.reference}/comments", {"body": "one more"})
    assert response.status_code == 422
    assert "This request is closed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).select_from(RequestEvent).where(RequestEvent.kind == "comment")
        ) == 0


def test_comments_are_shown_as_text_not_markup(client, make):
    rosa = make.requester()
    sr = make.request(rosa, title="<b>bold</b>")
    make.comment(sr, rosa, "<script>alert(1)</script>")
    client.login(rosa.email)
    page = client.get(f"/requests/{sr.reference}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page


def test_a_requester_is_not_offered_visibility_so_any_value_is_a_reply(app, client, make):
    rosa = make.requester()
    sr = make.request(rosa)
    client.login(rosa.email)
    response = client.form_post(f"/requests/{sr.reference}/comments",
                                {"body": "Any news?", "visibility": "internal\x00"})
    assert response.status_code == 303
    with app.app_context():
        event = db.session.scalar(select(RequestEvent).where(RequestEvent.body == "Any news?"))
        assert event.internal is False


def test_a_mangled_version_on_the_stage_form_says_it_is_out_of_date(client, make):
    sr = make.request(make.requester())
    client.login(make.agent().email)
    response = client.form_post(f"/requests/{sr.reference}/stage",
                                {"stage": "triaged", "version": "1.5"})
    assert response.status_code == 422
    assert "This form is out of date" in visible_text(response.get_data(as_text=True))
