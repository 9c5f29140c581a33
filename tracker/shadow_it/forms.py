"""Telling IT about a tool, in plain words, and IT's review."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from tracker.models import ToolStatus
from tracker.shadow_it.services import web_address_problem
from tracker.web.forms import FiniteDecimalField, RapportForm

PAYER_CHOICES = [
    SelectChoice("free", "Nobody, it's free"),
    SelectChoice("team_budget", "Our team's budget"),
    SelectChoice("company_card", "A company card or expenses"),
    SelectChoice("personal", "Someone pays out of their own pocket"),
]
DATA_CHOICES = [
    SelectChoice("none", "Nothing in particular"),
    SelectChoice("internal", "Internal documents"),
    SelectChoice("personal", "Customer or personal data"),
    SelectChoice("sensitive", "Financial or health data"),
]
SIGN_IN_CHOICES = [
    SelectChoice("sso", "With our company account (single sign-on)"),
    SelectChoice("own_passwords", "With their own passwords"),
]
CRITICAL_CHOICES = [
    SelectChoice("no", "We'd manage"),
    SelectChoice("slowed", "We'd be slowed down"),
    SelectChoice("yes", "We couldn't do our work"),
]


class ToolForm(RapportForm):
    name = StringField(
        "What is the tool called?",
        validators=[
            DataRequired("Please tell us the tool's name."),
            Length(max=120, message="Please keep the name under 120 characters."),
        ],
    )
    url = StringField(
        "Its web address (if it has one)",
        validators=[Length(max=300, message="Please keep the address under 300 characters.")],
    )

    def validate_url(self, field) -> None:
        problem = web_address_problem(field.data or "")
        if problem is not None:
            raise ValidationError(problem)

    purpose = TextAreaField(
        "What does your team use it for?",
        validators=[
            DataRequired("Please tell us what it's used for."),
            Length(max=5000, message="Please keep it under 5,000 characters."),
        ],
    )
    user_count = IntegerField(
        "About how many people use it?",
        validators=[
            InputRequired("Please give a rough number of people."),
            NumberRange(min=1, max=100_000, message="Please give a number from 1 to 100,000."),
        ],
    )
    payer = RadioField(
        "Who pays for it?",
        choices=PAYER_CHOICES,
        validators=[InputRequired("Please tell us who pays.")],
    )
    cost_amount = FiniteDecimalField(
        "Roughly how much?",
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=10_000_000,
                        message="Please give an amount from 0 to 10,000,000."),
        ],
    )
    cost_period = SelectField(
        "per", choices=[SelectChoice("month", "month"), SelectChoice("year", "year")]
    )
    currency = SelectField(
        "Currency", choices=[SelectChoice(c, c) for c in ("GBP", "EUR", "USD", "CHF", "SEK")]
    )
    data_kind = RadioField(
        "What kind of information goes into it?",
        choices=DATA_CHOICES,
        validators=[InputRequired("Please tell us what goes into it.")],
    )
    sign_in = RadioField(
        "How do people sign in?",
        choices=SIGN_IN_CHOICES,
        validators=[InputRequired("Please tell us how people sign in.")],
    )
    critical = RadioField(
        "If it stopped working tomorrow…",
        choices=CRITICAL_CHOICES,
        validators=[InputRequired("Please tell us what would happen.")],
    )
    impact = TextAreaField(
        "What would break without it? (optional)",
        validators=[Length(max=5000, message="Please keep it under 5,000 characters.")],
    )
    renewal_date = DateField(
        "When does the subscription renew, if you know? (optional)", validators=[Optional()]
    )
    unmet_request = SelectField(
        "Did you start using it because a request to IT took too long? (optional)",
        choices=[],
        validate_choice=False,
    )
    different_tool = BooleanField("It's a different tool, register it anyway")

    def set_requests(self, requests) -> None:
        self.unmet_request.choices = [
            SelectChoice("", "No"),
            *(SelectChoice(str(r.id), f"{r.reference} · {r.title}") for r in requests),
        ]


class JoinForm(RapportForm):
    people = IntegerField(
        "How many people in your team use it?",
        validators=[
            InputRequired("Please give a rough number."),
            NumberRange(min=1, max=100_000, message="Please give a number from 1 to 100,000."),
        ],
    )


class ReviewForm(RapportForm):
    version = IntegerField(
        widget=HiddenInput(), validators=[Optional()],
        invalid_value_message="This form is out of date. Please reload the page and try again.",
    )
    status = SelectField(
        "Decision", choices=[SelectChoice(s.value, s.staff_label) for s in ToolStatus]
    )
    rationale = TextAreaField(
        "Why (the registering person sees this)",
        validators=[Length(max=2000, message="Please keep it under 2,000 characters.")],
    )
    advice = TextAreaField(
        'Advice for the team (optional), e.g. "please turn on single sign-on"',
        validators=[Length(max=2000, message="Please keep it under 2,000 characters.")],
    )
    renewal_date = DateField("Renewal date", validators=[Optional()])
