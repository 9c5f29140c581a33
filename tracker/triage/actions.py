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

from tracker.attachments import services as attachment_services
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
from tracker.web.arguments import ids_in
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


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


def _run_action(reference: str, form, change, message, *, invalid=None, refused=409, **forms):
    """Validate the form, apply `change` and answer; every board action has this shape."""
    service_request = load_request_or_404(reference)
    column = service_request.stage
    if not form.validate_on_submit():
        error = invalid or _first_error(form)
        return _respond(service_request, form, column=column, status=422, error=error, **forms)
    try:
        change(service_request)
    except RequestRuleError as exc:
        db.session.rollback()
        service_request = load_request_or_404(reference)
        return _respond(
            service_request, form, column=column, error=str(exc), status=refused, **forms
        )
    db.session.commit()
    return _respond(service_request, form, column=column, message=message(service_request))


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
    form = AssignForm()
    form.set_people(queries.assignment_options().staff)
    person = None

    def change(service_request):
        nonlocal person
        person = _staff_member(form.assignee.data)
        workflow.assign(service_request, current_user, person, seen_version=form.version.data)

    def message(service_request):
        who = "you" if person is current_user else (person.display_name if person else "nobody")
        return f"{service_request.reference} assigned to {who}."

    return _run_action(
        reference, form, change, message, invalid="Please choose someone from the list."
    )


@bp.post("/requests/<reference>/team")
@staff_required
def set_team(reference: str):
    form = TeamForm()
    form.set_teams(queries.assignment_options().teams)

    def team():
        team_id = parse_id(form.team.data)
        return db.session.get(ITTeam, team_id) if team_id is not None else None

    def change(service_request):
        workflow.set_team(service_request, current_user, team(), seen_version=form.version.data)

    def message(service_request):
        where = service_request.team.name if service_request.team else "no team"
        return f"{service_request.reference} is now with {where}."

    return _run_action(
        reference, form, change, message, invalid="Please choose a team from the list."
    )


@bp.post("/requests/<reference>/priority")
@staff_required
def set_priority(reference: str):
    form = PriorityForm()

    def change(service_request):
        workflow.set_priority(
            service_request, current_user, int(form.priority.data), form.reason.data,
            seen_version=form.version.data,
        )

    return _run_action(
        reference, form, change,
        lambda service_request: f"{service_request.reference} is now P{service_request.priority}.",
        priority_form=form,
    )


@bp.post("/requests/<reference>/stage")
@staff_required
def move(reference: str):
    form = MoveForm()

    def change(service_request):
        workflow.move_stage(
            service_request, current_user, form.stage.data, note=form.note.data or "",
            seen_version=form.version.data,
        )

    def message(service_request):
        stage = service_request.stage_enum.staff_label.lower()
        return f"{service_request.reference} moved to {stage}."

    return _run_action(reference, form, change, message)


@bp.post("/requests/<reference>/note")
@staff_required
def note(reference: str):
    """An internal note or a public reply, from the side panel."""
    form = NoteForm()
    if request.form.get("preview"):
        return _preview_note(reference, form)
    internal = form.visibility.data != "public"

    def change(service_request):
        event = request_services.add_comment(
            service_request, current_user, form.body.data, internal=internal,
            idempotency_key=form.submitted_key(),
        )
        try:
            attachment_services.attach(
                service_request, current_user, form.files.uploads, event=event
            )
        except attachment_services.AttachmentError as exc:
            raise RequestRuleError(" ".join(exc.messages)) from exc

    what = "Note added" if internal else "Reply sent"
    return _run_action(
        reference, form, change,
        lambda service_request: f"{what} on {service_request.reference}.",
        refused=422, note_form=form,
    )


def _preview_note(reference: str, form: NoteForm):
    """The panel again with the reply as the requester will see it; nothing is sent."""
    service_request = load_request_or_404(reference)
    valid = form.validate()
    context = panel_context(
        service_request, filters_from_next(form.next.data), note_form=form, preview=True,
        error=None if valid else _first_error(form),
    )
    return render("triage/panel.html", block="panel", status=200 if valid else 422, **context)


@bp.post("/bulk")
@staff_required
def bulk():
    """One action for every selected request; the answer says what changed and what not."""
    filters = filters_from_next(request.form.get("next"))
    options = queries.filter_options()
    form = _bulk_form(options, filters, formdata=request.form)
    ids = sorted(ids_in(request.form.getlist("ids")))
    error = None
    if not ids:
        error = "Please select at least one request first."
    elif len(ids) > services.MAX_BULK:
        error = f"Please select at most {services.MAX_BULK} requests at a time."
    elif not form.validate_on_submit():
        error = next(iter(form.errors.values()))[0]
    if error is not None:
        # The board again (the fragment for htmx), with the selection and the choices kept.
        context = board_context(filters, utcnow(), bulk_form=form, bulk_error=error,
                                selected=set(ids))
        return render("triage/board.html", block="board", status=422, **context)

    action = _bulk_action(form)
    if isinstance(action, str):
        result = services.BulkResult(skipped=[("", action)])
    else:
        # Locked in id order, like a single action locks its one request, so a bulk
        # change and a card action on the same request take turns.
        chosen = list(
            db.session.scalars(
                select(ServiceRequest)
                .where(ServiceRequest.id.in_(ids))
                .order_by(ServiceRequest.id)
                .with_for_update()
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
