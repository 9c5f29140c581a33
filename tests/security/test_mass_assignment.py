"""Mass assignment: extra fields posted to the requester-facing forms are ignored.

A requester can add any field to a form post; the stored object must only take what the
form offers and work out the rest itself (stage, priority, owner, unit, risk, version...).
"""

from __future__ import annotations

from sqlalchemy import select

from tests.security.scene import build_scene, signed_in
from tracker.extensions import db
from tracker.models import (
    Category,
    EventKind,
    PulseAnswer,
    PulseParticipant,
    RequestEvent,
    ServiceRequest,
    ShadowTool,
    SurveyInvitation,
    SurveyResponse,
    ToolAdoption,
    User,
)
from tracker.service_requests.services import derive_priority
from tracker.shadow_it.risk import assess


def _extras(scene) -> dict:
    """Fields no requester-facing form offers, pointing at other people and units."""
    s = scene
    return {
        "id": "999", "stage": "closed", "status": "sanctioned", "priority": "1",
        "priority_overridden": "y", "assignee_id": str(s.people["agent"].id),
        "assignee": str(s.people["agent"].id), "team_id": str(s.team_id),
        "business_unit_id": str(s.other_unit_id), "requester_id": str(s.people["neighbour"].id),
        "registered_by_id": str(s.people["neighbour"].id), "person_id": str(s.people["agent"].id),
        "user_id": str(s.people["neighbour"].id), "actor_id": str(s.people["agent"].id),
        "agent_id": str(s.people["neighbour"].id), "role": "admin", "roles": "admin",
        "is_admin": "1", "active": "y", "risk_tier": "low", "risk_reasons": "none",
        "version": "42", "reopen_count": "9", "internal": "1", "visibility": "internal",
        "kind": "stage", "side": "it", "pulse_id": "999", "request_id": "999",
        "invitation_id": "999", "tool_id": "999", "advice": "Approved by IT",
        "sla_due_at": "2000-01-01T00:00:00", "created_at": "2000-01-01T00:00:00",
    }


def _one(app, query):
    with app.app_context():
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def _roles(app, user_id) -> set[str]:
    with app.app_context():
        roles = {r.value for r in db.session.get(User, user_id).roles}
        db.session.remove()
        return roles


def test_a_new_request_ignores_stage_priority_owner_and_unit(app, make):
    scene = build_scene(app, make)
    requester = scene.people["requester"]
    client = signed_in(app, scene, "requester")
    form = {"category": "broken", "title": "Extra fields", "description": "Please ignore",
            "impact": "just_me", "urgency": "slowed"}
    response = client.form_post("/requests/new", {**_extras(scene), **form})
    assert response.status_code == 303
    # The same form without the extras, for what the app itself sets (version, clocks).
    control = client.form_post("/requests/new", {**form, "title": "Control"})
    assert control.status_code == 303
    [stored] = _one(app, select(ServiceRequest).where(ServiceRequest.title == "Extra fields"))
    [plain] = _one(app, select(ServiceRequest).where(ServiceRequest.title == "Control"))
    default_team = _one(app, select(Category.default_team_id).where(Category.slug == "broken"))
    assert stored.stage == "new"
    assert stored.priority == derive_priority("just_me", "slowed") == 4
    assert stored.priority_overridden is False
    assert stored.assignee_id is None
    assert stored.requester_id == requester.id
    assert stored.business_unit_id == scene.unit_id
    assert stored.team_id == default_team[0]
    assert stored.version == plain.version != 42
    assert stored.reopen_count == 0
    assert stored.id != 999
    assert (stored.sla_due_at is None) == (plain.sla_due_at is None)
    assert stored.sla_due_at is None or stored.sla_due_at.year > 2000
    assert stored.created_at.year > 2000
    assert _roles(app, requester.id) == {"requester"}


def test_a_requesters_comment_stays_public_and_theirs(app, make):
    scene = build_scene(app, make)
    client = signed_in(app, scene, "requester")
    reference = scene.open_request.reference
    for htmx in (False, True):
        body = f"Any news? htmx={htmx}"
        response = client.form_post(f"/requests/{reference}/comments",
                                    {**_extras(scene), "body": body}, htmx=htmx)
        assert response.status_code in (200, 303)
        [event] = _one(app, select(RequestEvent).where(RequestEvent.body == body))
        assert event.internal is False
        assert event.kind == EventKind.COMMENT.value
        assert event.actor_id == scene.people["requester"].id
        assert event.request_id == scene.open_request.id
    [request] = _one(app, select(ServiceRequest).where(ServiceRequest.id == scene.open_request.id))
    assert request.stage == scene.open_request.stage
    assert request.priority == scene.open_request.priority
    assert request.assignee_id == scene.people["agent"].id


def test_confirming_ignores_everything_but_the_confirmation(app, make):
    scene = build_scene(app, make)
    client = signed_in(app, scene, "requester")
    resolved = scene.resolved_request
    response = client.form_post(f"/requests/{resolved.reference}/confirm", _extras(scene))
    assert response.status_code == 303
    [stored] = _one(app, select(ServiceRequest).where(ServiceRequest.id == resolved.id))
    assert stored.stage == "closed"  # what confirming does, whatever "stage" said
    assert stored.priority == resolved.priority
    assert stored.assignee_id == scene.people["agent"].id
    assert stored.requester_id == scene.people["requester"].id
    assert stored.business_unit_id == scene.unit_id


def test_reopening_ignores_stage_priority_and_owner(app, make):
    scene = build_scene(app, make)
    client = signed_in(app, scene, "requester")
    resolved = scene.resolved_request
    response = client.form_post(f"/requests/{resolved.reference}/reopen",
                                {**_extras(scene), "reason": "Still jams"})
    assert response.status_code == 303
    [stored] = _one(app, select(ServiceRequest).where(ServiceRequest.id == resolved.id))
    assert stored.stage == "in_progress"
    assert stored.reopen_count == 1
    assert stored.priority == resolved.priority
    assert stored.assignee_id == scene.people["agent"].id
    assert stored.requester_id == scene.people["requester"].id


def test_registering_a_tool_ignores_status_risk_owner_and_unit(app, make):
    scene = build_scene(app, make)
    client = signed_in(app, scene, "requester")
    form = {"name": "Miro", "url": "https://miro.com", "purpose": "Workshops",
            "user_count": "300", "payer": "personal", "cost_period": "month", "currency": "GBP",
            "data_kind": "sensitive", "sign_in": "own_passwords", "critical": "yes"}
    response = client.form_post("/tools/new", {**_extras(scene), **form})
    assert response.status_code == 303
    [tool] = _one(app, select(ShadowTool).where(ShadowTool.name == "Miro"))
    expected = assess("sensitive", "own_passwords", 300, True)
    assert tool.status == "registered"
    assert tool.risk_tier == expected.tier != "low"
    assert tool.risk_reasons == expected.explanation
    assert tool.registered_by_id == scene.people["requester"].id
    assert tool.business_unit_id == scene.unit_id
    assert tool.version != 42
    assert tool.advice == ""
    adoptions = _one(app, select(ToolAdoption).where(ToolAdoption.tool_id == tool.id))
    assert [(a.person_id, a.business_unit_id) for a in adoptions] == [
        (scene.people["requester"].id, scene.unit_id)
    ]


def test_joining_a_tool_records_the_joiner_and_their_unit(app, make):
    scene = build_scene(app, make)
    client = signed_in(app, scene, "neighbour")
    # Registering the same tool again offers to join it instead ("we use it too").
    offered = client.form_post("/tools/new", {
        "name": "Trello", "url": "https://trello.com", "purpose": "Sales boards",
        "user_count": "2", "payer": "free", "cost_period": "month", "currency": "GBP",
        "data_kind": "internal", "sign_in": "sso", "critical": "no"})
    assert offered.status_code == 409
    response = client.form_post(f"/tools/{scene.tool_id}/join",
                                {**_extras(scene), "people": "2"})
    assert response.status_code == 303
    adoptions = _one(app, select(ToolAdoption).where(
        ToolAdoption.tool_id == scene.tool_id, ToolAdoption.people == 2))
    assert [(a.person_id, a.business_unit_id) for a in adoptions] == [
        (scene.people["neighbour"].id, scene.other_unit_id)
    ]
    [tool] = _one(app, select(ShadowTool).where(ShadowTool.id == scene.tool_id))
    assert tool.status == "registered"
    assert tool.registered_by_id == scene.people["requester"].id


def _check_response(app, scene, invitation_request_id, score):
    [invitation] = _one(app, select(SurveyInvitation).where(
        SurveyInvitation.request_id == invitation_request_id))
    [response] = _one(app, select(SurveyResponse).where(
        SurveyResponse.invitation_id == invitation.id))
    assert response.score == score
    assert response.request_id == invitation.request_id
    assert response.agent_id == invitation.agent_id == scene.people["agent"].id
    assert response.team_id == invitation.team_id
    assert response.business_unit_id == invitation.business_unit_id == scene.unit_id
    assert response.action_id is None
    assert response.created_at.year > 2000


def test_a_survey_answer_by_link_takes_only_score_and_comment(app, make):
    scene = build_scene(app, make)
    client = app.test_client()
    response = client.form_post(f"/survey/{scene.survey_token}",
                                {**_extras(scene), "score": "4", "comment": "Fine",
                                 "action_id": "1"})
    assert response.status_code == 200
    _check_response(app, scene, scene.resolved_request.id, 4)


def test_a_survey_answer_in_the_app_takes_only_score_and_comment(app, make):
    scene = build_scene(app, make)
    client = signed_in(app, scene, "requester")
    response = client.form_post(f"/requests/{scene.resolved_request.reference}/survey",
                                {**_extras(scene), "score": "5", "action_id": "1"})
    assert response.status_code == 303
    _check_response(app, scene, scene.resolved_request.id, 5)


def test_a_pulse_answer_keeps_the_side_and_the_person_from_the_session(app, make):
    scene = build_scene(app, make)
    client = signed_in(app, scene, "requester")
    response = client.form_post(f"/pulse/{scene.pulse_id}",
                                {**_extras(scene), "understanding": "4", "ease": "3",
                                 "trust": "5"})
    assert response.status_code == 303
    answers = _one(app, select(PulseAnswer))
    assert [(a.pulse_id, a.side, a.understanding, a.ease, a.trust) for a in answers] == [
        (scene.pulse_id, "business", 4, 3, 5)
    ]
    participants = _one(app, select(PulseParticipant))
    assert [(p.pulse_id, p.user_id) for p in participants] == [
        (scene.pulse_id, scene.people["requester"].id)
    ]


def test_signing_in_with_role_fields_grants_nothing(app, make):
    scene = build_scene(app, make)
    requester = scene.people["requester"]
    client = app.test_client()
    token = client.csrf_token("/login")
    response = client.post("/login", data={
        **_extras(scene), "email": requester.email, "password": make.PASSWORD,
        "csrf_token": token,
    })
    assert response.status_code in (302, 303)
    assert _roles(app, requester.id) == {"requester"}
    assert client.get("/admin/people").status_code == 404
    [user] = _one(app, select(User).where(User.id == requester.id))
    assert user.business_unit_id == scene.unit_id
