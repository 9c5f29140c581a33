"""The base of every form: typed text is stored only if it can be read back as typed.

Browsers send text fields as UTF-8. Bytes that are not UTF-8 arrive as U+FFFD in a
multipart form, and stay percent-escaped in an URL-encoded one (so the raw body is
checked before it is parsed); control characters never come from a keyboard. Both are
refused next to the field instead of being stored (PostgreSQL refuses NUL outright).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, unquote_to_bytes

from flask import Flask, g, request
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

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


def register_typed_text(app: Flask) -> None:
    # First of all hooks: CSRF protection parses the form as soon as it runs.
    app.before_request_funcs.setdefault(None, []).insert(0, note_unreadable_fields)


def _checks_text(field) -> bool:
    """Text people type and read back; secrets and hidden plumbing are checked elsewhere."""
    return isinstance(field, StringField) and not isinstance(field, PasswordField | HiddenField)


class RapportForm(FlaskForm):
    """Every form in Rapport: its text fields refuse unreadable and control characters."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if not _checks_text(field) or not isinstance(field.data, str):
                continue
            if field.name in g.get("unreadable_fields", ()):
                problem = MESSAGE_UNREADABLE
            else:
                problem = text_problem(field.data, multiline=isinstance(field, TextAreaField))
            if problem is not None:
                field.errors = [problem, *(e for e in field.errors if e != problem)]
                valid = False
        return valid
