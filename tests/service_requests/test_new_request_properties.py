"""Property: whatever is typed into the new-request form, the answer is a filed request
holding exactly that text, or 422 with a message next to each field at fault and nothing
stored; never a 5xx."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

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
from tests.security.scene import changed_tables, snapshot
from tracker.extensions import db
from tracker.models import Category, ServiceRequest
from tracker.service_requests.forms import BODY_MAX, TITLE_MAX

CATEGORIES = ["broken", "access", "new", "question", "idea"]
IMPACTS = ["just_me", "my_team", "whole_unit"]
URGENCIES = ["workaround", "slowed", "blocked"]

new_request = forms(
    valid={
        "category": st.sampled_from(CATEGORIES),
        "title": ordinary_text(TITLE_MAX),
        "description": ordinary_text(BODY_MAX),
        "impact": st.sampled_from(IMPACTS),
        "urgency": st.sampled_from(URGENCIES),
    },
    wild={
        "category": choice_values(CATEGORIES),
        "title": text_values(TITLE_MAX),
        "description": text_values(BODY_MAX),
        "impact": choice_values(IMPACTS),
        "urgency": choice_values(URGENCIES),
    },
)


def expected_errors(fields: dict) -> set[str]:
    errors = {name for name, choices in (("category", CATEGORIES), ("impact", IMPACTS),
                                         ("urgency", URGENCIES))
              if choice_error(fields[name], choices)}
    if text_error(fields["title"], limit=TITLE_MAX, required=True, multiline=False):
        errors.add("title")
    if text_error(fields["description"], limit=BODY_MAX, required=True, multiline=True):
        errors.add("description")
    return errors


def _newest(app):
    """(id, title, description, category, impact, urgency) of the latest request, or None."""
    with app.app_context():
        row = db.session.execute(
            select(ServiceRequest.id, ServiceRequest.title, ServiceRequest.description,
                   Category.slug, ServiceRequest.impact, ServiceRequest.urgency)
            .join(Category).order_by(ServiceRequest.id.desc()).limit(1)
        ).first()
        db.session.remove()
        return tuple(row) if row else None


def test_the_new_request_form_files_exactly_what_was_typed_or_says_what_is_wrong(
    app, client, make
):
    client.login(make.requester().email)
    token = client.csrf_token("/requests/new")
    outcomes = {"filed": 0, "refused": 0}

    @given(fields=new_request, htmx=st.booleans())
    @example(fields={"category": "broken", "title": "\u0130" * 200, "description": "\x85",
                     "impact": "just_me", "urgency": "blocked"}, htmx=False)
    def check(fields, htmx):
        before, newest = snapshot(app), _newest(app)
        response = post_form(client, "/requests/new", fields, token, htmx=htmx)
        page = response.get_data(as_text=True)
        wrong = expected_errors(fields)
        if not wrong:
            assert response.status_code == 303, (response.status_code, fields)
            stored = _newest(app)
            assert stored is not None and (newest is None or stored[0] > newest[0])
            assert stored[1:] == (
                as_text(fields["title"]).strip(), as_text(fields["description"]).strip(),
                as_text(fields["category"]), as_text(fields["impact"]),
                as_text(fields["urgency"]),
            )
            outcomes["filed"] += 1
            return
        assert response.status_code == 422, (response.status_code, wrong, fields)
        outcomes["refused"] += 1
        assert changed_tables(before, snapshot(app)) == [], "a refused request stored data"
        for name in ("category", "title", "description", "impact", "urgency"):
            assert error_next_to(page, name) == (name in wrong), (name, wrong, fields)

    check()
    assert min(outcomes.values()) >= 10, outcomes  # both answers were really tried
