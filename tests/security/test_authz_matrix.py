"""Every route, every persona: who may use it, as written down in routes.csv.

Each row of routes.csv is one (rule, method) with the expected answer per persona, for a
request whose URL variables point at unit A's objects (see authz_scene.py). A cell is

  ok     allowed: any status below 400, or 409/410/422 (a refused or incomplete form),
         but not a bounce to the sign-in page;
  login  a redirect to the sign-in page;
  404    must be refused as if the page did not exist;
  NNN    exactly that status.

POSTs carry a valid CSRF token and an empty form: what matters is allowed versus denied.
The database is emptied before every test, so each route builds the scene once and then
tries every persona in turn (in the column order, each in its own signed-in browser).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.security.authz_scene import (
    PERSONAS,
    Visitor,
    build_scene,
    fill_rule,
    is_login_redirect,
)

CSV_PATH = Path(__file__).with_name("routes.csv")
METHODS = ("GET", "POST")
SKIPPED_ENDPOINTS = {"static"}
ALLOWED_ERRORS = {409, 410, 422}


def _load_rows() -> dict[tuple[str, str], dict[str, str]]:
    with CSV_PATH.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        expected_columns = ["rule", "method", *PERSONAS, "notes"]
        assert reader.fieldnames == expected_columns, f"routes.csv columns: {reader.fieldnames}"
        rows: dict[tuple[str, str], dict[str, str]] = {}
        for row in reader:
            key = (row["rule"].strip(), row["method"].strip().upper())
            assert key not in rows, f"routes.csv lists {key} twice"
            rows[key] = {name: (row[name] or "").strip() for name in expected_columns}
        return rows


ROWS = _load_rows()


def _app_routes(app) -> dict[tuple[str, str], object]:
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) & set(METHODS)):
            routes[(rule.rule, method)] = rule
    return routes


def _verdict(response) -> str:
    """What happened, in the words of the CSV."""
    if is_login_redirect(response):
        return "login"
    return str(response.status_code)


def _matches(expected: str, response) -> bool:
    status = response.status_code
    if expected == "login":
        return is_login_redirect(response)
    if expected == "ok":
        return (status < 400 or status in ALLOWED_ERRORS) and not is_login_redirect(response)
    if expected.isdigit():
        return status == int(expected)
    raise AssertionError(f"unknown expectation {expected!r} in routes.csv")


def test_every_route_is_in_the_csv(app):
    routes = set(_app_routes(app))
    missing = sorted(routes - set(ROWS))
    stale = sorted(set(ROWS) - routes)
    problems = [f"{method} {rule}: add it to tests/security/routes.csv" for rule, method in missing]
    problems += [
        f"{method} {rule}: no such route any more; remove it from tests/security/routes.csv"
        for rule, method in stale
    ]
    assert not problems, "\n".join(problems)


def test_every_cell_is_understood():
    for key, row in ROWS.items():
        for persona in PERSONAS:
            value = row[persona]
            assert value in ("ok", "login") or (value.isdigit() and len(value) == 3), (
                f"{key} {persona}: {value!r} is not ok, login or a status code"
            )


@pytest.mark.parametrize(
    ("rule", "method"), sorted(ROWS), ids=[f"{m} {r}" for r, m in sorted(ROWS)]
)
def test_route_authorization(app, make, rule, method):
    if (rule, method) not in _app_routes(app):
        pytest.fail(f"{method} {rule} is in routes.csv but the app has no such route any more")
    scene = build_scene(app, make)
    path = fill_rule(rule, scene.url_values())
    expected = ROWS[(rule, method)]
    mismatches = []
    for persona in PERSONAS:
        visitor = Visitor(app, scene.emails.get(persona))
        response = visitor.get(path) if method == "GET" else visitor.post(path)
        if not _matches(expected[persona], response):
            mismatches.append(
                f"  {persona}: expected {expected[persona]}, got {_verdict(response)}"
                f" ({response.status_code} {response.headers.get('Location', '')})".rstrip()
            )
    assert not mismatches, f"{method} {path} ({rule}):\n" + "\n".join(mismatches)
