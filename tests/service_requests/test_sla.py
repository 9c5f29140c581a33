"""SLA clocks: due times from the policies, pausing, re-prioritising, states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import ServiceRequest, SLAPolicy, Stage
from tracker.service_requests import sla

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _fresh(app, sr) -> ServiceRequest:
    with app.app_context():
        found = db.session.get(ServiceRequest, sr.id)
        db.session.expunge(found)
        return found


@pytest.fixture
def clock():
    """Time stands still at Monday 10:00 UTC until a test moves it."""
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def filed(make, clock):
    """A P3 request (just me, can't work) filed on Monday 10:00 UTC."""
    rosa = make.requester()
    sr = make.request(rosa, impact="just_me", urgency="blocked")
    return rosa, sr


def test_due_times_follow_the_policy_and_business_hours(app, filed):
    _, sr = filed
    fresh = _fresh(app, sr)
    assert fresh.priority == 3
    assert fresh.first_response_due_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert fresh.resolution_due_at == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert fresh.sla_due_at == fresh.first_response_due_at
    assert fresh.sla_warn_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def test_policies_are_read_from_the_database(app, make, clock):
    with app.app_context():
        db.session.get(SLAPolicy, 4).first_response_minutes = 30
        db.session.commit()
    sr = make.request(make.requester(), impact="just_me", urgency="workaround")
    assert _fresh(app, sr).first_response_due_at == MONDAY_10 + timedelta(minutes=30)


def test_time_zone_of_the_instance_sets_the_working_day(app, make, monkeypatch, clock):
    monkeypatch.setitem(app.config, "RAPPORT_TIMEZONE", "America/New_York")
    # Monday 10:00 UTC is 05:00 in New York.
    sr = make.request(make.requester(), impact="whole_unit", urgency="blocked")
    # P1: one working hour from 09:00 New York (14:00 UTC).
    assert _fresh(app, sr).first_response_due_at == datetime(2026, 11, 23, 15, tzinfo=UTC)


def test_first_public_reply_switches_the_clock_to_resolution(app, client, make, filed, clock):
    _, sr = filed
    client.login(make.agent().email)
    clock.move_to(MONDAY_10 + timedelta(hours=1))
    client.form_post(f"/requests/{sr.reference}/comments", {"body": "On it"})
    fresh = _fresh(app, sr)
    assert fresh.first_response_at == MONDAY_10 + timedelta(hours=1)
    assert fresh.sla_due_at == fresh.resolution_due_at


def test_waiting_on_the_requester_pauses_the_clock(app, client, make, filed, clock):
    rosa, sr = filed
    client.login(make.agent().email)
    clock.move_to(MONDAY_10 + timedelta(hours=2))
    client.form_post(f"/requests/{sr.reference}/stage", {"stage": "waiting_on_requester"})
    paused = _fresh(app, sr)
    assert paused.sla_paused_at == MONDAY_10 + timedelta(hours=2)
    assert sla.state_of(paused, MONDAY_10 + timedelta(days=5)) is sla.SLAState.PAUSED

    # Back on Tuesday 12:00: eight working hours passed while it waited.
    clock.move_to(MONDAY_10 + timedelta(days=1, hours=2))
    client.login(rosa.email)
    client.form_post(f"/requests/{sr.reference}/comments", {"body": "Here you go"})
    resumed = _fresh(app, sr)
    assert resumed.stage == Stage.IN_PROGRESS
    assert resumed.sla_paused_at is None
    assert resumed.sla_paused_seconds == 8 * 3600
    assert resumed.first_response_due_at == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert resumed.resolution_due_at == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def test_resolved_time_does_not_count_when_reopened(app, client, make, filed, clock):
    rosa, sr = filed
    client.login(make.agent().email)
    clock.move_to(MONDAY_10 + timedelta(hours=1))
    client.form_post(f"/requests/{sr.reference}/stage", {"stage": "resolved"})
    client.login(rosa.email)
    clock.move_to(MONDAY_10 + timedelta(hours=3))
    client.form_post(f"/requests/{sr.reference}/reopen", {"reason": "Still broken"})
    assert _fresh(app, sr).sla_paused_seconds == 2 * 3600


def test_priority_change_recomputes_due_times(app, client, make, filed, clock):
    _, sr = filed
    client.login(make.agent().email)
    clock.move_to(MONDAY_10 + timedelta(minutes=5))
    response = client.form_post(
            f"/board/requests/{sr.reference}/priority",
            {"priority": "1", "reason": "Payroll run today", "version": sr.version},
        )
    assert response.status_code == 303
    fresh = _fresh(app, sr)
    assert fresh.priority == 1 and fresh.priority_overridden
    assert fresh.first_response_due_at == MONDAY_10 + timedelta(hours=1)
    assert fresh.resolution_due_at == MONDAY_10 + timedelta(hours=4)


@pytest.mark.parametrize(
    ("hours_later", "state", "words"),
    [
        (1, sla.SLAState.ON_TRACK, "Reply due in 23 h"),
        (7, sla.SLAState.AT_RISK, "Reply due in 17 h"),
        (26, sla.SLAState.BREACHED, "Reply breached 2 h ago"),
    ],
)
def test_states_in_python_and_sql_agree(app, filed, hours_later, state, words):
    _, sr = filed
    now = MONDAY_10 + timedelta(hours=hours_later)
    fresh = _fresh(app, sr)
    assert sla.state_of(fresh, now) is state
    assert sla.describe(fresh, now) == words
    with app.app_context():
        for candidate in sla.SLAState:
            found = db.session.scalar(
                select(ServiceRequest.id).where(sla.state_clause(candidate, now))
            )
            assert (found == sr.id) is (candidate is state), candidate
