"""The score is a whole number from 1 to 5; the comment has a length limit."""

from __future__ import annotations

import re

import pytest

from tests.feedback.support import (
    in_app_post,
    invitations,
    invite,
    page_text,
    responses,
    survey_post,
)
from tracker.extensions import db
from tracker.feedback import surveys
from tracker.models import SurveyInvitation
from tracker.service_requests.timeline import RequestRuleError

SCORE_ERROR = re.compile(r'<p class="field-error" id="score-error">\s*([^<]+?)\s*</p>')
COMMENT_ERROR = re.compile(r'<p class="field-error" id="comment-error">\s*([^<]+?)\s*</p>')


@pytest.fixture
def token(app, make):
    return invite(app, make.request(make.requester(), title="Projector in room 4"))


PLEASE_CHOOSE = "Please choose how we did, from 1 (very poor) to 5 (excellent)."
NOT_A_CHOICE = PLEASE_CHOOSE


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("0", NOT_A_CHOICE),
        ("6", NOT_A_CHOICE),
        ("abc", NOT_A_CHOICE),
        ("", PLEASE_CHOOSE),
        ("3.5", NOT_A_CHOICE),
        ("-1", NOT_A_CHOICE),
        ("10", NOT_A_CHOICE),
    ],
)
def test_a_score_outside_one_to_five_is_refused_next_to_the_field(app, token, score, message):
    visitor = app.test_client()

    response = visitor.form_post(f"/survey/{token}", {"score": score, "comment": "Hi"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert SCORE_ERROR.findall(page) == [message]
    assert 'aria-invalid="true"' in page
    assert "Projector in room 4" in page_text(response)
    assert responses(app) == []
    assert invitations(app)[0].answered_at is None


def test_a_missing_score_asks_for_one(app, token):
    response = app.test_client().form_post(f"/survey/{token}", {"comment": "no score"})

    assert response.status_code == 422
    assert SCORE_ERROR.findall(response.get_data(as_text=True)) == [PLEASE_CHOOSE]
    assert responses(app) == []


@pytest.mark.parametrize("score", ["1", "2", "3", "4", "5"])
def test_every_score_from_one_to_five_is_accepted(app, token, score):
    response = survey_post(app.test_client(), token, score)
    assert response.status_code == 200
    assert [r.score for r in responses(app)] == [int(score)]


def test_a_comment_over_five_thousand_characters_is_refused(app, token):
    visitor = app.test_client()

    response = survey_post(visitor, token, 4, "x" * 5001)

    assert response.status_code == 422
    assert COMMENT_ERROR.findall(response.get_data(as_text=True)) == [
        "Please keep it under 5,000 characters."
    ]
    assert responses(app) == []

    accepted = survey_post(visitor, token, 4, "y" * 5000)
    assert accepted.status_code == 200
    assert len(responses(app)[0].comment) == 5000


def test_the_form_keeps_the_refused_answer_for_another_try(app, token):
    response = survey_post(app.test_client(), token, "9", "Kept comment")
    assert response.status_code == 422
    assert "Kept comment" in response.get_data(as_text=True)


@pytest.mark.parametrize("score", ["0", "6", "abc", ""])
def test_in_app_answer_with_a_bad_score_stores_nothing(app, client, make, score):
    rosa = make.requester()
    sr = make.request(rosa)
    invite(app, sr)
    client.login(rosa.email)

    response = in_app_post(client, sr, score)

    # The request page again, the question still open, the message next to the scores.
    assert response.status_code == 422
    text = page_text(response)
    assert "One question about this request" in text
    assert "Please choose how we did, from 1 (very poor) to 5 (excellent)." in text
    assert 'id="score-error"' in response.get_data(as_text=True)
    assert responses(app) == []


@pytest.mark.parametrize("score", [0, 6, -3])
def test_the_service_refuses_scores_outside_the_range(app, make, score):
    sr = make.request(make.requester())
    invite(app, sr)
    with app.app_context():
        invitation = db.session.scalar(db.select(SurveyInvitation))
        with pytest.raises(RequestRuleError):
            surveys.answer(invitation, score, "")
        db.session.rollback()
    assert responses(app) == []
