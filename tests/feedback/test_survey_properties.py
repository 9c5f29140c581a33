"""Property: whatever is sent as a survey answer, in the app or through the signed-out
link, the answer is one stored response holding exactly the score and comment sent, or
422 with a message next to the field at fault and nothing stored; never a 5xx."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from tests.feedback.support import invite
from tests.properties import (
    as_text,
    choice_error,
    choice_values,
    error_next_to,
    forms,
    ordinary_text,
    post_form,
    text_error,
    text_values,
)
from tracker.extensions import db
from tracker.models import SurveyInvitation, SurveyResponse

SCORES = ["1", "2", "3", "4", "5"]
COMMENT_MAX = 5000

answer = forms(
    valid={"score": st.sampled_from(SCORES),
           "comment": st.one_of(st.just(""), ordinary_text(COMMENT_MAX))},
    wild={"score": choice_values(SCORES), "comment": text_values(COMMENT_MAX)},
)


def expected_errors(fields: dict) -> set[str]:
    errors = {"score"} if choice_error(fields["score"], SCORES) else set()
    if text_error(fields["comment"], limit=COMMENT_MAX, required=False, multiline=True):
        errors.add("comment")
    return errors


def _answers(app, request_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(SurveyResponse.score, SurveyResponse.comment)
            .where(SurveyResponse.request_id == request_id)
        ).all()
        answered = db.session.scalar(
            select(SurveyInvitation.answered_at).where(SurveyInvitation.request_id == request_id)
        )
        db.session.remove()
    return [tuple(row) for row in rows] + ([] if answered is None else ["answered"])


def _check_survey(app, make, client, *, signed_in: bool):
    requester = make.requester()
    if signed_in:
        client.login(requester.email)
    token = client.csrf_token("/" if signed_in else "/login")
    outcomes = {"answered": 0, "refused": 0}

    @given(fields=answer)
    @example(fields={"score": "1", "comment": "\x85"})  # NEL: a space to Python, refused here
    @example(fields={"score": "6", "comment": "\x85"})
    def check(fields):
        service_request = make.request(requester, stage="resolved")  # a fresh question
        link = invite(app, service_request)
        url = (f"/requests/{service_request.reference}/survey" if signed_in
               else f"/survey/{link}")
        response = post_form(client, url, fields, token)
        page = response.get_data(as_text=True)
        wrong = expected_errors(fields)
        stored = _answers(app, service_request.id)
        if not wrong:
            assert response.status_code in (200, 303), (response.status_code, fields)
            comment = (as_text(fields["comment"]) or "").strip()
            assert stored == [(int(fields["score"]), comment), "answered"], (stored, fields)
            outcomes["answered"] += 1
            return
        assert response.status_code == 422, (response.status_code, wrong, fields)
        assert stored == [], "a refused answer was stored"
        for name in ("score", "comment"):
            assert error_next_to(page, name) == (name in wrong), (name, wrong, fields)
        outcomes["refused"] += 1

    check()
    assert min(outcomes.values()) >= 10, outcomes  # both answers were really tried


def test_the_in_app_survey_stores_exactly_what_was_sent_or_says_what_is_wrong(
    app, client, make
):
    _check_survey(app, make, client, signed_in=True)


def test_the_signed_out_survey_stores_exactly_what_was_sent_or_says_what_is_wrong(
    app, client, make
):
    _check_survey(app, make, client, signed_in=False)
