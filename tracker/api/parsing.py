"""Reading a call: its JSON body, its query string and its headers, into schema models.

Whatever doesn't fit becomes an ApiError: 415 for a body that is not JSON, 400 for JSON
that doesn't parse, 422 with a message per field for everything else.
"""

from __future__ import annotations

import re
from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from tracker.api.errors import ApiError

# Idempotency keys: 1-60 visible ASCII characters (stored as "api:<key>" in 64).
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,60}$")
IDEMPOTENCY_HEADER = "Idempotency-Key"

M = TypeVar("M", bound=BaseModel)


def _message(error: dict) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "This field is required."
    if kind == "extra_forbidden":
        return "This field is not accepted here."
    if kind == "string_too_long":
        return f"Please keep this to {context['max_length']} characters or fewer."
    if kind == "string_too_short":
        return "This can't be blank."
    if kind == "model_type":
        return "Send a JSON object."
    if kind == "value_error":
        return str(context.get("error", error["msg"]))
    return error["msg"]


def invalid(exc: ValidationError) -> ApiError:
    """The first problem of each field, keyed by the field's name ("body" for the whole)."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        if error["type"] == "json_invalid":
            return ApiError(400, "The body is not valid JSON.", code="invalid_json")
        location = error["loc"]
        name = str(location[0]) if location else "body"
        fields.setdefault(name, _message(error))
    return ApiError(422, fields=fields)


def json_body(model: type[M]) -> M:
    """The request's JSON body as `model`."""
    if not (request.mimetype == "application/json" or request.mimetype.endswith("+json")):
        raise ApiError(415)
    try:
        return model.model_validate_json(request.get_data(cache=False) or b"")
    except ValidationError as exc:
        raise invalid(exc) from None


def query(model: type[M]) -> M:
    """The query string as `model`; a parameter given twice is refused, not guessed at."""
    repeated = {name: "Give this parameter once." for name, values in request.args.lists()
                if len(values) > 1}
    if repeated:
        raise ApiError(422, fields=repeated)
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise invalid(exc) from None


def idempotency_key() -> str | None:
    """The Idempotency-Key header, checked; None when not sent."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            422, fields={IDEMPOTENCY_HEADER: "Use 1 to 60 visible ASCII characters."}
        )
    return key


def if_match_version() -> int | None:
    """The version named by an If-Match header ("3" or 3), or None when not sent."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise ApiError(422, fields={"If-Match": "Send the request's version, e.g. \"3\"."})
    return int(text)
