"""No API GET changes anything, whoever's token calls it, except the token's last use."""

from __future__ import annotations

import pytest

from tests.security.scene import build_scene, changed_tables, snapshot

QUERIES = ["", "?limit=1", "?stage=new,closed&q=laptop", "?assignee=me&sla=breached",
           "?days=30", "?sort=cost&tier=high"]


def _get_rules(app) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("api.") and "GET" in rule.methods)


@pytest.mark.parametrize("persona", ["requester", "agent", "brm", "admin"])
def test_no_api_get_changes_the_database(app, make, caller, persona):
    scene = build_scene(app, make)
    api = caller(scene.person(persona))
    api.get("/requests")  # the token's first use is noted once: look from here on
    values = {"<reference>": scene.open_request.reference,
              "<int(max=2147483647):unit_id>": str(scene.unit_id)}
    ignore = {"api_tokens": {"last_used_at"}}
    before = snapshot(app, ignore)
    answered = []
    for rule in _get_rules(app):
        path = rule
        for variable, value in values.items():
            path = path.replace(variable, value)
        for query in QUERIES:
            response = api.get(path + query)
            assert response.status_code < 500, (path + query, response.status_code)
            answered.append(response.status_code)
    assert changed_tables(before, snapshot(app, ignore)) == []
    assert answered.count(200) >= len(_get_rules(app))  # the walk really read things
