"""The base of every form: typed text is stored only if it can be read back as typed.

Browsers send text fields as UTF-8. Bytes that are not UTF-8 arrive as U+FFFD in a
multipart form, and stay percent-escaped in an URL-encoded one (so the raw body is
checked before it is parsed); control characters never come from a keyboard. Both are
refused next to the field instead of being stored (PostgreSQL refuses NUL outright).
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import unquote, unquote_to_bytes

from flask import Flask, current_app, g, request
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)

# C0 and C1 control characters and DEL; tab, line feed and carriage return are allowed
# in multi-line fields. Lone surrogates and non-characters can't be encoded or shown.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
UNREADABLE = "\ufffd"

MESSAGE_UNREADABLE = (
    "Some characters didn't come through correctly. Please retype them and try again."
)
MESSAGE_CONTROL = (
    "This contains hidden control characters we can't store. Please retype it and try again."
)

TEXT_PROBLEMS = frozenset({MESSAGE_UNREADABLE, MESSAGE_CONTROL})


def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why `value` can't be stored as typed, or None when it can."""
    if UNREADABLE in value:
        return MESSAGE_UNREADABLE
    pattern = _CONTROL if multiline else _CONTROL_SINGLE_LINE
    if pattern.search(value):
        return MESSAGE_CONTROL
    return None


def _unreadable_fields(body: bytes) -> frozenset[str]:
    """Names of the fields of an URL-encoded body whose values are not UTF-8."""
    names = set()
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            names.add(unquote(name.replace(b"+", b" ").decode("latin-1")))
    return frozenset(names)


def note_unreadable_fields() -> None:
    """Before a form post is parsed, note which fields were not sent as UTF-8."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype == "application/x-www-form-urlencoded":
        # Cached, so the form is parsed from this same copy of the body.
        g.unreadable_fields = _unreadable_fields(request.get_data(cache=True))


def limit_bodies_without_files() -> None:
    """Only a multipart form carries files: any other body is held to RAPPORT_MAX_FORM_BYTES
    (MAX_CONTENT_LENGTH, sized for a full upload of files, still bounds a multipart one)."""
    if request.mimetype != "multipart/form-data":
        request.max_content_length = current_app.config["RAPPORT_MAX_FORM_BYTES"]


def register_typed_text(app: Flask) -> None:
    # First of all hooks: CSRF protection parses the form as soon as it runs, and the
    # limit must be set before anything reads the body.
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, note_unreadable_fields)
    hooks.insert(0, limit_bodies_without_files)


def _checks_text(field) -> bool:
    """Text people type and read back; secrets and hidden plumbing are checked elsewhere."""
    return isinstance(field, StringField) and not isinstance(field, PasswordField | HiddenField)


# WTForms' own messages are terse and technical; these say the same in plain words.
# (A form may still give a field a message of its own, which is used instead.)
PLAIN_MESSAGES = {
    "This field is required.": "Please fill this in.",
    "Not a valid choice.": "Please choose one of the options shown.",
    "Invalid Choice: could not coerce.": "Please choose one of the options shown.",
    "Invalid choice(s): one or more data inputs could not be coerced.":
        "Please choose from the options shown.",
    "'%(value)s' is not a valid choice for this field.":
        "Please choose from the options shown.",
    "'%(value)s' are not valid choices for this field.":
        "Please choose from the options shown.",
    "Not a valid integer value.": "Please enter a whole number, like 12.",
    "Not a valid decimal value.": "Please enter a number, like 12.50.",
    "Not a valid float value.": "Please enter a number, like 12.5.",
    "Not a valid date value.": "Please enter a date like 2026-03-31.",
    "Not a valid datetime value.": "Please enter a date and time like 2026-03-31 09:30.",
    "Not a valid time value.": "Please enter a time like 09:30.",
    "Invalid input.": "Please check this answer.",
    "Invalid email address.": "Please give a valid e-mail address, like name@example.com.",
    "Invalid value, must be one of: %(values)s.": "Please choose one of the options shown.",
    "Field cannot be longer than %(max)d character.":
        "Please keep this under %(max)d characters.",
    "Field cannot be longer than %(max)d characters.":
        "Please keep this under %(max)d characters.",
    "Field must be at least %(min)d character long.": "Please use at least %(min)d characters.",
    "Field must be at least %(min)d characters long.": "Please use at least %(min)d characters.",
    "Field must be between %(min)d and %(max)d characters long.":
        "Please use between %(min)d and %(max)d characters.",
    "Number must be at least %(min)s.": "Please give a number of %(min)s or more.",
    "Number must be at most %(max)s.": "Please give a number of %(max)s or less.",
    "Number must be between %(min)s and %(max)s.":
        "Please give a number from %(min)s to %(max)s.",
    "Date must be at least %(min)s.": "Please give a date from %(min)s on.",
    "Date must be at most %(max)s.": "Please give a date up to %(max)s.",
    "Date must be between %(min)s and %(max)s.":
        "Please give a date between %(min)s and %(max)s.",
    "Field must be equal to %(other_name)s.": "The two answers don't match.",
}


class PlainMessages:
    """WTForms' translations interface, speaking Rapport's plain English."""

    def gettext(self, string: str) -> str:
        return PLAIN_MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


_PLAIN = PlainMessages()
MESSAGE_NOT_A_NUMBER = "Please enter a number, like 12.50."


class FiniteDecimalField(DecimalField):
    """A decimal number; "NaN" and "Infinity" are refused, not compared (which would fail)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(self.invalid_value_message or MESSAGE_NOT_A_NUMBER)


def stripped(value):
    """A field filter: the text without leading and trailing white space."""
    return value.strip() if isinstance(value, str) else value


def _leaf_fields(fields):
    """The fields a person fills in, including those of repeated rows (FieldList/FormField)."""
    for field in fields:
        if isinstance(field, FieldList | FormField):
            yield from _leaf_fields(field)
        else:
            yield field


class RapportForm(FlaskForm):
    """Every form in Rapport: its text fields refuse unreadable and control characters."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _PLAIN

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in _leaf_fields(self):
            unread = [e for e in field.process_errors if e in (field.errors or ())]
            if unread and isinstance(field.errors, list):
                # An answer that could not be read as a number or a date says only that:
                # the range checks that ran on nothing would add a second, confusing line.
                field.errors = list(dict.fromkeys(unread))
            if not _checks_text(field) or not isinstance(field.data, str):
                continue
            # What was sent, before filters: folding white space must not hide a control
            # character that Python counts as a space (NEL, U+0085).
            sent = field.raw_data[0] if field.raw_data and isinstance(
                field.raw_data[0], str) else field.data
            if field.name in g.get("unreadable_fields", ()):
                problem = MESSAGE_UNREADABLE
            else:
                problem = text_problem(sent, multiline=isinstance(field, TextAreaField))
            if problem is not None:
                field.errors = [problem, *(e for e in field.errors if e != problem)]
                valid = False
        for field in self:
            if isinstance(field, FieldList):  # its errors were gathered before the above
                errors = [entry.errors for entry in field.entries]
                field.errors = errors if any(errors) else []
        return valid
