"""People: list and search, add, edit roles, unit, IT buddy, password and access."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from tracker.admin.forms import PersonForm
from tracker.admin.units import people_with_role, person_choices
from tracker.admin.views import bp
from tracker.auth.passwords import hash_password
from tracker.auth.sessions import VERSION_KEY
from tracker.extensions import db
from tracker.models import BusinessUnit, Role, User
from tracker.models.requests import parse_id
from tracker.web.arguments import page_number, search_words
from tracker.web.authz import role_required
from tracker.web.rendering import render

PER_PAGE = 50
EMAIL_TAKEN = "There is already an account for {email}."


@dataclass(frozen=True)
class PeopleFilters:
    q: str = ""
    unit: str = ""  # "" any unit, "none" without a unit, or a unit id

    @classmethod
    def from_args(cls, args) -> PeopleFilters:
        unit = args.get("unit", "").strip()
        if unit != "none" and parse_id(unit) is None:
            unit = ""
        return cls(q=search_words(args.get("q", ""), 200), unit=unit)

    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("q", self.q), ("unit", self.unit)) if v}

    def apply(self, query):
        if self.q:
            needle = self.q.lower()
            query = query.where(
                or_(
                    func.lower(User.display_name).contains(needle, autoescape=True),
                    func.lower(User.email).contains(needle, autoescape=True),
                )
            )
        if self.unit == "none":
            query = query.where(User.business_unit_id.is_(None))
        elif self.unit:
            query = query.where(User.business_unit_id == int(self.unit))
        return query


def email_taken(email: str, exclude_id: int | None = None) -> bool:
    query = select(func.count()).select_from(User).where(func.lower(User.email) == email.lower())
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return bool(db.session.scalar(query))


def all_units() -> list[BusinessUnit]:
    return list(
        db.session.scalars(select(BusinessUnit).order_by(func.lower(BusinessUnit.name)))
    )


@bp.get("/people")
@role_required(Role.ADMIN)
def people():
    """Everyone, 50 to a page, searchable by name or e-mail and filtered by unit."""
    filters = PeopleFilters.from_args(request.args)
    query = filters.apply(
        select(User)
        .options(
            selectinload(User.role_grants),
            joinedload(User.business_unit),
            joinedload(User.it_buddy),
        )
        .order_by(func.lower(User.display_name), User.id)
    )
    pagination = db.paginate(
        query,
        page=page_number(request.args),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render("admin/people.html", pagination=pagination, filters=filters,
                  units=all_units())


@bp.route("/people/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_person():
    form = PersonForm()
    if not form.is_submitted():
        form.active.data = True
    return _person_page(User(), form)


@bp.route("/people/<int(max=2147483647):user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_person(user_id: int):
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    form = PersonForm()
    if not form.is_submitted():
        form.display_name.data, form.email.data = person.display_name, person.email
        form.job_title.data, form.phone.data = person.job_title, person.phone
        form.unit.data = str(person.business_unit_id or "")
        form.it_buddy.data = str(person.it_buddy_id or "")
        form.roles.data = sorted(r.value for r in person.roles if r is not Role.REQUESTER)
        form.active.data = person.active
    return _person_page(person, form)


def _person_page(person: User, form: PersonForm):
    """Show the form, or check the house rules, save and go back to the list."""
    adding = person.id is None
    form.unit.choices = [SelectChoice("", "No unit")] + [
        SelectChoice(str(u.id), u.name) for u in all_units()
    ]
    buddies = [b for b in people_with_role(Role.BUDDY, keep=person.it_buddy) if b is not person]
    form.it_buddy.choices = person_choices(buddies, "Use the unit's IT buddy", Role.BUDDY)
    fields_ok = form.validate_on_submit()
    rules_ok = form.is_submitted() and _house_rules(person, form, adding)
    if fields_ok and rules_ok:
        _apply(person, form)
        db.session.add(person)
        try:
            db.session.commit()
        except IntegrityError:  # the same e-mail was saved a moment ago
            db.session.rollback()
            form.email.errors.append(EMAIL_TAKEN.format(email=form.email.data))
        else:
            flash(f"{'Added' if adding else 'Saved'} {person.display_name}.", "success")
            return redirect(url_for(".people"), 303)
    status = 422 if form.is_submitted() else 200
    return render("admin/person_form.html", status=status, form=form, person=person,
                  adding=adding)


def _house_rules(person: User, form: PersonForm, adding: bool) -> bool:
    """Checks that need the database or the signed-in admin; errors go next to the field."""
    ok = True
    # Only an address that passed its own checks is looked up (PostgreSQL refuses NUL).
    if form.email.data and not form.email.errors and email_taken(form.email.data,
                                                                  exclude_id=person.id):
        form.email.errors = [*form.email.errors, EMAIL_TAKEN.format(email=form.email.data)]
        ok = False
    if adding and not form.password.data:
        form.password.errors = [
            *form.password.errors,
            "Please set a password for the new person; they can change it later.",
        ]
        ok = False
    if not adding and person.id == current_user.id:
        if Role.ADMIN.value not in (form.roles.data or []):
            form.roles.errors = [
                *form.roles.errors,
                "You can't remove your own administrator role. "
                "Ask another administrator to do it.",
            ]
            ok = False
        if not form.active.data:
            form.active.errors = [
                *form.active.errors,
                "You can't switch off your own account while you are signed in with it.",
            ]
            ok = False
    return ok


def _apply(person: User, form: PersonForm) -> None:
    person.display_name = form.display_name.data
    person.email = form.email.data
    person.job_title = form.job_title.data or None
    person.phone = form.phone.data or None
    person.business_unit_id = int(form.unit.data) if form.unit.data else None
    person.it_buddy_id = int(form.it_buddy.data) if form.it_buddy.data else None
    switched_off = bool(person.active) and not form.active.data
    person.active = bool(form.active.data)
    person.set_roles({Role.REQUESTER, *(Role(r) for r in form.roles.data or [])})
    if form.password.data:
        person.password_hash = hash_password(form.password.data)
    if person.id is not None and (form.password.data or switched_off):
        # A new password or a switched-off account ends that person's sessions everywhere;
        # an administrator changing their own password stays signed in on this device.
        person.end_sessions()
        if current_user.is_authenticated and current_user.id == person.id:
            session[VERSION_KEY] = person.session_version
