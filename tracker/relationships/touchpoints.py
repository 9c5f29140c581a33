"""The touchpoint log: meetings and check-ins with a unit, and the next actions agreed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation, ValidationError

from tracker.auth.redirects import safe_next_url
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import BusinessUnit, NextAction, Touchpoint, TouchpointKind, User
from tracker.relationships.access import can_log_touchpoints, load_unit_or_404
from tracker.relationships.blueprint import bp
from tracker.web.arguments import page_number
from tracker.web.forms import RapportForm
from tracker.web.rendering import render

PAGE_SIZE = 20
ACTION_ROWS = 3
BAD_DATE = "Please enter a date like 2026-03-31."


def _filled(field) -> bool:
    return bool(field.raw_data and " ".join(field.raw_data).strip())


class ActionRow(Form):
    """One next action; a row is either left empty or filled in completely."""

    description = StringField(
        "What needs doing",
        validators=[Length(max=300, message="Please keep it under 300 characters.")],
    )
    owner = StringField(
        "Who", validators=[Length(max=120, message="Please keep it under 120 characters.")]
    )
    due_on = DateField("By when", invalid_value_message=BAD_DATE)

    # Set by TouchpointForm before validation, for "not due before it was agreed".
    touchpoint_date: date | None = None

    def is_blank(self) -> bool:
        return not any(_filled(field) for field in (self.description, self.owner, self.due_on))

    def validate_description(self, field):
        if not self.is_blank() and not (field.data or "").strip():
            raise ValidationError("Please say what needs doing.")

    def validate_owner(self, field):
        if not self.is_blank() and not (field.data or "").strip():
            raise ValidationError("Please say who will do it.")

    def validate_due_on(self, field):
        if self.is_blank() or not _filled(field):
            field.errors[:] = []  # an empty date is only wrong in a row that has other values
            if self.is_blank():
                raise StopValidation()
            raise StopValidation("Please add a due date.")
        if field.data and self.touchpoint_date and field.data < self.touchpoint_date:
            raise ValidationError("The due date can't be before the touchpoint itself.")


class TouchpointForm(RapportForm):
    happened_on = DateField(
        "When was it?",
        default=lambda: utcnow().date(),
        invalid_value_message=BAD_DATE,
        validators=[InputRequired("Please enter the date it happened.")],
    )
    kind = SelectField(
        "What kind of touchpoint",
        choices=[SelectChoice(kind.value, kind.label) for kind in TouchpointKind],
        default=TouchpointKind.MEETING.value,
        invalid_choice_message="Please choose the kind of touchpoint from the list.",
    )
    attendees = TextAreaField(
        "Who was there? (optional)",
        validators=[Length(max=2000, message="Please keep it under 2,000 characters.")],
    )
    notes = TextAreaField(
        "What was discussed",
        validators=[
            DataRequired("Please write a few words about what was discussed."),
            Length(max=10000, message="Please keep it under 10,000 characters."),
        ],
    )
    actions = FieldList(FormField(ActionRow), min_entries=ACTION_ROWS, max_entries=ACTION_ROWS)

    def validate_happened_on(self, field):
        if field.data and field.data > utcnow().date():
            raise ValidationError("That date is in the future. Log a touchpoint once it happened.")

    def validate(self, extra_validators=None) -> bool:
        for row in self.actions:
            row.form.touchpoint_date = self.happened_on.data
        return super().validate(extra_validators)


@dataclass(frozen=True)
class ActionEntry:
    description: str
    owner: str
    due_on: date


@dataclass(frozen=True)
class TouchpointEntry:
    happened_on: date
    kind: str
    attendees: str
    notes: str
    actions: list[ActionEntry]

    @classmethod
    def from_form(cls, form: TouchpointForm) -> TouchpointEntry:
        return cls(
            happened_on=form.happened_on.data,
            kind=form.kind.data,
            attendees=(form.attendees.data or "").strip(),
            notes=form.notes.data.strip(),
            actions=[
                ActionEntry(row.description.data.strip(), row.owner.data.strip(), row.due_on.data)
                for row in (entry.form for entry in form.actions)
                if not row.is_blank()
            ],
        )


def log_touchpoint(unit: BusinessUnit, author: User, entry: TouchpointEntry) -> Touchpoint:
    """Add a touchpoint and its next actions; flushes, doesn't commit."""
    touchpoint = Touchpoint(
        business_unit_id=unit.id,
        happened_on=entry.happened_on,
        kind=TouchpointKind(entry.kind).value,
        attendees=entry.attendees,
        notes=entry.notes,
        created_by_id=author.id,
        actions=[
            NextAction(business_unit_id=unit.id, description=a.description, owner=a.owner,
                       due_on=a.due_on)
            for a in entry.actions
        ],
    )
    db.session.add(touchpoint)
    db.session.flush()
    return touchpoint


def mark_done(action: NextAction, person: User) -> None:
    """Done stays done with its first date; flushes, doesn't commit."""
    if action.done_at is None:
        action.done_at = utcnow()
        action.done_by_id = person.id
        db.session.flush()


def reopen(action: NextAction) -> None:
    action.done_at = None
    action.done_by_id = None
    db.session.flush()


def recent_touchpoints(unit_id: int, limit: int = 5) -> list[Touchpoint]:
    """The unit's latest touchpoints, newest first, with their actions (two queries)."""
    return list(db.session.scalars(_log_query(unit_id).limit(limit)))


def open_actions(unit_ids: list[int]) -> list[NextAction]:
    """Actions not done yet across these units, soonest due first, with their touchpoints."""
    if not unit_ids:
        return []
    return list(
        db.session.scalars(
            select(NextAction)
            .options(joinedload(NextAction.touchpoint))
            .where(NextAction.business_unit_id.in_(unit_ids), NextAction.done_at.is_(None))
            .order_by(NextAction.due_on, NextAction.id)
        )
    )


def _log_query(unit_id: int):
    return (
        select(Touchpoint)
        .options(joinedload(Touchpoint.created_by), selectinload(Touchpoint.actions))
        .where(Touchpoint.business_unit_id == unit_id)
        .order_by(Touchpoint.happened_on.desc(), Touchpoint.id.desc())
    )


@bp.route("/units/<int(max=2147483647):unit_id>/touchpoints/new", methods=["GET", "POST"])
@login_required
def new_touchpoint(unit_id: int):
    """Log a meeting or check-in, with up to three next actions, without any JavaScript."""
    unit = load_unit_or_404(current_user, unit_id, check=can_log_touchpoints)
    form = TouchpointForm()
    if form.validate_on_submit():
        touchpoint = log_touchpoint(unit, current_user, TouchpointEntry.from_form(form))
        db.session.commit()
        count = len(touchpoint.actions)
        extra = f" with {count} next action{'s' if count != 1 else ''}" if count else ""
        flash(f"Touchpoint with {unit.name} logged{extra}.", "success")
        return redirect(url_for(".touchpoints", unit_id=unit.id), 303)
    status = 422 if form.is_submitted() else 200
    return render("relationships/touchpoint_form.html", status=status, form=form, unit=unit,
                  today=utcnow().date())


@bp.get("/units/<int(max=2147483647):unit_id>/touchpoints")
@login_required
def touchpoints(unit_id: int):
    """The whole log, newest first, twenty to a page."""
    unit = load_unit_or_404(current_user, unit_id)
    pagination = db.paginate(
        _log_query(unit.id),
        page=page_number(request.args),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render("relationships/touchpoints.html", unit=unit, pagination=pagination,
                  can_log=can_log_touchpoints(current_user, unit), today=utcnow().date())


def _action_or_404(unit: BusinessUnit, action_id: int) -> NextAction:
    action = db.session.get(NextAction, action_id)
    if action is None or action.business_unit_id != unit.id:
        abort(404)
    return action


def _back(unit: BusinessUnit):
    target = safe_next_url(request.form.get("next")) or url_for(".touchpoints", unit_id=unit.id)
    return redirect(target, 303)


@bp.post("/units/<int(max=2147483647):unit_id>/actions/<int(max=2147483647):action_id>/done")
@login_required
def complete_action(unit_id: int, action_id: int):
    unit = load_unit_or_404(current_user, unit_id, check=can_log_touchpoints)
    action = _action_or_404(unit, action_id)
    mark_done(action, current_user)
    db.session.commit()
    flash(f"Done: {action.description}", "success")
    return _back(unit)


@bp.post("/units/<int(max=2147483647):unit_id>/actions/<int(max=2147483647):action_id>/reopen")
@login_required
def reopen_action(unit_id: int, action_id: int):
    unit = load_unit_or_404(current_user, unit_id, check=can_log_touchpoints)
    action = _action_or_404(unit, action_id)
    reopen(action)
    db.session.commit()
    flash(f"Open again: {action.description}", "success")
    return _back(unit)
