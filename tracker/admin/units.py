"""Business units: list, add, edit."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from tracker.admin.forms import UnitForm
from tracker.admin.views import bp
from tracker.extensions import db
from tracker.models import BusinessUnit, Role, RoleGrant, User
from tracker.web.authz import role_required
from tracker.web.rendering import render

NAME_TAKEN = "There is already a unit called {name}. Unit names must be different."


def dashboard_url(unit_id: int) -> str:
    """The unit's dashboard; a plain path until the relationships screens exist."""
    try:
        return url_for("relationships.unit_dashboard", unit_id=unit_id)
    except BuildError:
        return f"/units/{unit_id}"


def people_with_role(role: Role, keep: User | None = None) -> list[User]:
    """Active people holding `role`, by name, plus `keep` so a current choice survives."""
    people = list(
        db.session.scalars(
            select(User)
            .join(RoleGrant)
            .options(selectinload(User.role_grants))
            .where(RoleGrant.role == role.value, User.active.is_(True))
            .order_by(func.lower(User.display_name), User.id)
        )
    )
    if keep is not None and keep not in people:
        people.insert(0, keep)
    return people


def person_choices(people: list[User], none_label: str, role: Role) -> list[SelectChoice]:
    choices = [SelectChoice("", none_label)]
    for person in people:
        note = ""
        if not person.active:
            note = " (account switched off)"
        elif not person.has_role(role):
            note = f" (no longer {'a BRM' if role is Role.BRM else 'an IT buddy'})"
        label = f"{person.display_name} — {person.email}{note}"
        choices.append(SelectChoice(str(person.id), label))
    return choices


def unit_name_taken(name: str, exclude_id: int | None = None) -> bool:
    query = select(func.count()).select_from(BusinessUnit).where(
        func.lower(BusinessUnit.name) == name.lower()
    )
    if exclude_id is not None:
        query = query.where(BusinessUnit.id != exclude_id)
    return bool(db.session.scalar(query))


@bp.get("/units")
@role_required(Role.ADMIN)
def units():
    """Every unit with its BRM, IT buddy and number of active people: one query."""
    people = (
        select(func.count(User.id))
        .where(User.business_unit_id == BusinessUnit.id, User.active.is_(True))
        .correlate(BusinessUnit)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(BusinessUnit, people)
        .options(joinedload(BusinessUnit.brm), joinedload(BusinessUnit.it_buddy))
        .order_by(func.lower(BusinessUnit.name), BusinessUnit.id)
    ).all()
    return render("admin/units.html", rows=rows, dashboard_url=dashboard_url)


@bp.route("/units/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_unit():
    return _unit_page(BusinessUnit(), UnitForm())


@bp.route("/units/<int(max=2147483647):unit_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_unit(unit_id: int):
    unit = db.session.get(BusinessUnit, unit_id)
    if unit is None:
        abort(404)
    form = UnitForm()
    if not form.is_submitted():
        form.name.data, form.description.data = unit.name, unit.description
        form.objectives.data = "\n".join(unit.objective_list)
        form.brm.data = str(unit.brm_id or "")
        form.it_buddy.data = str(unit.it_buddy_id or "")
    return _unit_page(unit, form)


def _unit_page(unit: BusinessUnit, form: UnitForm):
    """Show the form, or save it and go back to the list."""
    adding = unit.id is None
    form.brm.choices = person_choices(
        people_with_role(Role.BRM, keep=unit.brm), "No BRM yet", Role.BRM
    )
    form.it_buddy.choices = person_choices(
        people_with_role(Role.BUDDY, keep=unit.it_buddy), "No IT buddy yet", Role.BUDDY
    )
    if form.validate_on_submit():
        if unit_name_taken(form.name.data, exclude_id=unit.id):
            form.name.errors.append(NAME_TAKEN.format(name=form.name.data))
        else:
            unit.name = form.name.data
            unit.description = form.description.data or ""
            unit.objectives = "\n".join(form.objective_list())
            unit.brm_id = int(form.brm.data) if form.brm.data else None
            unit.it_buddy_id = int(form.it_buddy.data) if form.it_buddy.data else None
            db.session.add(unit)
            try:
                db.session.commit()
            except IntegrityError:  # someone saved the same name a moment ago
                db.session.rollback()
                form.name.errors.append(NAME_TAKEN.format(name=form.name.data))
            else:
                flash(f"{'Added' if adding else 'Saved'} {unit.name}.", "success")
                return redirect(url_for(".units"), 303)
    status = 422 if form.is_submitted() else 200
    return render("admin/unit_form.html", status=status, form=form, unit=unit,
                  adding=adding, dashboard_url=dashboard_url)
