"""Filing, reading, commenting on and changing requests through the API, with the web's
rules: the same services, workflow, SLA clocks and timeline."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_of
from tracker.extensions import db
from tracker.models import RequestEvent, ServiceRequest

NEW = {
    "title": "Monitor flickers",
    "description": "The left screen flickers every few seconds.",
    "category": "broken",
    "impact": "whole_unit",
    "urgency": "blocked",
}


def _count(app, model=ServiceRequest) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _row(app, reference: str) -> ServiceRequest:
    with app.app_context():
        found = db.session.get(ServiceRequest, int(reference.removeprefix("REQ-")))
        db.session.expunge_all()
        return found


# --- filing ---------------------------------------------------------------------------------


def test_filing_a_request_as_the_form_does(app, make, caller):
    team = make.team("Service Desk")
    with app.app_context():
        from tracker.models import Category

        db.session.scalar(select(Category).where(Category.slug == "broken")).default_team_id = (
            team.id
        )
        db.session.commit()
    person = make.requester(unit=make.unit("Finance"))
    response = caller(person).post("/requests", NEW)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/requests/{body['reference']}")
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert body["title"] == NEW["title"] and body["stage"] == "new"
    assert body["status"] == "We got it" and body["business_unit"]["name"] == "Finance"
    assert body["triage"] is None  # a requester doesn't see IT's side
    assert [event["kind"] for event in body["timeline"]] == ["created"]
    stored = _row(app, body["reference"])
    assert stored.requester_id == person.id
    assert stored.priority == 1  # whole unit, can't work
    assert stored.team_id == team.id and stored.sla_due_at is not None


def test_the_same_idempotency_key_files_once(app, make, caller):
    api = caller(make.requester())
    first = api.post("/requests", NEW, headers={"Idempotency-Key": "order-7731"})
    again = api.post("/requests", NEW, headers={"Idempotency-Key": "order-7731"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["reference"] == first.get_json()["reference"]
    assert _count(app) == 1
    other = api.post("/requests", {**NEW, "title": "Something else"},
                     headers={"Idempotency-Key": "order-7731"})
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_conflict"
    assert api.post("/requests", NEW, headers={"Idempotency-Key": "order-7732"}).status_code == 201
    assert _count(app) == 2


def test_keys_are_per_person(app, make, caller):
    headers = {"Idempotency-Key": "same-key"}
    assert caller(make.requester()).post("/requests", NEW, headers=headers).status_code == 201
    assert caller(make.requester()).post("/requests", NEW, headers=headers).status_code == 201
    assert _count(app) == 2


@pytest.mark.parametrize("key", ["", "x" * 61, "has space", "caf\u00e9"])
def test_a_bad_idempotency_key_is_refused(app, make, caller, key):
    response = caller(make.requester()).post(
        "/requests", NEW, headers={"Idempotency-Key": key.encode().decode("latin-1")}
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in error_of(response)["fields"]
    assert _count(app) == 0


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"title": ""}, "title", "can't be blank"),
        ({"title": "   "}, "title", "can't be blank"),
        ({"title": "x" * 201}, "title", "200 characters"),
        ({"title": "Tab\there"}, "title", "hidden control characters"),
        ({"description": "Bell \x07 here"}, "description", "hidden control characters"),
        ({"description": "x" * 20_001}, "description", "20000 characters"),
        ({"category": "gossip"}, "category", "broken"),
        ({"impact": "everyone"}, "impact", "just_me"),
        ({"urgency": None}, "urgency", ""),
        ({"title": 7}, "title", "string"),
        ({"priority": 1}, "priority", "not accepted"),
    ],
)
def test_bad_fields_are_explained_per_field_and_nothing_is_stored(
    app, make, caller, changes, field, words
):
    response = caller(make.requester()).post("/requests", {**NEW, **changes})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert words in error["fields"][field]
    assert _count(app) == 0


def test_multi_line_text_keeps_its_line_breaks(make, caller):
    response = caller(make.requester()).post(
        "/requests", {**NEW, "description": "First line\r\n\tSecond line"}
    )
    assert response.status_code == 201
    assert response.get_json()["description"] == "First line\r\n\tSecond line"


# --- reading --------------------------------------------------------------------------------


def test_requesters_see_the_conversation_but_no_internal_notes(make, caller):
    person, agent = make.requester(), make.agent(name="Alex Agent")
    request = make.request(person)
    make.comment(request, agent, "We ordered a new cable.")
    make.comment(request, agent, "Internal: cable budget is tight.", internal=True)
    mine = caller(person).get(f"/requests/{request.reference}").get_json()
    bodies = [event["body"] for event in mine["timeline"]]
    assert "We ordered a new cable." in bodies
    assert "Internal: cable budget is tight." not in bodies
    assert not any(event["internal"] for event in mine["timeline"])
    staff = caller(agent).get(f"/requests/{request.reference}").get_json()
    assert "Internal: cable budget is tight." in [e["body"] for e in staff["timeline"]]
    assert staff["triage"]["priority"] == 4 and staff["triage"]["sla_state"] == "on_track"


def test_a_reference_is_read_in_any_case(make, caller):
    person = make.requester()
    request = make.request(person)
    response = caller(person).get(f"/requests/{request.reference.lower()}")
    assert response.status_code == 200
    assert response.get_json()["reference"] == request.reference


# --- the conversation -----------------------------------------------------------------------


def test_commenting_hands_a_waiting_request_back_to_it(app, make, caller):
    person = make.requester()
    request = make.request(person, stage="waiting_on_requester")
    response = caller(person).post(f"/requests/{request.reference}/comments",
                                   {"body": "Here is the screenshot."})
    assert response.status_code == 201
    event = response.get_json()
    assert event["kind"] == "comment" and event["internal"] is False
    assert _row(app, request.reference).stage == "in_progress"


def test_staff_add_internal_notes_requesters_may_not(app, make, caller):
    person, agent = make.requester(), make.agent()
    request = make.request(person)
    note = caller(agent).post(f"/requests/{request.reference}/comments",
                              {"body": "Checked the logs.", "internal": True})
    assert note.status_code == 201 and note.get_json()["kind"] == "note"
    refused = caller(person).post(f"/requests/{request.reference}/comments",
                                  {"body": "Me too", "internal": True})
    assert refused.status_code == 403 and "internal" in error_of(refused)["fields"]
    assert _count(app, RequestEvent) == 2  # created + the note


def test_a_closed_request_takes_no_more_replies_from_its_requester(app, make, caller):
    person = make.requester()
    request = make.request(person, stage="closed")
    response = caller(person).post(f"/requests/{request.reference}/comments", {"body": "Hi"})
    assert response.status_code == 409
    assert "closed" in error_of(response)["message"]


def test_a_comment_with_the_same_key_is_added_once(app, make, caller):
    person = make.requester()
    request = make.request(person)
    api = caller(person)
    url = f"/requests/{request.reference}/comments"
    headers = {"Idempotency-Key": "msg-1"}
    first = api.post(url, {"body": "Any news?"}, headers=headers)
    again = api.post(url, {"body": "Any news?"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    other = api.post(url, {"body": "Different"}, headers=headers)
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_conflict"
    assert _count(app, RequestEvent) == 2


# --- IT's changes ---------------------------------------------------------------------------


def test_staff_move_assign_route_and_reprioritise_in_one_go(app, make, caller):
    person, agent = make.requester(), make.agent(name="Alex Agent")
    team = make.team("Network")
    request = make.request(person)
    before = _row(app, request.reference)
    response = caller(agent).patch(f"/requests/{request.reference}", {
        "version": before.version, "stage": "in_progress", "note": "On it",
        "assignee_id": agent.id, "team_id": team.id, "priority": 1, "reason": "Whole floor",
    })
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["stage"] == "in_progress"
    triage = body["triage"]
    assert triage["assignee"]["name"] == "Alex Agent" and triage["team"]["name"] == "Network"
    assert triage["priority"] == 1 and triage["priority_overridden"] is True
    kinds = [event["kind"] for event in body["timeline"]]
    assert kinds == ["created", "team", "assigned", "priority", "stage"]
    after = _row(app, request.reference)
    assert after.resolution_due_at < before.resolution_due_at  # P1's clock is shorter
    assert response.headers["ETag"] == f'"{after.version}"'


def test_unchanged_values_are_no_op_and_unassigning_works(app, make, caller):
    agent = make.agent()
    request = make.request(make.requester())
    api = caller(agent)
    assert api.patch(f"/requests/{request.reference}",
                     {"assignee_id": agent.id}).status_code == 200
    before = _row(app, request.reference)
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(RequestEvent)
                                   .where(RequestEvent.request_id == request.id))
    same = api.patch(f"/requests/{request.reference}", {"assignee_id": agent.id})
    assert same.status_code == 200
    assert _row(app, request.reference).version == before.version
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RequestEvent)
                                 .where(RequestEvent.request_id == request.id)) == events
    cleared = api.patch(f"/requests/{request.reference}", {"assignee_id": None})
    assert cleared.status_code == 200 and cleared.get_json()["triage"]["assignee"] is None
    assert _row(app, request.reference).assignee_id is None


def test_a_stale_version_changes_nothing(app, make, caller):
    agent, other = make.agent(), make.agent()
    request = make.request(make.requester())
    seen = caller(agent).get(f"/requests/{request.reference}")
    version = seen.get_json()["version"]
    assert caller(other).patch(f"/requests/{request.reference}",
                               {"stage": "triaged", "version": version}).status_code == 200
    late = caller(agent).patch(f"/requests/{request.reference}",
                               {"assignee_id": agent.id, "version": version})
    assert late.status_code == 409 and error_of(late)["code"] == "version_conflict"
    by_header = caller(agent).patch(f"/requests/{request.reference}", {"assignee_id": agent.id},
                                    headers={"If-Match": seen.headers["ETag"]})
    assert by_header.status_code == 409
    assert _row(app, request.reference).assignee_id is None


def test_if_match_with_the_current_etag_goes_through(make, caller):
    agent = make.agent()
    request = make.request(make.requester())
    api = caller(agent)
    etag = api.get(f"/requests/{request.reference}").headers["ETag"]
    response = api.patch(f"/requests/{request.reference}", {"stage": "triaged"},
                         headers={"If-Match": etag})
    assert response.status_code == 200


def test_a_move_the_workflow_refuses_changes_nothing_at_all(app, make, caller):
    agent = make.agent()
    request = make.request(make.requester())
    response = caller(agent).patch(f"/requests/{request.reference}",
                                   {"assignee_id": agent.id, "stage": "closed"})
    assert response.status_code == 409
    assert "can't be moved to closed" in error_of(response)["message"]
    row = _row(app, request.reference)
    assert row.assignee_id is None and row.stage == "new"
    assert _count(app, RequestEvent) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({}, "body"),
        ({"version": 1}, "body"),
        ({"priority": 2}, "reason"),
        ({"priority": 5, "reason": "x"}, "priority"),
        ({"stage": None}, "stage"),
        ({"note": "Just a note"}, "note"),
        ({"stage": "sideways"}, "stage"),
        ({"assignee_id": "me"}, "assignee_id"),
        ({"team_id": 999}, "team_id"),
        ({"title": "New title"}, "title"),
    ],
)
def test_bad_changes_are_explained(app, make, caller, change, field):
    request = make.request(make.requester())
    response = caller(make.agent()).patch(f"/requests/{request.reference}", change)
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["fields"]
    assert _count(app, RequestEvent) == 1


def test_only_it_staff_can_be_assigned(app, make, caller):
    person = make.requester()
    request = make.request(person)
    response = caller(make.agent()).patch(f"/requests/{request.reference}",
                                          {"assignee_id": person.id})
    assert response.status_code == 422
    assert "isn't in IT" in error_of(response)["fields"]["assignee_id"]
