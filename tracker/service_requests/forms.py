"""Forms for filing and following a request, in the requester's words."""

from __future__ import annotations

import re
import uuid

from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from tracker.attachments.forms import AttachmentFields
from tracker.models import Impact, Stage, Urgency
from tracker.web.forms import RapportForm

IMPACT_CHOICES = [
    SelectChoice(Impact.JUST_ME.value, "Just me"),
    SelectChoice(Impact.MY_TEAM.value, "My team"),
    SelectChoice(Impact.WHOLE_UNIT.value, "The whole unit, or our customers"),
]
URGENCY_CHOICES = [
    SelectChoice(Urgency.WORKAROUND.value, "I can work around it"),
    SelectChoice(Urgency.SLOWED.value, "It slows me down"),
    SelectChoice(Urgency.BLOCKED.value, "I can't work"),
]

_KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")
TITLE_MAX = 200
BODY_MAX = 20_000


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def _own_key_or_none(value):
    return value if isinstance(value, str) and _KEY_PATTERN.match(value) else None


class IdempotentForm(RapportForm):
    """A form that carries a one-time key, so submitting it twice acts once."""

    # A key not of our own shape is dropped (a fresh one is made), never refused or stored.
    idempotency_key = HiddenField(filters=[_own_key_or_none], validators=[Length(max=64)])

    def prepare_key(self) -> None:
        """Give a freshly shown form its key; keep the key of a re-shown one."""
        if not _KEY_PATTERN.match(self.idempotency_key.data or ""):
            self.idempotency_key.data = new_idempotency_key()

    def submitted_key(self) -> str | None:
        key = self.idempotency_key.data or ""
        return key if _KEY_PATTERN.match(key) else None


def _not_blank(message: str):
    def check(_form, field):
        if not (field.data or "").strip():
            raise ValidationError(message)

    return check


class NewRequestForm(AttachmentFields, IdempotentForm):
    category = RadioField(
        "What do you need help with?",
        choices=[],
        validators=[InputRequired("Please choose what kind of help you need.")],
    )
    title = StringField(
        "In a few words, what is it about?",
        validators=[
            _not_blank("Please give your request a short title."),
            Length(max=TITLE_MAX, message=f"Please keep the title under {TITLE_MAX} characters."),
        ],
    )
    description = TextAreaField(
        "Tell us more, in your own words",
        validators=[
            _not_blank("Please tell us a little more, so we can help."),
            Length(max=BODY_MAX, message="That's a lot of text. Please shorten it a little."),
        ],
    )
    impact = RadioField(
        "Who is affected?",
        choices=IMPACT_CHOICES,
        validators=[InputRequired("Please tell us who is affected.")],
    )
    urgency = RadioField(
        "How much is it holding you back?",
        choices=URGENCY_CHOICES,
        validators=[InputRequired("Please tell us how much this is holding you back.")],
    )

    def set_categories(self, categories) -> None:
        self.category.choices = [SelectChoice(c.slug, c.name) for c in categories]
        self._category_hints = {c.slug: c.hint for c in categories}

    def hint_for(self, slug: str) -> str:
        return getattr(self, "_category_hints", {}).get(slug, "")


class CommentForm(AttachmentFields, IdempotentForm):
    body = TextAreaField(
        "Your message",
        validators=[
            _not_blank("Please write a message before sending."),
            Length(max=BODY_MAX, message="That's a lot of text. Please shorten it a little."),
        ],
    )
    visibility = SelectField(
        "Who sees it",
        choices=[
            SelectChoice("public", "Reply to the requester"),
            SelectChoice("internal", "Internal note (IT only)"),
        ],
        default="public",
    )


class ReopenForm(RapportForm):
    reason = TextAreaField(
        "What is still not working?",
        validators=[
            DataRequired("Please tell us what is still not working."),
            Length(max=BODY_MAX, message="That's a lot of text. Please shorten it a little."),
        ],
    )


class ConfirmForm(RapportForm):
    """Only a CSRF token: "yes, this fixed it"."""


class StageForm(RapportForm):
    version = IntegerField(
        widget=HiddenInput(), validators=[Optional()],
        invalid_value_message="This form is out of date. Please reload the page and try again.",
    )
    stage = SelectField(
        "Move to",
        choices=[
            SelectChoice("", "Choose a stage…"),
            *(SelectChoice(s.value, s.staff_label) for s in Stage),
        ],
        validators=[DataRequired("Please choose a stage.")],
    )
    note = TextAreaField(
        "Note for the timeline (optional)",
        validators=[Length(max=BODY_MAX, message="Please keep the note shorter.")],
    )
