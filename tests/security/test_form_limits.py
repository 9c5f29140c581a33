"""Every text field of every form has a length limit, and the limit fits its column.

The forms are found by importing the whole `tracker` package and walking the subclasses
of RapportForm (and the plain WTForms forms they repeat, like a touchpoint's action rows),
so a form added later is checked without being listed. Where a field is stored in a
String(n) column, its limit may not be larger than n: PostgreSQL would refuse the longer
text with an error (SQLite stores it regardless, which hides the mistake). The bad-input
sweep (test_bad_input.py) also posts text exactly at each field's limit on both databases.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from wtforms import Form, StringField
from wtforms.fields import FieldList, FormField
from wtforms.validators import Length

import tracker
from tracker.models import (
    BusinessUnit,
    FeedbackAction,
    NextAction,
    RequestEvent,
    SavedView,
    ServiceRequest,
    ShadowTool,
    SurveyResponse,
    ToolEvent,
    Touchpoint,
    User,
)
from tracker.web.forms import RapportForm


def _all_forms() -> list[type[Form]]:
    for module in pkgutil.walk_packages(tracker.__path__, "tracker."):
        importlib.import_module(module.name)
    found, todo = [], [RapportForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            todo.append(sub)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = _all_forms()

# Where each form's text ends up; the limit must fit the column (Text columns fit anything).
STORED_IN = {
    "NewRequestForm": {"title": ServiceRequest.title, "description": ServiceRequest.description,
                       "idempotency_key": ServiceRequest.idempotency_key},
    "CommentForm": {"body": RequestEvent.body, "idempotency_key": RequestEvent.idempotency_key},
    "NoteForm": {"body": RequestEvent.body, "idempotency_key": RequestEvent.idempotency_key},
    "ReopenForm": {"reason": RequestEvent.body},
    "StageForm": {"note": RequestEvent.body},
    "MoveForm": {"note": RequestEvent.body},
    "PriorityForm": {"reason": RequestEvent.body},
    "BulkForm": {"reason": RequestEvent.body},
    "SavedViewForm": {"name": SavedView.name, "query": SavedView.query},
    "ToolForm": {"name": ShadowTool.name, "url": ShadowTool.url, "purpose": ShadowTool.purpose,
                 "impact": ShadowTool.impact},
    "ReviewForm": {"rationale": ToolEvent.body, "advice": ShadowTool.advice},
    "SurveyForm": {"comment": SurveyResponse.comment},
    "FollowUpForm": {"details": SurveyResponse.comment},
    "ActedUponForm": {"note": FeedbackAction.note},
    "UnitForm": {"name": BusinessUnit.name, "description": BusinessUnit.description,
                 "objectives": BusinessUnit.objectives},
    "PersonForm": {"display_name": User.display_name, "email": User.email,
                   "job_title": User.job_title, "phone": User.phone},
    "LoginForm": {"email": User.email},
    "TouchpointForm": {"attendees": Touchpoint.attendees, "notes": Touchpoint.notes,
                       "description": NextAction.description, "owner": NextAction.owner},
}


def _fields(form):
    """Every field, including those of repeated sub-forms (with their own names)."""
    for field in form:
        if isinstance(field, FieldList | FormField):
            yield from _fields(field)
        else:
            yield field


def _limit(field) -> int | None:
    maxima = [v.max for v in field.validators if isinstance(v, Length) and v.max not in (None, -1)]
    return min(maxima) if maxima else None


@pytest.fixture
def built(app):
    """Build a form unbound from any request data, as a view shows it empty."""

    def build(cls):
        with app.test_request_context():
            return cls(formdata=None)

    return build


def test_the_forms_are_found():
    names = {cls.__name__ for cls in FORMS}
    assert len(FORMS) >= 25
    assert {"NewRequestForm", "ToolForm", "SurveyForm", "TouchpointForm", "PersonForm",
            "ConfirmImportForm", "BulkForm"} <= names
    assert set(STORED_IN) <= names, "a form listed in STORED_IN is gone"


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__name__)
def test_every_text_field_has_a_length_limit_that_fits_its_column(built, form_class):
    form = built(form_class)
    columns = STORED_IN.get(form_class.__name__, {})
    for field in _fields(form):
        if not isinstance(field, StringField) or field.short_name == "csrf_token":
            continue  # the CSRF token is checked (and sized) by CSRFProtect
        limit = _limit(field)
        assert limit, f"{form_class.__name__}.{field.name} has no Length(max=...)"
        column = columns.get(field.short_name)
        length = getattr(column.type, "length", None) if column is not None else None
        if length is not None:
            assert limit <= length, (
                f"{form_class.__name__}.{field.name} allows {limit} characters; "
                f"its column {column} holds {length}"
            )

