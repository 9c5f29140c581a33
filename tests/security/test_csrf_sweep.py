"""CSRF sweep: every rule of the url map that changes state refuses a missing, foreign,
forged or expired token, as a form post and as an htmx post, and changes nothing.

The rules come from `app.url_map`, so a route added later is swept automatically; one
whose URL variables the scene can't fill fails (see tests/security/scene.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.security.scene import (
    CSRF_EXPIRED_TEXT,
    UNSAFE_METHODS,
    build_scene,
    build_url,
    changed_tables,
    rule_methods,
    signed_in,
    snapshot,
    unsafe_rules,
)
from tracker.extensions import csrf

# Views or blueprints allowed to skip CSRF protection, each with its reason. Even the
# signed-out survey link posts a token (its page sets the session).
CSRF_EXEMPT: dict[str, str] = {
    "api": "the JSON API signs callers in by their Authorization: Bearer token only; a "
           "session cookie (all a forged cross-site request can carry) signs no one in, and "
           "under /api/ the session is not even read (test_the_api_ignores_the_session_cookie)",
}


def _exempt(endpoint: str) -> bool:
    return endpoint in CSRF_EXEMPT or endpoint.split(".")[0] in CSRF_EXEMPT


SWEPT = tuple((endpoint, rule) for endpoint, rule in unsafe_rules() if not _exempt(endpoint))

NEW_REQUEST = {
    "category": "broken",
    "title": "Monitor flickers",
    "description": "The left screen flickers every few seconds.",
    "impact": "just_me",
    "urgency": "slowed",
}
NEW_TOOL = {
    "name": "Miro", "url": "https://miro.com", "purpose": "Workshops", "user_count": "3",
    "payer": "free", "cost_period": "month", "currency": "GBP", "data_kind": "internal",
    "sign_in": "sso", "critical": "no",
}


def _who_and_what(scene, endpoint: str) -> tuple[str, dict, dict]:
    """(persona allowed to use the rule, URL values, a form that would change something).

    Rules missing here are posted as the administrator with the default URL values.
    """
    s = scene
    open_ref = s.open_request.reference
    today = datetime.now(UTC).date().isoformat()
    table = {
        "admin.import_csv": ("admin", {}, {"kind": "units", "csv_text": "name\nLegal\n"}),
        "admin.edit_person": ("admin", {"user_id": s.people["requester"].id}, {
            "display_name": "Rosa R", "email": s.people["requester"].email,
            "roles": "admin", "active": "y", "unit": "", "it_buddy": ""}),
        "admin.new_person": ("admin", {}, {
            "display_name": "Mallory", "email": "mallory@example.com", "roles": "admin",
            "active": "y", "unit": "", "it_buddy": "", "password": "a long password 123"}),
        "admin.sla_policies": ("admin", {}, {
            "weekdays": ["0", "1"], "opens": "08:00", "closes": "09:00",
            **{f"p{p}_{k}": "1" for p in range(1, 5) for k in ("response", "resolution")}}),
        "admin.edit_unit": ("admin", {"unit_id": s.unit_id}, {"name": "Renamed",
                                                              "brm": "", "it_buddy": ""}),
        "admin.new_unit": ("admin", {}, {"name": "Legal", "brm": "", "it_buddy": ""}),
        "admin.retry_outbox": ("admin", {}, {"scope": "failed"}),
        "auth.login": ("anonymous", {}, {"email": s.people["requester"].email,
                                         "password": "correct horse battery"}),
        "auth.logout": ("requester", {}, {}),
        "auth.save_email_choices": ("requester", {}, {"kinds": ["reply"]}),
        "auth.create_api_token": ("requester", {}, {"name": "Sweep", "expires": "30"}),
        "auth.revoke_api_token": ("requester", {"token_id": s.token_id}, {}),
        "auth.change_own_password": ("requester", {}, {
            "current": "correct horse battery", "new": "a brand new password",
            "repeat": "a brand new password"}),
        "feedback.acted_upon": ("agent", {}, {"responses": str(s.response_id),
                                              "note": "We changed it."}),
        "feedback.answer_in_app": ("requester", {"reference": s.resolved_request.reference},
                                   {"score": "5"}),
        "feedback.follow_up_in_app": ("requester", {"reference": s.answered_request.reference},
                                      {"details": "Still broken", "reopen": "y"}),
        "feedback.survey": ("anonymous", {"token": s.survey_token}, {"score": "4"}),
        "feedback.survey_follow_up": ("anonymous", {"token": s.answered_token},
                                      {"details": "Still broken", "reopen": "y"}),
        "glossary.admin_delete": ("admin", {}, {}),
        "glossary.admin_edit": ("admin", {}, {"term": "VPN", "explanation": "Changed.",
                                              "synonyms": ""}),
        "glossary.admin_new": ("admin", {}, {"term": "Dongle",
                                             "explanation": "A small stick for a laptop."}),
        "glossary.hint": ("agent", {}, {"body": "Connect to the VPN", "visibility": "public"}),
        "notifications.open_one": ("requester", {}, {}),
        "notifications.read_all": ("requester", {}, {}),
        "relationships.answer_pulse": ("requester", {}, {"understanding": "4", "ease": "3",
                                                         "trust": "5"}),
        "relationships.complete_action": ("brm", {}, {}),
        "relationships.reopen_action": ("brm", {}, {}),
        "relationships.send_pulse": ("brm", {}, {}),
        "relationships.new_touchpoint": ("brm", {}, {"happened_on": today, "kind": "meeting",
                                                     "notes": "Catch-up"}),
        "service_requests.add_comment": ("requester", {"reference": open_ref},
                                         {"body": "Any news?"}),
        "service_requests.change_stage": ("agent", {"reference": open_ref},
                                          {"stage": "triaged"}),
        "service_requests.confirm": ("requester", {"reference": s.resolved_request.reference},
                                     {}),
        "service_requests.new_request": ("requester", {}, NEW_REQUEST),
        "service_requests.reopen": ("requester", {"reference": s.resolved_request.reference},
                                    {"reason": "Still jams"}),
        "shadow_it.join": ("requester", {}, {"people": "3"}),
        "shadow_it.new": ("requester", {}, NEW_TOOL),
        "shadow_it.review": ("agent", {}, {"status": "under_review", "rationale": "Look"}),
        "triage.assign": ("agent", {"reference": open_ref}, {"assignee": "none"}),
        "triage.bulk": ("agent", {}, {"ids": str(s.open_request.id), "action": "stage",
                                      "stage": "triaged"}),
        "triage.delete_view": ("agent", {}, {}),
        "triage.move": ("agent", {"reference": open_ref}, {"stage": "triaged"}),
        "triage.note": ("agent", {"reference": open_ref}, {"body": "Checked the cable"}),
        "triage.save_view": ("agent", {}, {"name": "Mine", "query": "assignee=me"}),
        "triage.set_priority": ("agent", {"reference": open_ref},
                                {"priority": "1", "reason": "CEO"}),
        "triage.set_team": ("agent", {"reference": open_ref}, {"team": "none"}),
    }
    return table.get(endpoint, ("admin", {}, {}))


def _rejected(response) -> bool:
    return response.status_code == 400 and CSRF_EXPIRED_TEXT in response.get_data(as_text=True)


def _token_page(persona: str) -> str:
    return "/login" if persona == "anonymous" else "/"


def _other_persona(persona: str) -> str:
    if persona == "anonymous":
        return "anonymous"
    return "neighbour" if persona != "neighbour" else "requester"


def test_only_the_listed_views_are_exempt_from_csrf(app):
    blueprints = {getattr(blueprint, "name", blueprint) for blueprint in csrf._exempt_blueprints}
    exempt = set(csrf._exempt_views) | blueprints
    assert exempt == set(CSRF_EXEMPT), "a view was exempted from CSRF: list it with a reason"


def test_csrf_is_on_for_every_method_that_changes_state(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True
    assert set(app.config.get("WTF_CSRF_METHODS", UNSAFE_METHODS)) >= UNSAFE_METHODS
    # Over HTTPS the Referer must be this site too (the default; keep it).
    assert app.config.get("WTF_CSRF_SSL_STRICT", True) is True


def test_the_sweep_sees_the_state_changing_routes(app):
    """Guard the guard: the url map really lists the forms we know about."""
    endpoints = {endpoint for endpoint, _ in unsafe_rules()}
    assert len(endpoints) >= 36
    assert {"service_requests.new_request", "triage.bulk", "feedback.survey",
            "admin.new_person", "auth.logout"} <= endpoints


@pytest.mark.parametrize(("endpoint", "rule"), SWEPT, ids=lambda v: v)
def test_state_changing_route_refuses_bad_csrf_tokens(app, make, endpoint, rule):
    assert not _exempt(endpoint)
    scene = build_scene(app, make)
    persona, values, form = _who_and_what(scene, endpoint)
    url = build_url(app, scene, endpoint, rule, **values)
    methods = sorted(rule_methods(app, endpoint, rule) & UNSAFE_METHODS)

    client = signed_in(app, scene, persona)
    own_token = client.csrf_token(_token_page(persona))  # expires after the time limit
    other = signed_in(app, scene, _other_persona(persona))
    foreign_token = other.csrf_token(_token_page(persona))
    assert foreign_token != own_token

    attempts = [
        ("no token", {}, {}),
        ("no token, htmx", {}, {"HX-Request": "true"}),
        ("empty token", {"csrf_token": ""}, {}),
        ("forged token", {"csrf_token": own_token[:-4] + "AAAA"}, {}),
        ("another session's token", {"csrf_token": foreign_token}, {}),
        ("another session's token, htmx", {},
         {"HX-Request": "true", "X-CSRFToken": foreign_token}),
        ("another session's token, htmx X-CSRF-Token", {},
         {"HX-Request": "true", "X-CSRF-Token": foreign_token}),
    ]
    before = snapshot(app)
    for method in methods:
        for label, extra, headers in attempts:
            response = client.open(url, method=method, data={**form, **extra}, headers=headers)
            assert _rejected(response), (method, label, response.status_code)

        limit = app.config["WTF_CSRF_TIME_LIMIT"]
        assert limit, "CSRF tokens must expire"
        later = datetime.now(UTC) + timedelta(seconds=limit + 60)
        with time_machine.travel(later, tick=False):
            for label, extra, headers in [
                ("expired token", {"csrf_token": own_token}, {}),
                ("expired token, htmx", {}, {"HX-Request": "true", "X-CSRFToken": own_token}),
            ]:
                response = client.open(url, method=method, data={**form, **extra},
                                       headers=headers)
                assert _rejected(response), (method, label, response.status_code)
    after = snapshot(app)
    assert changed_tables(before, after) == [], f"{endpoint} changed data without a valid token"

    # Control: the same browser with its own fresh token gets through to the view, so the
    # refusals above came from the CSRF check and the persona may use the route.
    fresh = client.csrf_token(_token_page(persona))
    response = client.open(url, method=methods[0], data={**form, "csrf_token": fresh})
    assert not _rejected(response), f"{endpoint}: a valid token was refused"
    assert response.status_code not in (404, 405), (endpoint, persona, response.status_code)


def test_htmx_post_with_own_token_in_header_is_accepted(app, make):
    scene = build_scene(app, make)
    client = signed_in(app, scene, "requester")
    before = snapshot(app)
    response = client.form_post(
        f"/requests/{scene.open_request.reference}/comments", {"body": "Header token"}, htmx=True
    )
    assert response.status_code == 200
    assert "Header token" in response.get_data(as_text=True)
    assert changed_tables(before, snapshot(app)) != []


API_RULES = tuple((endpoint, rule) for endpoint, rule in unsafe_rules() if _exempt(endpoint))


def test_only_the_api_is_exempt():
    assert API_RULES and all(endpoint.startswith("api.") for endpoint, _ in API_RULES)


@pytest.mark.parametrize(("endpoint", "rule"), API_RULES, ids=lambda v: v)
def test_the_api_ignores_the_session_cookie(app, make, endpoint, rule):
    """What makes the exemption safe: a signed-in browser's cookie is no sign-in to the
    API, so a forged cross-site call (cookie, no token) is refused and changes nothing."""
    scene = build_scene(app, make)
    url = build_url(app, scene, endpoint, rule)
    clients = [signed_in(app, scene, persona) for persona in ("requester", "agent", "admin")]
    before = snapshot(app)  # signing in writes: look from here on
    for client in clients:
        for method in sorted(rule_methods(app, endpoint, rule) & UNSAFE_METHODS):
            for body in ({"json": {"title": "Forged", "body": "Forged", "stage": "closed"}},
                         {"data": {"title": "Forged", "csrf_token": client.csrf_token("/")}}):
                response = client.open(url, method=method, **body)
                assert response.status_code == 401, (method, response.status_code)
                assert response.get_json()["error"]["code"] == "unauthorized"
    assert changed_tables(before, snapshot(app)) == []

