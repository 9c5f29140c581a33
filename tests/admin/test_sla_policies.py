"""The SLA policy screen for administrators."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import BusinessHours, Role, ServiceRequest, SLAPolicy, Stage

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _form(**changes) -> dict:
    data = {"weekdays": ["0", "1", "2", "3", "4"], "opens": "09:00", "closes": "17:00"}
    for priority, (response, resolution) in {1: (1, 4), 2: (4, 8), 3: (8, 24), 4: (16, 80)}.items():
        data[f"p{priority}_response"] = str(response)
        data[f"p{priority}_resolution"] = str(resolution)
    data.update(changes)
    return data


def _policies(app) -> dict[int, tuple[int, int, bool]]:
    with app.app_context():
        return {
            p.priority: (p.first_response_minutes, p.resolution_minutes, p.around_the_clock)
            for p in db.session.scalars(select(SLAPolicy))
        }


@pytest.mark.parametrize("roles", [(), (Role.AGENT,), (Role.BRM,), (Role.BUDDY,)])
def test_only_admins_reach_the_policies(client, make, roles):
    client.login(make.user(roles=roles).email)
    assert client.get("/admin/sla").status_code == 404
    assert client.form_post("/admin/sla", _form()).status_code == 404


def test_admin_sees_the_current_policies(client, make):
    client.login(make.user(roles=(Role.ADMIN,)).email)
    page = client.get("/admin/sla").get_data(as_text=True)
    text = visible_text(page)
    assert "P1 · Critical" in text and "Around the clock" in text
    assert 'value="4.00"' in page and 'value="80.00"' in page
    assert 'value="09:00"' in page


def test_saving_changes_policies_hours_and_open_due_times(app, client, make):
    with time_machine.travel(MONDAY_10, tick=False):
        open_request = make.request(make.requester(), impact="just_me", urgency="workaround")
        done = make.request(make.requester(), stage=Stage.CLOSED)
        client.login(make.user(roles=(Role.ADMIN,)).email)
        response = client.form_post(
            "/admin/sla",
            _form(p4_response="2", p4_clock="y", weekdays=["0", "1", "2", "3", "4", "5"],
                  opens="08:00", closes="18:00"),
        )
        assert response.status_code == 303
        assert "Due times of 1 open request now" in client.get("/admin/sla").get_data(as_text=True)
    assert _policies(app)[4] == (120, 4800, True)
    with app.app_context():
        hours = db.session.scalar(select(BusinessHours))
        assert (hours.weekdays, hours.opens, hours.closes) == ("0,1,2,3,4,5", time(8), time(18))
        fresh = db.session.get(ServiceRequest, open_request.id)
        assert fresh.first_response_due_at == MONDAY_10 + timedelta(hours=2)
        assert db.session.get(ServiceRequest, done.id).first_response_due_at == (
            done.first_response_due_at
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"p2_resolution": "1"}, "Resolving can't be due before the first reply."),
        ({"p3_response": "0"}, "Between a quarter hour and a year."),
        ({"p1_response": "soon"}, "Please enter a number, like 12.50."),
        ({"p1_response": "NaN"}, "Please enter a number, like 12.50."),
        ({"p1_response": "-Infinity"}, "Please enter a number, like 12.50."),
        ({"closes": "08:00"}, "Closing time must be after opening time."),
        ({"weekdays": []}, "Choose at least one working day."),
    ],
)
def test_bad_values_are_explained_and_nothing_changes(app, client, make, changes, message):
    before = _policies(app)
    client.login(make.user(roles=(Role.ADMIN,)).email)
    response = client.form_post("/admin/sla", _form(**changes))
    assert response.status_code == 422
    assert message in visible_text(response.get_data(as_text=True))
    assert _policies(app) == before


def test_cli_recomputes_open_requests(app, make):
    with time_machine.travel(MONDAY_10, tick=False):
        sr = make.request(make.requester(), impact="just_me", urgency="workaround")
        with app.app_context():
            db.session.get(SLAPolicy, 4).first_response_minutes = 30
            db.session.commit()
        result = app.test_cli_runner().invoke(args=["sla-recompute"])
    assert "Updated the due times of 1 open request." in result.output
    with app.app_context():
        due = db.session.get(ServiceRequest, sr.id).first_response_due_at
    assert due == MONDAY_10 + timedelta(minutes=30)
