"""Trusted host names, HSTS behind HTTPS, and error pages that give nothing away."""

from __future__ import annotations

import pytest
import sentry_sdk

from tracker import create_app
from tracker.config import Config
from tracker.extensions import db

HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def build(tmp_path):
    """Build a production app from an explicit environment; its engine is disposed after."""
    built = []

    def _build(**env):
        environ = {
            "RAPPORT_ENV": "production",
            "SECRET_KEY": "a-secret-for-this-test-only",
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "hosts.sqlite3"),
            **env,
        }
        application = create_app(Config(str(tmp_path), environ))
        built.append(application)
        return application

    yield _build
    for application in built:
        with application.app_context():
            db.engine.dispose()


def test_trusted_hosts_come_from_the_environment(tmp_path):
    config = Config(str(tmp_path), {"SECRET_KEY": "x",
                                    "RAPPORT_TRUSTED_HOSTS": "rapport.example.com, .example.org"})
    assert config.TRUSTED_HOSTS == ["rapport.example.com", ".example.org"]
    assert Config(str(tmp_path), {"SECRET_KEY": "x"}).TRUSTED_HOSTS is None


def test_spoofed_host_is_refused_in_production(build):
    application = build(RAPPORT_TRUSTED_HOSTS="rapport.example.com")
    client = application.test_client()
    spoofed = client.get("/login", headers={"Host": "evil.example"})
    assert spoofed.status_code == 400
    assert "evil.example" not in spoofed.get_data(as_text=True)
    assert "Traceback" not in spoofed.get_data(as_text=True)
    trusted = client.get("/login", base_url="https://rapport.example.com")
    assert trusted.status_code == 200


def test_hsts_only_over_https(build):
    client = build().test_client()
    assert client.get("/login", base_url="https://localhost").headers[
        "Strict-Transport-Security"] == HSTS
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_behind_a_proxy_https_and_client_address_come_from_its_headers(build):
    application = build(RAPPORT_PROXY_HOPS="1")
    seen = {}

    @application.get("/_test/address")
    def address():
        from flask import request

        seen["address"], seen["secure"] = request.remote_addr, request.is_secure
        return "ok"

    response = application.test_client().get(
        "/_test/address",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"},
    )
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert seen == {"address": "203.0.113.5", "secure": True}


def test_without_proxy_hops_forwarded_headers_are_ignored(build):
    response = build().test_client().get(
        "/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
    )
    assert "Strict-Transport-Security" not in response.headers


def _failing_app(build, **env):
    application = build(**env)

    @application.get("/_test/explode")
    def explode():
        raise RuntimeError("secret-internal-detail in the traceback")

    return application


def test_unhandled_error_shows_the_generic_page_without_a_traceback(build):
    response = _failing_app(build).test_client().get("/_test/explode")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert 'class="card error-page"' in body
    for leak in ("Traceback", "secret-internal-detail", "RuntimeError", "explode"):
        assert leak not in body
    assert "quote this reference" not in body


def test_unhandled_error_for_htmx_is_a_fragment(build):
    response = _failing_app(build).test_client().get(
        "/_test/explode", headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "<html" not in body
    assert "Traceback" not in body


def test_error_page_quotes_the_sentry_event_id_when_sentry_is_on(build, monkeypatch):
    application = _failing_app(build)
    application.config["SENTRY_DSN"] = "https://key@sentry.example.invalid/1"
    monkeypatch.setattr(sentry_sdk, "last_event_id", lambda: "0123456789abcdef")
    body = application.test_client().get("/_test/explode").get_data(as_text=True)
    assert "quote this reference" in body
    assert "0123456789abcdef" in body


def test_not_found_page_is_generic(client):
    response = client.get("/nowhere/at/all")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "We couldn&#39;t find that page" in body
    assert "Traceback" not in body
