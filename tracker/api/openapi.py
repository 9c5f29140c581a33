"""The OpenAPI 3.1 document, built from the routes' records and the schema models."""

from __future__ import annotations

import re

from flask import current_app
from pydantic.json_schema import models_json_schema

from tracker.api import schemas
from tracker.api.blueprint import OPERATIONS, Operation, operation

VERSION = "1.0.0"
REF = "#/components/schemas/{model}"
_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

DESCRIPTION = """\
Rapport's JSON API, for scripts and integrations.

**Authentication.** Make a token on your settings page (API tokens) and send it with every
call as `Authorization: Bearer rpt_…`. A token acts as you: it sees and does what you can
on the web, no more. Cookies never sign in to the API. Missing, unknown, revoked or
expired tokens, and tokens of switched-off accounts, answer 401.

**Errors** are always `{"error": {"code", "message", "fields"}}`: 400 body is not JSON,
401 no valid token, 403 your role can't do this, 404 no such thing or not yours to see,
409 a conflict (someone changed it since your `version`: `version_conflict`; an
Idempotency-Key reused with other content: `idempotency_conflict`), 413 body too large,
415 body not sent as JSON, 422 validation (`fields` says what, per field), 429 rate limit.

**Pagination.** Lists of requests come a page at a time, newest first; follow
`next_cursor` (pass it as `cursor`) until it is null.

**Rate limits** are per token (X-RateLimit-Limit, -Remaining and -Reset on every answer;
Retry-After says how many seconds to wait after a 429).

**Retries.** Filing a request or adding a comment with an `Idempotency-Key` header is safe
to retry: the same key and content answer 200 with what the first call made.
"""

HEADERS = {
    "ETag": ("The request's version, to send back as If-Match.", {"type": "string"}),
    "Location": ("Where the new thing can be read.", {"type": "string"}),
    "X-RateLimit-Limit": ("Calls allowed in the window.", {"type": "integer"}),
    "X-RateLimit-Remaining": ("Calls left in the window.", {"type": "integer"}),
    "X-RateLimit-Reset": ("When the window resets (Unix time).", {"type": "integer"}),
    "Retry-After": ("Seconds to wait before trying again.", {"type": "integer"}),
    "WWW-Authenticate": ("`Bearer`, with `error=\"invalid_token\"` when a token was sent.",
                         {"type": "string"}),
}
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def _models() -> list[tuple[type, str]]:
    wanted: dict[tuple[type, str], None] = {(schemas.Error, "serialization"): None}
    for op in OPERATIONS.values():
        for model in (op.query, op.body):
            if model is not None:
                wanted[(model, "validation")] = None
        for _description, model in op.responses.values():
            if model is not None:
                wanted[(model, "serialization")] = None
    return list(wanted)


def _without_null(schema: dict) -> dict:
    """A query parameter is absent rather than null: drop the null branch of an Optional."""
    schema = {k: v for k, v in schema.items() if k != "title"}
    options = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    if "anyOf" in schema and len(options) == 1:
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return {**options[0], **rest}
    if schema.get("default") is None:
        schema.pop("default", None)
    return schema


def _query_parameters(component: dict) -> list[dict]:
    required = set(component.get("required", []))
    parameters = []
    for name, schema in component["properties"].items():
        schema = _without_null(schema)
        description = schema.pop("description", None)
        parameter = {"name": name, "in": "query", "required": name in required,
                     "schema": schema}
        if description:
            parameter["description"] = description
        if schema.get("type") == "array":
            parameter.update(style="form", explode=False)
        parameters.append(parameter)
    return parameters


def _path(rule: str) -> tuple[str, list[dict]]:
    parameters = []

    def swap(match: re.Match) -> str:
        name = match.group("name")
        if match.group("converter") == "int":
            schema = {"type": "integer", "minimum": 0, "maximum": 2_147_483_647}
        else:
            schema = {"type": "string", "pattern": "^[Rr][Ee][Qq]-[0-9]{1,10}$"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _VARIABLE.sub(swap, rule), parameters


def _response(description: str, schema: dict, headers: tuple[str, ...]) -> dict:
    answer: dict = {"description": description,
                    "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in headers}
    return answer


def _operation(op: Operation, refs: dict, components: dict) -> dict:
    _, parameters = _path(op.rule)
    if op.query is not None:
        parameters += _query_parameters(components.pop(op.query.__name__))
    parameters += [
        {"name": h.name, "in": "header", "required": False, "description": h.description,
         "schema": h.schema}
        for h in op.headers
    ]
    item: dict = {
        "operationId": op.endpoint.removeprefix("api."),
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
        "responses": {},
    }
    if parameters:
        item["parameters"] = parameters
    if op.public:
        item["security"] = []
    if op.body is not None:
        item["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    for status, (description, model) in sorted(op.responses.items()):
        headers = op.response_headers.get(status, ())
        if not op.public and (status < 300 or status == 429):
            headers = (*headers, *RATE_HEADERS)
        if status == 429:
            headers = (*headers, "Retry-After")
        if status == 401:
            headers = (*headers, "WWW-Authenticate")
        schema = refs[(model, "serialization")] if model is not None else {"type": "object"}
        item["responses"][str(status)] = _response(description, schema, headers)
    item["responses"]["default"] = _response(
        "Any other error: 400 body not JSON, 405, 413, 415, 500 …",
        refs[(schemas.Error, "serialization")], (),
    )
    return item


def build_document() -> dict:
    refs, definitions = models_json_schema(_models(), ref_template=REF)
    components = dict(definitions.get("$defs", {}))
    paths: dict[str, dict] = {}
    for op in sorted(OPERATIONS.values(), key=lambda op: (op.rule, op.method)):
        path, _ = _path(op.rule)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, refs, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rapport API", "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "tags": _tags(),
        "paths": paths,
        "components": {
            "schemas": components,
            "headers": {
                name: {"description": text, "schema": schema}
                for name, (text, schema) in HEADERS.items()
            },
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "rpt_…",
                                "description": "A personal API token from the settings page."}
            },
        },
        "security": [{"bearerToken": []}],
    }


def _tags() -> list[dict]:
    seen: dict[str, None] = {}
    for op in OPERATIONS.values():
        seen.setdefault(op.tag, None)
    return [{"name": name} for name in seen]


@operation(
    "/openapi.json", "GET", summary="This document", tag="About the API", public=True,
    responses={200: ("The OpenAPI 3.1 description of the API", None)},
)
def openapi_document():
    """The OpenAPI 3.1 description of every endpoint, readable without a token."""
    document = current_app.extensions.get("rapport_openapi")
    if document is None:
        document = current_app.extensions["rapport_openapi"] = build_document()
    return document
