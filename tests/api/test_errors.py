"""Every error under /api/ is JSON of one shape, with the right status and code."""

from __future__ import annotations

import pytest

from tests.api.conftest import ApiCaller, error_of


@pytest.fixture
def api(make, caller):
    return caller(make.agent())


def test_unknown_urls_under_the_api_answer_json_404(api, client):
    for path in ("/api/v1/nothing", "/api/v2/requests", "/api/", "/api/v1/units/abc"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/json"
        assert error_of(response)["code"] == "not_found"
    # Signed out too: an unknown API URL never answers with a page.
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_the_web_keeps_its_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_an_unknown_request_is_a_json_404(api):
    for reference in ("REQ-999999", "REQ-abc", "nonsense", "REQ-99999999999"):
        response = api.get(f"/requests/{reference}")
        assert response.status_code == 404, reference
        assert error_of(response)["code"] == "not_found"


def test_a_method_that_is_not_there_is_a_json_405(api):
    response = api.open("DELETE", "/requests")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_a_body_that_is_not_json_is_415_and_json_that_does_not_parse_is_400(api):
    response = api.open("POST", "/requests", data="title=Hi",
                        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    for raw in ("{not json", "", '{"title": "\\ud800"}'):
        response = api.open("POST", "/requests", data=raw, content_type="application/json")
        assert response.status_code == 400, raw
        assert error_of(response)["code"] == "invalid_json"
    response = api.open("POST", "/requests", data="[1, 2]", content_type="application/json")
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"body": "Send a JSON object."}


def test_a_body_too_large_is_a_json_413(app, api):
    limit = app.config["RAPPORT_MAX_FORM_BYTES"]  # a JSON body carries no files
    response = api.open("POST", "/requests", data="x" * (limit + 1),
                        content_type="application/json")
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_validation_errors_name_every_field(api):
    response = api.post("/requests", {"title": "", "category": 3})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {"title", "description", "category", "impact", "urgency"}


def test_a_role_that_cant_is_a_json_403(make, caller):
    person = make.requester()
    request = make.request(person)
    response = caller(person).patch(f"/requests/{request.reference}", {"stage": "triaged"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_a_stale_change_is_a_json_409(make, api):
    request = make.request(make.requester())
    response = api.patch(f"/requests/{request.reference}", {"stage": "triaged", "version": 0})
    assert response.status_code == 409
    assert error_of(response)["code"] == "version_conflict"


def test_a_row_changed_under_a_write_is_a_json_409(app, api, monkeypatch):
    """The ORM's own version check (StaleDataError) answers like a stale `version`."""
    from sqlalchemy.orm.exc import StaleDataError

    from tracker.api import units

    def changed_meanwhile(_user):
        raise StaleDataError("UPDATE statement on table 'business_units' matched 0 rows")

    monkeypatch.setattr(units, "visible_units", changed_meanwhile)
    response = api.get("/units")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "version_conflict"
    assert error["message"] == ("Someone else changed this at the same moment. "
                                "Fetch it and try again.")
    assert "matched 0 rows" not in response.get_data(as_text=True)


def test_an_unexpected_failure_is_a_json_500_without_details(app, api, monkeypatch):
    from tracker.api import units

    def explode(_user):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(units, "visible_units", explode)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = api.get("/units")
    assert response.status_code == 500
    assert error_of(response)["code"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)


def test_answers_are_private_and_never_cached(api):
    response = api.get("/requests")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Authorization" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers


def test_an_api_answer_sets_no_cookie_even_for_a_signed_in_browser(client, make, token_for):
    person = make.requester()
    client.login(person.email)
    response = ApiCaller(client, token_for(person)).get("/requests")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
