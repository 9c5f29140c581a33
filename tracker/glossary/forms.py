"""Glossary forms: an administrator's term, its deletion, and an agent's reply hint."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from tracker.glossary.services import split_synonyms
from tracker.models.glossary import EXPLANATION_MAX, SYNONYMS_MAX, TERM_MAX
from tracker.service_requests.forms import BODY_MAX
from tracker.web.forms import RapportForm, stripped

MAX_SYNONYMS = 10


def _single_spaced(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _has_letters(text: str) -> bool:
    return any(character.isalnum() for character in text)


class TermForm(RapportForm):
    term = StringField(
        "Word or abbreviation",
        filters=[_single_spaced],
        validators=[
            DataRequired("Please give the word to explain."),
            Length(max=TERM_MAX, message=f"Please keep the word under {TERM_MAX} characters."),
        ],
    )
    explanation = TextAreaField(
        "What it means, in plain English",
        filters=[stripped],
        validators=[
            DataRequired("Please explain the word in a sentence or two."),
            Length(max=EXPLANATION_MAX,
                   message=f"Please keep the explanation under {EXPLANATION_MAX} characters: "
                           "one or two short sentences."),
        ],
    )
    synonyms = StringField(
        "Other ways to write it (optional)",
        filters=[_single_spaced],
        validators=[Length(max=SYNONYMS_MAX,
                           message=f"Please keep these under {SYNONYMS_MAX} characters.")],
    )

    def validate_term(self, field):
        if field.data and not _has_letters(field.data):
            raise ValidationError("The word needs at least one letter or number.")

    def validate_synonyms(self, field):
        words = split_synonyms(field.data)
        if len(words) > MAX_SYNONYMS:
            raise ValidationError(f"Please give at most {MAX_SYNONYMS} other ways to write it.")
        for word in words:
            if len(word) > TERM_MAX:
                raise ValidationError(
                    f"“{word[:20]}…” is too long; each one must be under {TERM_MAX} characters."
                )
            if not _has_letters(word):
                raise ValidationError(f"“{word}” needs at least one letter or number.")

    def synonym_list(self) -> tuple[str, ...]:
        return tuple(split_synonyms(self.synonyms.data))


class DeleteTermForm(RapportForm):
    """Only a CSRF token: "yes, delete it"."""


class HintForm(RapportForm):
    """The reply an agent is writing, as the comment and panel forms send it."""

    body = TextAreaField(validators=[Length(max=BODY_MAX)])
    visibility = SelectField(
        choices=[SelectChoice("public", "public"), SelectChoice("internal", "internal")],
        default="public",
    )
