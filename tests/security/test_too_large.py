"""Bodies larger than the application accepts get the friendly 413 page and store nothing.

MAX_CONTENT_LENGTH (RAPPORT_MAX_UPLOAD_BYTES) bounds a whole request, and
RAPPORT_MAX_FORM_BYTES (much less) one without files, before any of it is read; Flask's
MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS bound each text field of a multipart form and
its number of parts. Each is checked on every state-changing route, as a form post and as htmx.
"""

from __future__ import annotations

import io

import pytest

from tests.pages import visible_text
from tests.security.scene import (
    build_scene,
    build_url,
    changed_tables,
    signed_in,
    snapshot,
    unsafe_rules,
)
from tests.security.test_csrf_sweep import _who_and_what

TOO_BIG = "That was too big"


def _too_big(response, *, htmx: bool) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 413, response.status_code
    assert TOO_BIG in visible_text(page)
    assert ("<html" in page) is not htmx, "htmx gets the fragment, a browser the page"


# The JSON API answers a body over the limit with its JSON 413 (tests/api/test_errors.py).
WEB_RULES = [(e, r) for e, r in unsafe_rules() if not e.startswith("api.")]


@pytest.mark.parametrize(("endpoint", "rule"), WEB_RULES, ids=lambda v: v)
def test_oversized_bodies_get_the_friendly_413_page(app, make, endpoint, rule):
    scene = build_scene(app, make)
    persona, values, form = _who_and_what(scene, endpoint)
    url = build_url(app, scene, endpoint, rule, **values)
    client = signed_in(app, scene, persona)
    token = client.csrf_token("/login" if persona == "anonymous" else "/")
    limit = app.config["MAX_CONTENT_LENGTH"]
    form_limit = app.config["MAX_FORM_MEMORY_SIZE"]
    before = snapshot(app)
    for htmx in (False, True):
        headers = {"HX-Request": "true", "X-CSRFToken": token} if htmx else {}
        attempts = {
            # A whole body over the limit (the text is never read into memory).
            "body over MAX_CONTENT_LENGTH": dict(
                data={**form, "csrf_token": token, "file": (io.BytesIO(b"x" * (limit + 1)),
                                                            "big.csv")}),
            # One text field of a multipart form over the form memory limit.
            "multipart field over MAX_FORM_MEMORY_SIZE": dict(
                data={**form, "csrf_token": token, "padding": "x" * (form_limit + 1),
                      "file": (io.BytesIO(b"a"), "a.txt")}),
            # A form without files over the limit for bodies without files.
            "URL-encoded form over RAPPORT_MAX_FORM_BYTES": dict(
                data={**form, "csrf_token": token,
                      "padding": "x" * app.config["RAPPORT_MAX_FORM_BYTES"]},
                content_type="application/x-www-form-urlencoded"),
            "too many fields": dict(
                data={**form, "csrf_token": token,
                      **{f"f{i}": "x" for i in range(app.config["MAX_FORM_PARTS"] + 1)}},
                content_type="multipart/form-data"),
        }
        for label, kwargs in attempts.items():
            response = client.post(url, headers=headers, **kwargs)
            try:
                _too_big(response, htmx=htmx)
            except AssertionError as exc:
                raise AssertionError(f"{endpoint}: {label}, htmx={htmx}: {exc}") from exc
    assert changed_tables(before, snapshot(app)) == []


def test_the_limits_are_set(app):
    # A full upload of attachments and the form around it (tracker/config.py).
    uploads = app.config["RAPPORT_ATTACHMENTS_PER_UPLOAD"] * app.config[
        "RAPPORT_ATTACHMENT_MAX_BYTES"]
    assert app.config["MAX_CONTENT_LENGTH"] == uploads + 1024 * 1024
    assert 0 < app.config["MAX_FORM_MEMORY_SIZE"] <= app.config["MAX_CONTENT_LENGTH"]
    assert 0 < app.config["MAX_FORM_PARTS"] <= 10_000
    assert 64 * 1024 <= app.config["RAPPORT_MAX_FORM_BYTES"] <= 4 * 1024 * 1024
