"""Fixtures for the feedback tests."""

from __future__ import annotations

import pytest

from tests.feedback.support import Scene, place
from tracker.feedback import surveys
from tracker.models import Role


@pytest.fixture
def scene(app, make) -> Scene:
    brm = make.user(roles=(Role.BRM,), name="Bea Okafor")
    agent = make.agent(name="Alex Moreau")
    teammate = make.agent(name="Tess Lindqvist")
    team = make.team("Service Desk", members=[agent, teammate])
    unit = make.unit("Finance", brm=brm)
    requester = make.requester(unit=unit, name="Rosa Jimenez")
    service_request = make.request(requester, title="Laptop will not start")
    place(app, service_request, agent, team)
    return Scene(requester, agent, teammate, brm, unit, team, service_request)


@pytest.fixture
def issued(monkeypatch) -> list[str]:
    """Every survey token handed out while the test runs, in order."""
    tokens: list[str] = []
    original = surveys.invite

    def spy(service_request, now=None):
        invitation, token = original(service_request, now)
        tokens.append(token)
        return invitation, token

    monkeypatch.setattr(surveys, "invite", spy)
    return tokens
