"""The board, its list view, the side panel, the refresh cue and saved views."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from tracker.attachments.queries import files_for
from tracker.auth.redirects import safe_next_url
from tracker.database import utcnow
from tracker.extensions import db
from tracker.service_requests import sla, workflow
from tracker.service_requests.queries import load_request_or_404, timeline_for
from tracker.triage import queries, services
from tracker.triage.filters import BUILT_IN_VIEWS, SORTS, BoardFilters
from tracker.triage.forms import (
    AssignForm,
    BulkForm,
    DeleteViewForm,
    MoveForm,
    NoteForm,
    PriorityForm,
    SavedViewForm,
    TeamForm,
)
from tracker.web.arguments import ids_in, page_number
from tracker.web.authz import staff_required
from tracker.web.rendering import render

bp = Blueprint("triage", __name__, url_prefix="/board")

PANEL_EVENTS = 12


def board_url(filters: BoardFilters, **overrides) -> str:
    return url_for("triage.board", **filters.params(**overrides))


def filters_from_next(target: str | None) -> BoardFilters:
    """The filters of the board page an action came from."""
    query = urlsplit(target or "").query
    return BoardFilters.from_args(MultiDict(parse_qsl(query)))


def safe_board_url(target: str | None) -> str:
    """Go back to the board (with its filters), never anywhere else."""
    url = safe_next_url(target)
    if url:
        path = unquote(urlsplit(url).path)
        segments = path.split("/")
        if (path == "/board" or path.startswith("/board/")) and not (
            {".", ".."} & set(segments)
        ):
            return url
    return url_for("triage.board")


def board_context(filters: BoardFilters, now: datetime, **extra) -> dict:
    """Everything the board template needs, in a fixed number of queries."""
    options = queries.filter_options()
    if filters.category and filters.category not in {c.slug for c in options.categories}:
        filters = replace(filters, category="")
    context = {
        "filters": filters,
        "now": now,
        "options": options,
        "sorts": SORTS,
        "built_in_views": BUILT_IN_VIEWS,
        "saved_views": queries.saved_views_of(current_user),
        "workload": queries.workload(),
        "selected": ids_in(request.args.getlist("ids")),
        "refresh_seconds": current_app.config.get("RAPPORT_BOARD_REFRESH_SECONDS", 20),
        "bulk_form": extra.pop("bulk_form", None) or _bulk_form(options, filters),
        "view_form": extra.pop("view_form", None) or SavedViewForm(formdata=None),
        "delete_view_form": DeleteViewForm(formdata=None),
        "board_url": board_url(filters),
        **extra,
    }
    if filters.view == "list":
        context["pagination"] = queries.list_page(
            filters, current_user, now, page=page_number(request.args)
        )
    else:
        context["columns"] = queries.board_columns(filters, current_user, now)
    return context


def _bulk_form(options, filters: BoardFilters, formdata=None) -> BulkForm:
    form = BulkForm(formdata=formdata)
    form.assignee.choices = [
        SelectChoice("me", "Me"),
        SelectChoice("none", "Nobody"),
        *(SelectChoice(str(p.id), p.display_name) for p in options.staff),
    ]
    form.team.choices = [
        SelectChoice("none", "No team"),
        *(SelectChoice(str(t.id), t.name) for t in options.teams),
    ]
    if formdata is None:
        form.next.data = board_url(filters)
    return form


@bp.get("")
@staff_required
def board():
    """The triage board (columns by stage) or the same requests as a sortable list."""
    filters = BoardFilters.from_args(request.args)
    return render("triage/board.html", block="board", **board_context(filters, utcnow()))


@bp.get("/pulse")
@staff_required
def pulse():
    """The "n changed since you looked" cue, polled by the open board."""
    filters = BoardFilters.from_args(request.args)
    try:
        since = datetime.fromisoformat(request.args.get("since", ""))
    except ValueError:
        since = utcnow()
    if since.tzinfo is None:
        abort(400)
    now = utcnow()
    changed = queries.changes_since(filters, current_user, now, since)
    # Column counts stay current without moving any card under the agent's cursor.
    counts = queries.stage_counts(filters, current_user, now) if filters.view == "board" else {}
    return render(
        "triage/_pulse.html",
        filters=filters,
        since=since,
        changed=changed,
        counts=counts,
        oob_counts=True,
        refresh_seconds=current_app.config.get("RAPPORT_BOARD_REFRESH_SECONDS", 20),
        board_url=board_url(filters),
    )


def panel_context(service_request, filters: BoardFilters, **forms) -> dict:
    """The side panel: the request, its clock, every action and the recent timeline."""
    options = queries.assignment_options()
    now = utcnow()
    back = board_url(filters)

    def prepared(form, **values):
        form.version.data = service_request.version
        form.ctx.data = "panel"
        form.next.data = back
        for name, value in values.items():
            getattr(form, name).data = value
        return form

    assign_form = forms.get("assign_form") or AssignForm(formdata=None)
    assign_form.set_people(options.staff)
    team_form = forms.get("team_form") or TeamForm(formdata=None)
    team_form.set_teams(options.teams)
    move_form = forms.get("move_form") or MoveForm(formdata=None)
    moves = workflow.allowed_stage_moves(service_request)
    move_form.stage.choices = [
        SelectChoice("", "Choose a stage…"),
        *(SelectChoice(s.value, s.staff_label) for s in moves),
    ]
    events = timeline_for(service_request, current_user)
    return {
        "req": service_request,
        "filters": filters,
        "board_url": back,
        "now": now,
        "clock_state": sla.state_of(service_request, now).value,
        "clock_words": sla.describe(service_request, now),
        "events": events[-PANEL_EVENTS:],
        "earlier_events": max(len(events) - PANEL_EVENTS, 0),
        "request_files": files_for(service_request, current_user),
        "assign_form": prepared(
            assign_form,
            assignee=str(service_request.assignee_id) if service_request.assignee_id else "none",
        ),
        "team_form": prepared(
            team_form, team=str(service_request.team_id) if service_request.team_id else "none"
        ),
        "priority_form": prepared(
            forms.get("priority_form") or PriorityForm(formdata=None),
            priority=str(service_request.priority),
        ),
        "move_form": prepared(move_form),
        "note_form": prepared(forms.get("note_form") or NoteForm(formdata=None)),
        "moves": moves,
        "error": forms.get("error"),
        "preview": forms.get("preview", False),
    }


@bp.get("/requests/<reference>")
@staff_required
def panel(reference: str):
    """The side panel (htmx) or, without JavaScript, the same as a page of its own."""
    service_request = load_request_or_404(reference)
    filters = BoardFilters.from_args(request.args)
    return render(
        "triage/panel.html", block="panel", **panel_context(service_request, filters)
    )


@bp.post("/views")
@staff_required
def save_view():
    form = SavedViewForm()
    filters = filters_from_next("?" + (form.query.data or ""))
    if form.validate_on_submit():
        try:
            view = services.save_view(current_user, form.name.data, form.query.data or "")
        except services.SavedViewError as exc:
            db.session.rollback()
            form.name.errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"Saved the view “{view.name}”.", "success")
            return redirect(board_url(filters), 303)
    context = board_context(filters, utcnow(), view_form=form)
    return render("triage/board.html", status=422, **context)


@bp.post("/views/<int(max=2147483647):view_id>/delete")
@staff_required
def delete_view(view_id: int):
    form = DeleteViewForm()
    view = services.own_view(current_user, view_id)
    if view is None:
        abort(404)
    if form.validate_on_submit():
        db.session.delete(view)
        db.session.commit()
        flash(f"Deleted the view “{view.name}”.", "success")
    return redirect(url_for("triage.board"), 303)
