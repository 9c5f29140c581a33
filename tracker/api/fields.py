"""The building blocks of the API's schemas: checked text, ids, and the three model bases.

Text is checked as the web forms check it (tracker/web/forms.py `text_problem`): no control
characters, nothing unreadable, and not blank when it is required.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from tracker.models import Stage
from tracker.service_requests.forms import BODY_MAX, TITLE_MAX
from tracker.triage.forms import REASON_MAX
from tracker.web.forms import text_problem

BLANK = "This can't be blank."


def _checked(*, multiline: bool, required: bool) -> AfterValidator:
    def check(value: str) -> str:
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            raise ValueError(problem)
        if required and not value.strip():
            raise ValueError(BLANK)
        return value

    return AfterValidator(check)


def line(max_length: int, *, required: bool = True):
    return Annotated[
        str,
        Field(min_length=1 if required else 0, max_length=max_length),
        _checked(multiline=False, required=required),
    ]


def paragraphs(max_length: int, *, required: bool = True):
    return Annotated[
        str,
        Field(min_length=1 if required else 0, max_length=max_length),
        _checked(multiline=True, required=required),
    ]


Title = line(TITLE_MAX)
Body = paragraphs(BODY_MAX)
Reason = line(REASON_MAX, required=False)


def _comma_separated(value):
    return [part.strip() for part in value.split(",")] if isinstance(value, str) else value


StageList = Annotated[list[Stage], BeforeValidator(_comma_separated), Field(min_length=1)]
RowId = Annotated[int, Field(ge=1, le=2_147_483_647)]
Priority = Annotated[int, Field(ge=1, le=4)]


class Incoming(BaseModel):
    """A JSON body: no unknown fields, no silent type changes ("1" is not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query-string parameters arrive as text; numbers are read from it."""

    model_config = ConfigDict(extra="forbid")


class Outgoing(BaseModel):
    model_config = ConfigDict(from_attributes=True)
