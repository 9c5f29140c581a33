"""One-click actions on a card or from the side panel, and bulk actions.

With htmx an action answers with the changed card (or the panel, when it came from
there) and refreshes the column counts out of band; without JavaScript it redirects
back to the board with the same filters. Refusals never change anything: 409 with the
current state of the request and a message.
"""

from __future__ import annotations

from flask import flash, redirect, request
from flask_login import current_user
from sqlalchemy import select

from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import ITTeam, ServiceRequest, Stage, User
from tracker.models.requests import parse_id
from tracker.service_requests import services as request_services
from tracker.service_requests import workflow
from tracker.service_requests.queries import load_request_or_404
from tracker.service_requests.timeline import RequestRuleError
from tracker.triage import queries, services
from tracker.triage.forms import AssignForm, BulkForm, MoveForm, NoteForm, PriorityForm, TeamForm
from tracker.triage.views import (
    _bulk_form,
    board_context,
    bp,
    filters_from_next,
    panel_context,
    safe_board_url,
)
from tracker.web.authz import staff_required
from tracker.web.rendering import render, wants_fragment


def _respond(service_request, form, *, column, message=None, error=None, status=200, **forms):
    """Answer an action: card or panel fragment for htmx, redirect or page otherwise."""
    filters = filters_from_next(form.next.data)
    if error is not None:
        status = 409 if status == 200 else status
    if wants_fragment():
        now = utcnow()
        card = queries.cards_by_id([service_request.id])[0]
        context = {
            "req": card,
            "in_column": column,
            "filters": filters,
            "now": now,
            "counts": queries.stage_counts(filters, current_user, now),
            "message": message,
            "error": error,
            "board_url": safe_board_url(form.next.data),
        }
        if form.ctx.data == "panel":
            context.update(panel_context(card, filters, error=error, **forms))
            context["in_panel"] = True
        return render("triage/_action_response.html", status=status, **context)
    if error is not None:
        return render(
            "triage/panel.html",
            status=status,
            **panel_context(service_request, filters, error=error, **forms),
        )
    if message:
        flash(message, "success")
    return redirect(safe_board_url(form.next.data), 303)


def _fail(reference: str, exc: RequestRuleError, form, column, status=409, **forms):
    db.session.rollback()
    service_request = load_request_or_404(reference)
    return _respond(service_request, form, column=column, error=str(exc), status=status, **forms)


def _staff_member(value: str) -> User | None:
    if value == "me":
        return current_user
    if value in ("", "none"):
        return None
    user_id = parse_id(value)
    return db.session.get(User, user_id) if user_id is not None else None


@bp.post("/requests/<reference>/assign")
@staff_required
def assign(reference: str):
    service_request = load_request_or_404(reference)
    column = service_request.stage
    form = AssignForm()
    form.set_people(queries.assignment_options().staff)
    if not form.validate_on_submit():
        return _respond(service_request, form, column=column, status=422,
                        error="Please choose someone from the list.")
    person = _staff_member(form.assignee.data)
    try:
        workflow.assign(service_request, current_user, person, seen_version=form.version.data)
    except RequestRuleError as exc:
        return _fail(reference, exc, form, column)
    db.session.commit()
    who = "you" if person is current_user else (person.display_name if person else "nobody")
    return _respond(service_request, form, column=column,
                    message=f"{service_request.reference} assigned to {who}.")


@bp.post("/requests/<reference>/team")
@staff_required
def set_team(reference: str):
    service_request = load_request_or_404(reference)
    column = service_request.stage
    form = TeamForm()
    form.set_teams(queries.assignment_options().teams)
    if not form.validate_on_submit():
        return _respond(service_request, form, column=column, status=422,
                        error="Please choose a team from the list.")
    team_id = parse_id(form.team.data)
    team = db.session.get(ITTeam, team_id) if team_id is not None else None
    try:
        workflow.set_team(service_request, current_user, team, seen_version=form.version.data)
    except RequestRuleError as exc:
        return _fail(reference, exc, form, column)
    db.session.commit()
    where = team.name if team else "no team"
    return _respond(service_request, form, column=column,
                    message=f"{service_request.reference} is now with {where}.")


@bp.post("/requests/<reference>/priority")
@staff_required
def set_priority(reference: str):
    service_request = load_request_or_404(reference)
    column = service_request.stage
    form = PriorityForm()
    if not form.validate_on_submit():
        error = next(iter(form.errors.values()))[0]
        return _respond(service_request, form, column=column, status=422, error=error,
                        priority_form=form)
    try:
        workflow.set_priority(
            service_request, current_user, int(form.priority.data), form.reason.data,
            seen_version=form.version.data,
        )
    except RequestRuleError as exc:
        return _fail(reference, exc, form, column)
    db.session.commit()
    return _respond(service_request, form, column=column,
                    message=f"{service_request.reference} is now P{service_request.priority}.")


@bp.post("/requests/<reference>/stage")
@staff_required
def move(reference: str):
    service_request = load_request_or_404(reference)
    column = service_request.stage
    form = MoveForm()
    if not form.validate_on_submit():
        error = next(iter(form.errors.values()))[0]
        return _respond(service_request, form, column=column, status=422, error=error)
    try:
        workflow.move_stage(
            service_request, current_user, form.stage.data, note=form.note.data or "",
            seen_version=form.version.data,
        )
    except RequestRuleError as exc:
        return _fail(reference, exc, form, column)
    db.session.commit()
    return _respond(
        service_request, form, column=column,
        message=f"{service_request.reference} moved to "
        f"{service_request.stage_enum.staff_label.lower()}.",
    )


@bp.post("/requests/<reference>/note")
@staff_required
def note(reference: str):
    """An internal note or a public reply, from the side panel."""
    service_request = load_request_or_404(reference)
    column = service_request.stage
    form = NoteForm()
    if not form.validate_on_submit():
        error = next(iter(form.errors.values()))[0]
        return _respond(service_request, form, column=column, status=422, error=error,
                        note_form=form)
    internal = form.visibility.data != "public"
    try:
        request_services.add_comment(
            service_request, current_user, form.body.data, internal=internal,
            idempotency_key=form.idempotency_key.data or None,
        )
    except RequestRuleError as exc:
        return _fail(reference, exc, form, column, status=422, note_form=form)
    db.session.commit()
    what = "Note added" if internal else "Reply sent"
    return _respond(service_request, form, column=column,
                    message=f"{what} on {service_request.reference}.")


@bp.post("/bulk")
@staff_required
def bulk():
    """One action for every selected request; the answer says what changed and what not."""
    filters = filters_from_next(request.form.get("next"))
    options = queries.filter_options()
    form = _bulk_form(options, filters, formdata=request.form)
    ids = sorted({i for i in map(parse_id, request.form.getlist("ids")) if i is not None})
    error = None
    if not ids:
        error = "Please select at least one request first."
    elif len(ids) > services.MAX_BULK:
        error = f"Please select at most {services.MAX_BULK} requests at a time."
    elif not form.validate_on_submit():
        error = next(iter(form.errors.values()))[0]
    if error is not None:
        if wants_fragment():
            context = board_context(filters, utcnow(), bulk_form=form, bulk_error=error)
            return render("triage/board.html", block="board", status=422, **context)
        flash(error, "error")
        return redirect(safe_board_url(form.next.data), 303)

    action = _bulk_action(form)
    if isinstance(action, str):
        result = services.BulkResult(skipped=[("", action)])
    else:
        chosen = list(
            db.session.scalars(
                select(ServiceRequest).where(ServiceRequest.id.in_(ids)).order_by(ServiceRequest.id)
            )
        )
        result = services.bulk_apply(chosen, current_user, action)
        db.session.commit()
    if wants_fragment():
        context = board_context(filters, utcnow(), bulk_result=result)
        return render("triage/board.html", block="board", **context)
    flash(result.summary(), "success" if result.changed else "error")
    for reference, reason in result.skipped:
        flash(f"{reference + ': ' if reference else ''}{reason}", "error")
    return redirect(safe_board_url(form.next.data), 303)


def _bulk_action(form: BulkForm) -> services.BulkAction | str:
    """The action the bulk form asks for, or why it can't be done."""
    kind = form.action.data
    if kind == "assign":
        value = form.assignee.data or ""
        person = _staff_member(value)
        if value not in ("none", "") and person is None:
            return "That person isn't in IT."
        return services.BulkAction("assign", assignee=person)
    if kind == "team":
        value = form.team.data or ""
        team_id = parse_id(value)
        team = db.session.get(ITTeam, team_id) if team_id is not None else None
        if value != "none" and team is None:
            return "That team doesn't exist."
        return services.BulkAction("team", team=team)
    if kind == "priority":
        if form.priority.data not in ("1", "2", "3", "4"):
            return "Please choose a priority."
        return services.BulkAction(
            "priority", priority=int(form.priority.data), reason=form.reason.data or ""
        )
    if form.stage.data not in {stage.value for stage in Stage}:
        return "Please choose a stage."
    return services.BulkAction("stage", stage=Stage(form.stage.data))
