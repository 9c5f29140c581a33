"""The one-question survey, its follow-up, and "you said, we did"."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from tracker.models import SCORE_WORDS
from tracker.web.forms import RapportForm

SCORE_CHOICES = [SelectChoice(str(score), f"{score} · {words}") for score, words
                 in sorted(SCORE_WORDS.items())]


class ScoreField(RadioField):
    """A 1-5 choice that explains itself when something else arrives."""

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(
                "Please choose how we did, from 1 (very poor) to 5 (excellent)."
            )


class SurveyForm(RapportForm):
    score = ScoreField(
        "How did we do?",
        choices=SCORE_CHOICES,
        validators=[
            InputRequired("Please choose how we did, from 1 (very poor) to 5 (excellent).")
        ],
    )
    comment = TextAreaField(
        "Anything you'd like to tell us? (optional)",
        validators=[Length(max=5000, message="Please keep it under 5,000 characters.")],
    )


class FollowUpForm(RapportForm):
    details = TextAreaField(
        "What went wrong?",
        validators=[
            DataRequired("Please tell us a little about what went wrong."),
            Length(max=5000, message="Please keep it under 5,000 characters."),
        ],
    )
    reopen = BooleanField("Please reopen my request, it isn't sorted")


class ActedUponForm(RapportForm):
    note = TextAreaField(
        "What changed because of this feedback?",
        validators=[
            DataRequired("Please say in a sentence what changed."),
            Length(max=1000, message="Please keep it under 1,000 characters."),
        ],
    )
