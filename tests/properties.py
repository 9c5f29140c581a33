"""Shared parts of the property-based (hypothesis) form tests.

Values are what a browser or a hostile client can send: any Unicode text (control
characters, non-characters, right-to-left marks, emoji; never lone surrogates, which
UTF-8 cannot carry), text right at and past each limit, bytes that are not UTF-8,
choices in and out of range, and fields left out. Each example posts a real form to the
app and compares the answer with what the field rules predict.

Hypothesis runs many examples inside one test, and pytest's function-scoped fixtures
(the clean database) run once per test, not per example: each example measures what it
changed itself (row counts before and after) or clears the tables it uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote, quote_from_bytes

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tracker.web.forms import MESSAGE_CONTROL, MESSAGE_UNREADABLE, text_problem

# Reproducible in CI (derandomized) and quick enough for a 2-core machine; run with
# HYPOTHESIS_PROFILE=thorough for a longer, randomized search.
settings.register_profile(
    "rapport",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "rapport"))


class Missing:
    """A field the client leaves out altogether."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


@dataclass(frozen=True)
class RawBytes:
    """A value sent as bytes that may not be UTF-8 (as an old browser or a script might)."""

    data: bytes

    @property
    def text(self) -> str | None:
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            return None


# Any character UTF-8 can carry (so no lone surrogates), control characters included.
any_char = st.characters(codec="utf-8")
# What people type: letters, digits, punctuation, spaces, accents and emoji.
typed_char = st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"])
hostile_char = st.sampled_from(
    ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\ufffe", "\uffff", "\ufffd", "\r",
     "\n", "\t", "\u2028", "\u202e", "\u200b", "\ufeff", "\U0001f600", "\u0130"]
)


def text_values(limit: int, *, blank_ok: bool = True) -> st.SearchStrategy:
    """Text for a field of `limit` characters: ordinary, hostile, at and past the limit."""
    ordinary = st.text(typed_char, min_size=1, max_size=60)
    anything = st.text(st.one_of(any_char, hostile_char), max_size=60)
    near_limit = st.builds(
        lambda unit, extra: (unit * (limit // len(unit) + 2))[: limit + extra],
        st.text(typed_char, min_size=1, max_size=4), st.integers(-2, 2),
    )
    raw = st.builds(RawBytes, st.binary(min_size=1, max_size=20))
    values = [ordinary, ordinary, anything, near_limit, raw, st.just(MISSING)]
    if blank_ok:
        values.append(st.sampled_from(["", "   ", "\u00a0", "\u3000"]))
    return st.one_of(*values)


def choice_values(choices: list[str]) -> st.SearchStrategy:
    """A choice from the list (most of the time), or anything else a client can send."""
    return st.one_of(
        st.sampled_from(choices), st.sampled_from(choices),
        st.text(any_char, max_size=12), st.just(MISSING),
        st.sampled_from(["", "0", "-1", "99999999999999999999", "NaN", "1e309", "\u00b2"]),
        st.builds(RawBytes, st.binary(min_size=1, max_size=6)),
    )


def ordinary_text(limit: int) -> st.SearchStrategy:
    """Text a person could type in a field of `limit` characters, any script or emoji."""
    return st.text(typed_char, min_size=1, max_size=min(limit, 80)).filter(str.strip)


@st.composite
def forms(draw, valid: dict, wild: dict, *, max_wild: int = 2) -> dict:
    """A form that is valid except for a few fields (none, one or two) set to wild values."""
    fields = {name: draw(strategy) for name, strategy in valid.items()}
    # In name order: a set of strings iterates in an order that changes with every process
    # (hash randomisation), which would change what is drawn and undo derandomize.
    for name in sorted(draw(st.sets(st.sampled_from(sorted(wild)), max_size=max_wild))):
        fields[name] = draw(wild[name])
    return fields


def as_text(value) -> str | None:
    """What the application reads for a sent value (None: missing or not UTF-8)."""
    if value is MISSING:
        return None
    if isinstance(value, RawBytes):
        return value.text
    return value


def unreadable(value) -> bool:
    return isinstance(value, RawBytes) and value.text is None


def text_error(value, *, limit: int, required: bool, multiline: bool) -> str | None:
    """The message a text field should show for this value (None when it is accepted).

    The character rules are RapportForm's own (tracker.web.forms.text_problem, tested
    in tests/test_typed_text.py); here they are applied to what went over the wire.
    """
    if unreadable(value):
        return MESSAGE_UNREADABLE
    text = as_text(value) or ""
    problem = text_problem(text, multiline=multiline)  # before blankness: "\x85" is a space
    if problem:
        return problem
    if not text.strip():
        return "required" if required else None
    if len(text) > limit:
        return "too long"
    return None


def choice_error(value, choices: list[str]) -> bool:
    return as_text(value) not in choices


def urlencoded(fields: dict, token: str) -> str:
    """A form body as a browser would send it, with raw bytes where asked."""
    parts = []
    for name, value in {**fields, "csrf_token": token}.items():
        if value is MISSING:
            continue
        encoded = (quote_from_bytes(value.data) if isinstance(value, RawBytes)
                   else quote(value, safe=""))
        parts.append(f"{quote(name)}={encoded}")
    return "&".join(parts)


def post_form(client, url: str, fields: dict, token: str, *, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data=urlencoded(fields, token),
                       content_type="application/x-www-form-urlencoded", headers=headers)


def error_next_to(page: str, field_id: str) -> bool:
    """Whether the page shows a message tied to this field (see _macros/forms.html)."""
    return f'id="{field_id}-error"' in page


__all__ = [
    "MESSAGE_CONTROL", "MESSAGE_UNREADABLE", "MISSING", "RawBytes", "as_text", "choice_error",
    "choice_values", "error_next_to", "forms", "ordinary_text", "post_form", "text_error",
    "text_values", "unreadable",
]
