"""No GET changes anything: every GET rule of the url map, as every persona, with the
main query-string variants, leaves every table exactly as it was.
"""

from __future__ import annotations

import pytest

from tests.security.scene import (
    PERSONAS,
    build_scene,
    build_url,
    changed_tables,
    get_rules,
    get_variants,
    signed_in,
    snapshot,
)


def _walk(app, scene, client) -> list[tuple[str, int]]:
    seen = []
    for endpoint, rule in get_rules():
        for variant in get_variants(scene, endpoint):
            url = build_url(app, scene, endpoint, rule, **variant)
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            seen.append((url, response.status_code))
    return seen


@pytest.mark.parametrize("persona", [*PERSONAS, "buddy"])
def test_no_get_changes_the_database(app, make, persona):
    scene = build_scene(app, make)
    client = signed_in(app, scene, persona)  # signing in writes last_login_at: do it first
    before = snapshot(app)
    seen = _walk(app, scene, client)
    after = snapshot(app)
    assert changed_tables(before, after) == [], f"a GET as {persona} changed the database"
    assert len(seen) >= len(get_rules())
    if persona != "anonymous":
        # Still the same session: nothing above signed the persona out.
        assert client.get("/notifications/").status_code == 200


def test_every_get_rule_is_walked(app):
    """Guard the guard: the walk covers the whole url map, not a hand-kept list."""
    endpoints = {endpoint for endpoint, _ in get_rules()}
    assert len(endpoints) >= 35
    assert {"triage.board", "feedback.survey", "shadow_it.export", "auth.logout",
            "static"} <= endpoints
