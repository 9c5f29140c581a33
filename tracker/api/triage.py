"""IT's changes to a request through the API: stage, assignee, team and priority.

Each change goes through tracker/service_requests/workflow.py, like the board's actions,
so the rules, SLA clocks and timeline entries are the same. A PATCH is all or nothing,
and it is checked against the version the caller saw (the `version` field or If-Match).
"""

from __future__ import annotations

from flask_login import current_user

from tracker.api import schemas
from tracker.api.blueprint import Header, operation
from tracker.api.errors import ApiError
from tracker.api.parsing import if_match_version, json_body
from tracker.api.service_requests import NOT_FOUND, TAG, detail_response
from tracker.extensions import db
from tracker.models import ITTeam, ServiceRequest, User
from tracker.service_requests import workflow
from tracker.service_requests.queries import load_request_or_404
from tracker.service_requests.timeline import RequestRuleError

IF_MATCH = Header(
    "If-Match",
    "The request's version as you saw it (its ETag), e.g. \"3\". The `version` field wins "
    "when both are sent.",
    {"type": "string", "pattern": '^(W/)?"?[0-9]{1,9}"?$'},
)
CHANGES = ("stage", "assignee_id", "team_id", "priority")


def _checked(data: schemas.ServiceRequestChange) -> set[str]:
    """What the body asks to change, once it makes sense as a whole."""
    asked = data.model_fields_set & set(CHANGES)
    fields = {}
    if not asked:
        fields["body"] = "Nothing to change: send stage, assignee_id, team_id or priority."
    for name in ("stage", "priority"):
        if name in asked and getattr(data, name) is None:
            fields[name] = "This can't be null."
    if "priority" in asked and not data.reason.strip():
        fields["reason"] = "Please say why the priority changes."
    if data.note.strip() and "stage" not in asked:
        fields["note"] = "A note goes with a stage change."
    if fields:
        raise ApiError(422, fields=fields)
    return asked


def _assignee(person_id: int | None) -> User | None:
    if person_id is None:
        return None
    person = db.session.get(User, person_id)
    if person is None or not (person.is_staff and person.active):
        raise ApiError(422, fields={"assignee_id": "This person isn't in IT, so can't take "
                                                   "requests."})
    return person


def _team(team_id: int | None) -> ITTeam | None:
    if team_id is None:
        return None
    team = db.session.get(ITTeam, team_id)
    if team is None:
        raise ApiError(422, fields={"team_id": "There is no such IT team."})
    return team


def _apply(service_request: ServiceRequest, data: schemas.ServiceRequestChange, asked: set[str],
           actor: User, team: ITTeam | None, assignee: User | None) -> None:
    """Each asked change that differs from now, routing first and the stage last."""
    if "team_id" in asked and service_request.team_id != data.team_id:
        workflow.set_team(service_request, actor, team)
    if "assignee_id" in asked and service_request.assignee_id != data.assignee_id:
        workflow.assign(service_request, actor, assignee)
    if "priority" in asked and service_request.priority != data.priority:
        workflow.set_priority(service_request, actor, data.priority, data.reason)
    if "stage" in asked and service_request.stage != data.stage.value:
        workflow.move_stage(service_request, actor, data.stage, note=data.note)


@operation(
    "/requests/<reference>", "PATCH", summary="Move, assign, route or re-prioritise", tag=TAG,
    body=schemas.ServiceRequestChange, headers=(IF_MATCH,),
    responses={
        200: ("Changed (or already as asked)", schemas.ServiceRequestDetail),
        403: ("Not IT staff", schemas.Error), 404: NOT_FOUND,
        409: ("Changed by someone else since your version, or not allowed from its stage",
              schemas.Error),
        422: ("A field is not valid", schemas.Error),
    },
    response_headers={200: ("ETag",)},
)
def change_request(reference: str):
    """IT staff change a request as on the triage board. Send the `version` you saw (or
    If-Match with the ETag): if someone changed the request since, nothing is changed and
    the answer is 409 `version_conflict`. A stage move the workflow doesn't allow is 409
    `conflict`. A priority needs a `reason`; `note` goes into the timeline with a stage."""
    service_request = load_request_or_404(reference)
    actor = current_user
    if not actor.is_staff:
        raise ApiError(403, "Only IT staff can change a request's stage, assignee, team or "
                            "priority.")
    data = json_body(schemas.ServiceRequestChange)
    asked = _checked(data)
    team = _team(data.team_id) if "team_id" in asked else None
    assignee = _assignee(data.assignee_id) if "assignee_id" in asked else None
    seen = data.version if data.version is not None else if_match_version()
    try:
        workflow.check_version(service_request, seen)
    except workflow.ConflictError as exc:
        raise ApiError(409, str(exc), code="version_conflict") from None
    try:
        _apply(service_request, data, asked, actor, team, assignee)
    except RequestRuleError as exc:
        db.session.rollback()
        raise ApiError(409, str(exc)) from None
    db.session.commit()
    return detail_response(service_request)
