"""Property: whatever is sent to "tell us about a tool", the answer is one registered tool
holding exactly what was typed, or 422 with a message next to each field at fault and
nothing stored; never a 5xx."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from tests.properties import (
    MISSING,
    as_text,
    choice_error,
    choice_values,
    error_next_to,
    forms,
    ordinary_text,
    post_form,
    text_error,
    text_values,
    unreadable,
)
from tracker.extensions import db
from tracker.models import ShadowTool, ToolAdoption, ToolEvent

PAYERS = ["free", "team_budget", "company_card", "personal"]
PERIODS = ["month", "year"]
CURRENCIES = ["GBP", "EUR", "USD", "CHF", "SEK"]
DATA_KINDS = ["none", "internal", "personal", "sensitive"]
SIGN_INS = ["sso", "own_passwords"]
CRITICAL = ["no", "slowed", "yes"]
CHOICES = {"payer": PAYERS, "cost_period": PERIODS, "currency": CURRENCIES,
           "data_kind": DATA_KINDS, "sign_in": SIGN_INS, "critical": CRITICAL}
TEXTS = {  # name: (limit, required, multi-line)
    "name": (120, True, False), "url": (300, False, False),
    "purpose": (5000, True, True), "impact": (5000, False, True),
}
FIELDS = [*TEXTS, *CHOICES, "user_count", "cost_amount", "renewal_date", "unmet_request"]

numbers = st.one_of(
    st.integers(-10, 200_000).map(str), st.sampled_from(
        ["", " ", "1e3", "12.5", "NaN", "Infinity", "-0", "99999999999999999999", "1e309",
         "0x10", "1_000", " 42 ", "\u0661\u0662"]),
    st.text(st.characters(codec="utf-8"), max_size=8), st.just(MISSING),
)
amounts = st.one_of(
    st.decimals(min_value=-100, max_value=20_000_000, places=2).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "1e309", "-1e-999999", "1,50", "12.345", "sNaN", "\u0661"]),
    st.just(MISSING),
)
dates = st.one_of(
    st.dates().map(str),
    st.sampled_from(["", "0000-00-00", "99999-01-01", "2026-02-30", "2026-2-3", "31/12/2026",
                     "2026-12-31T00:00", "\u0662\u0660\u0662\u0666-01-01"]),
    st.text(st.characters(codec="utf-8"), max_size=12), st.just(MISSING),
)
hosts = st.builds(lambda label, n: "https://" + ".".join([label] * n) + ".example",
                  st.text("abcdefghij", min_size=1, max_size=63), st.integers(1, 8))
urls = st.one_of(text_values(300), hosts, st.sampled_from(
    ["trello.com", "https://[unclosed", "http://", "mailto:x@y.z", "//cdn.example/x",
     "https://exa mple.com", "https://xn--bcher-kva.example"]))
unmet = st.one_of(st.just(""), st.integers(-5, 5).map(str),
                  st.sampled_from(["99999999999", "2147483647", "\u00b2", "REQ-000001"]),
                  st.just(MISSING))

registration = forms(
    valid={
        "name": ordinary_text(120), "url": st.sampled_from(["", "miro.com", "https://x.io/a"]),
        "purpose": ordinary_text(5000), "impact": st.just(""),
        "user_count": st.integers(1, 100_000).map(str),
        "payer": st.sampled_from(PAYERS), "cost_amount": st.just(""),
        "cost_period": st.sampled_from(PERIODS), "currency": st.sampled_from(CURRENCIES),
        "data_kind": st.sampled_from(DATA_KINDS), "sign_in": st.sampled_from(SIGN_INS),
        "critical": st.sampled_from(CRITICAL), "renewal_date": st.just(""),
        "unmet_request": st.just(""),
    },
    wild={
        **{name: text_values(limit) for name, (limit, _, _) in TEXTS.items()},
        **{name: choice_values(choices) for name, choices in CHOICES.items()},
        "url": urls, "user_count": numbers, "cost_amount": amounts, "renewal_date": dates,
        "unmet_request": unmet,
    },
    max_wild=3,
)


def _url_error(value) -> bool:
    text = as_text(value)
    if text is None or not text.strip():
        return False
    text = text.strip()
    try:
        host = urlsplit(text if "://" in text else "https://" + text).hostname or ""
    except ValueError:
        return True
    return len(host) > 200


def _count_error(value) -> bool:
    text = as_text(value)
    if not text:
        return True
    try:
        return not 1 <= int(text) <= 100_000
    except ValueError:
        return True


def _amount_error(value) -> bool:
    if unreadable(value):
        return True
    text = as_text(value)
    if text is None or not text.strip():
        return False
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return True
    return not amount.is_finite() or not 0 <= amount <= 10_000_000


def _date_error(value) -> bool:
    if unreadable(value):
        return True
    text = as_text(value)
    if text is None or not text.strip():
        return False
    try:
        datetime.strptime(text, "%Y-%m-%d")  # noqa: DTZ007 - a date, as the form reads it
    except ValueError:
        return True
    return False


def _points_at_a_request(value) -> bool:
    """Any real request id is someone else's here: this person has filed none."""
    text = as_text(value) or ""
    return bool(re.fullmatch(r"[0-9]{1,10}", text)) and 0 < int(text) <= 2_147_483_647


def expected_errors(fields: dict) -> set[str]:
    errors = {name for name, choices in CHOICES.items() if choice_error(fields[name], choices)}
    for name, (limit, required, multiline) in TEXTS.items():
        if text_error(fields[name], limit=limit, required=required, multiline=multiline):
            errors.add(name)
    checks = {"url": _url_error, "user_count": _count_error, "cost_amount": _amount_error,
              "renewal_date": _date_error}
    errors |= {name for name, wrong in checks.items() if wrong(fields[name])}
    if not errors and _points_at_a_request(fields["unmet_request"]):
        errors.add("unmet_request")  # checked when registering, once the form is valid
    return errors


def _clear_tools(app) -> None:
    with app.app_context():
        for model in (ToolEvent, ToolAdoption, ShadowTool):
            db.session.execute(delete(model))
        db.session.commit()
        db.session.remove()


def _tools(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(ShadowTool.name, ShadowTool.url, ShadowTool.purpose, ShadowTool.impact,
                   ShadowTool.payer, ShadowTool.data_kind, ShadowTool.sign_in,
                   ShadowTool.currency, ShadowTool.cost_period, ShadowTool.renewal_date)
        ).all()
        adoptions = db.session.scalars(select(ToolAdoption.people)).all()
        events = db.session.scalar(select(func.count()).select_from(ToolEvent))
        db.session.remove()
    return [tuple(row) for row in rows], adoptions, events


def test_registering_a_tool_stores_exactly_what_was_typed_or_says_what_is_wrong(
    app, client, make
):
    client.login(make.requester(unit=make.unit("Finance")).email)
    token = client.csrf_token("/tools/new")
    outcomes = {"registered": 0, "refused": 0}

    @given(fields=registration)
    def check(fields):
        _clear_tools(app)
        response = post_form(client, "/tools/new", fields, token)
        page = response.get_data(as_text=True)
        wrong = expected_errors(fields)
        tools, adoptions, events = _tools(app)
        if not wrong:
            assert response.status_code == 303, (response.status_code, fields)
            renewal = as_text(fields["renewal_date"]) or ""
            assert tools == [(
                as_text(fields["name"]).strip(), (as_text(fields["url"]) or "").strip(),
                as_text(fields["purpose"]).strip(), (as_text(fields["impact"]) or "").strip(),
                fields["payer"], fields["data_kind"], fields["sign_in"], fields["currency"],
                fields["cost_period"],
                datetime.strptime(renewal, "%Y-%m-%d").date() if renewal.strip() else None,  # noqa: DTZ007
            )]
            assert adoptions == [int(as_text(fields["user_count"]))] and events == 1
            outcomes["registered"] += 1
            return
        assert response.status_code == 422, (response.status_code, wrong, fields)
        assert (tools, adoptions, events) == ([], [], 0), "a refused registration stored data"
        for name in FIELDS:
            assert error_next_to(page, name) == (name in wrong), (name, wrong, fields)
        outcomes["refused"] += 1

    check()
    assert min(outcomes.values()) >= 10, outcomes  # both answers were really tried
