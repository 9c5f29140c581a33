"""Security headers on every kind of response, and the session cookie's flags.

Every GET rule of the url map is walked (as signed out, as a requester, and as an
administrator, also as htmx fragments); each response must carry a strict CSP with
frame-ancestors 'none', nosniff and a Referrer-Policy.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from tests.security.scene import (
    build_scene,
    build_url,
    get_rules,
    get_variants,
    signed_in,
)
from tracker import create_app
from tracker.config import Config
from tracker.extensions import db

UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:",
                  "http:", "https:")
SESSION_COOKIES = ("session", "remember_token")


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_secure_headers(response, where: str) -> None:
    directives = _csp(response)
    assert directives, f"{where}: no Content-Security-Policy"
    assert "script-src" in directives or "default-src" in directives, where
    for name in ("default-src", "script-src"):
        for source in directives.get(name, []):
            assert source not in UNSAFE_SOURCES, f"{where}: {name} allows {source}"
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("object-src") == ["'none'"], where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy"), f"{where}: no Referrer-Policy"
    assert len(response.headers.getlist("Content-Security-Policy")) == 1, where
    for header in response.headers.getlist("Set-Cookie"):
        assert_cookie_flags(header, where)


def assert_cookie_flags(header: str, where: str, *, secure: bool | None = None) -> None:
    cookie = SimpleCookie()
    cookie.load(header)
    for name, morsel in cookie.items():
        if name not in SESSION_COOKIES:
            continue
        assert morsel["httponly"], f"{where}: {name} cookie is readable from scripts"
        assert morsel["samesite"].lower() == "lax", f"{where}: {name} SameSite={morsel['samesite']}"
        if secure is not None:
            assert bool(morsel["secure"]) is secure, f"{where}: {name} Secure={morsel['secure']}"


# --- every GET rule -------------------------------------------------------------------------

@pytest.mark.parametrize(("persona", "htmx"), [
    ("anonymous", False), ("requester", False), ("admin", False), ("admin", True),
])
def test_every_get_route_sends_the_security_headers(app, make, persona, htmx):
    scene = build_scene(app, make)
    client = signed_in(app, scene, persona)
    headers = {"HX-Request": "true"} if htmx else {}
    walked = 0
    for endpoint, rule in get_rules():
        # The plain URL, plus the first query-string variant where there are some.
        for variant in get_variants(scene, endpoint)[:2]:
            url = build_url(app, scene, endpoint, rule, **variant)
            response = client.get(url, headers=headers)
            assert_secure_headers(response, f"GET {url} as {persona} (htmx={htmx})")
            walked += 1
    assert walked >= len(get_rules())


# --- every kind of response ----------------------------------------------------------------

def _csrf_refusal(client, scene):
    return client.post("/requests/new", data={"title": "no token"})


KINDS = {
    "full page": ("admin", lambda c, s: c.get("/board"), 200, "text/html"),
    "htmx fragment": ("admin", lambda c, s: c.get("/board", headers={"HX-Request": "true"}),
                      200, "text/html"),
    "htmx post fragment": ("requester", lambda c, s: c.form_post(
        f"/requests/{s.open_request.reference}/comments", {"body": "Hi"}, htmx=True),
        200, "text/html"),
    "redirect (signed out)": ("anonymous", lambda c, s: c.get("/requests/"), 302, None),
    "redirect (after a post)": ("requester", lambda c, s: c.form_post(
        f"/requests/{s.open_request.reference}/comments", {"body": "Hi"}), 303, None),
    "permanent redirect": ("agent", lambda c, s: c.get("/staff/requests/"), 301, None),
    "404": ("requester", lambda c, s: c.get("/no/such/page"), 404, "text/html"),
    "404 htmx": ("requester", lambda c, s: c.get("/no/such/page",
                                                 headers={"HX-Request": "true"}),
                 404, "text/html"),
    "404 signed out": ("anonymous", lambda c, s: c.get("/no/such/page"), 404, "text/html"),
    "405": ("requester", lambda c, s: c.get("/board/bulk"), 405, "text/html"),
    "405 on a page": ("requester", lambda c, s: c.delete("/"), 405, "text/html"),
    "400 CSRF refusal": ("requester", _csrf_refusal, 400, "text/html"),
    "422 form errors": ("requester", lambda c, s: c.form_post("/requests/new", {}), 422,
                        "text/html"),
    "CSV download": ("admin", lambda c, s: c.get("/tools/export.csv"), 200, "text/csv"),
    "attached file": ("requester", lambda c, s: c.get(
        f"/requests/{s.open_request.reference}/attachments/{s.attachment_id}/error.png"),
        200, "image/png"),
    "thumbnail": ("agent", lambda c, s: c.get(
        f"/requests/{s.open_request.reference}/thumbnails/{s.attachment_id}"), 200, "image/png"),
    "JSON": ("anonymous", lambda c, s: c.get("/healthz"), 200, "application/json"),
    "static script": ("anonymous", lambda c, s: c.get("/static/js/app.js"), 200, None),
    "static stylesheet": ("anonymous", lambda c, s: c.get("/static/css/app.css"), 200,
                          "text/css"),
    "survey link (signed out)": ("anonymous", lambda c, s: c.get(f"/survey/{s.survey_token}"),
                                 200, "text/html"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_of_response_sends_the_security_headers(app, make, kind):
    persona, call, status, mimetype = KINDS[kind]
    scene = build_scene(app, make)
    client = signed_in(app, scene, persona)
    response = call(client, scene)
    assert response.status_code == status, (kind, response.status_code)
    if mimetype:
        assert response.mimetype == mimetype, (kind, response.mimetype)
    assert_secure_headers(response, kind)


def test_csv_download_is_an_attachment(app, make):
    scene = build_scene(app, make)
    client = signed_in(app, scene, "admin")
    response = client.get("/tools/export.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_server_error_page_sends_the_security_headers(app, make, monkeypatch):
    """500 without touching app code: a view that raises, with exceptions not propagated."""

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "web.healthz", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    client = app.test_client()
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/healthz", headers=headers)
        assert response.status_code == 500
        assert "boom" not in response.get_data(as_text=True)
        assert_secure_headers(response, f"500 {headers}")


def test_survey_link_pages_send_no_referrer(app, make):
    scene = build_scene(app, make)
    response = app.test_client().get(f"/survey/{scene.survey_token}")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]


# --- cookies ---------------------------------------------------------------------------------

def _session_cookie_header(response) -> str:
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert found, "no session cookie was set"
    return found[-1]


def test_the_session_cookie_is_http_only_and_lax_on_sign_in(app, make):
    scene = build_scene(app, make)
    client = app.test_client()
    token = client.csrf_token("/login")
    response = client.post("/login", data={"email": scene.people["requester"].email,
                                           "password": make.PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303)
    # The test configuration switches Secure off (plain http in tests).
    assert_cookie_flags(_session_cookie_header(response), "sign-in", secure=False)
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


class _DebugConfig(Config):
    DEBUG = True


def _instance_app(tmp_path, monkeypatch, config_class=Config, **env):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("RAPPORT_SECURE_COOKIES", raising=False)
    environ = {
        "RAPPORT_ENV": "production",
        "SECRET_KEY": "a-production-like-secret-key-for-this-test-only",
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "prod.sqlite3"),
        **env,
    }
    application = create_app(config_class(str(tmp_path), environ))
    with application.app_context():
        db.create_all()
        db.session.remove()
    return application


def _dispose(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_production_default_sends_a_secure_http_only_lax_cookie(tmp_path, monkeypatch):
    production = _instance_app(tmp_path, monkeypatch)
    try:
        assert production.debug is False
        assert production.config["SESSION_COOKIE_SECURE"] is True
        assert production.config["REMEMBER_COOKIE_SECURE"] is True
        response = production.test_client().get("/login", base_url="https://localhost")
        assert response.status_code == 200
        assert_cookie_flags(_session_cookie_header(response), "production /login", secure=True)
        assert_secure_headers(response, "production /login")
        assert response.headers.get("Strict-Transport-Security", "").startswith("max-age=")
        # CSRF is on in the production configuration too (not only in TestConfig).
        refused = production.test_client().post(
            "/login", data={"email": "a@example.com", "password": "x"},
            base_url="https://localhost", headers={"Referer": "https://localhost/login"},
        )
        assert refused.status_code == 400
        assert_secure_headers(refused, "production CSRF refusal")
    finally:
        _dispose(production)


def test_debug_without_setting_leaves_secure_off_for_local_http(tmp_path, monkeypatch):
    local = _instance_app(tmp_path, monkeypatch, _DebugConfig, RAPPORT_ENV="development")
    try:
        assert local.debug is True
        assert local.config["SESSION_COOKIE_SECURE"] is False
        assert local.config["SESSION_COOKIE_HTTPONLY"] is True
        assert local.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        _dispose(local)
