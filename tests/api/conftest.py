"""Fixtures for the API tests: tokens made through the real service, and a client per token."""

from __future__ import annotations

import pytest

API = "/api/v1"


class ApiCaller:
    """A program calling the API with one token (and no cookies unless given a client)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def open(self, method: str, path: str, *, json=None, headers=None, **kwargs):
        url = path if path.startswith("/api/") else API + path
        return self.client.open(url, method=method, json=json, headers=self.headers(headers),
                                **kwargs)

    def get(self, path, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.open("POST", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.open("PATCH", path, json=json, **kwargs)


@pytest.fixture
def token_for(make):
    """A new API token of `user`; returns the secret."""
    return make.api_token


@pytest.fixture
def caller(app, make):
    """An API caller for `user` with a fresh token, each on its own cookie-less client."""

    def make_caller(user, **kwargs) -> ApiCaller:
        return ApiCaller(app.test_client(), make.api_token(user, **kwargs))

    return make_caller


def error_of(response) -> dict:
    """The error body, checked for the shape every API error has."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error
