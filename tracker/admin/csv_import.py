"""Reading a CSV file of units or people into a plan of checked rows, and writing it."""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.admin.forms import (
    DESCRIPTION_MAX,
    EMAIL_MAX,
    IMPORT_MAX_BYTES,
    JOB_TITLE_MAX,
    NAME_MAX,
    PHONE_MAX,
    is_valid_email,
    objective_problems,
)
from tracker.auth.passwords import hash_password
from tracker.extensions import db
from tracker.models import BusinessUnit, Role, User
from tracker.web.forms import text_problem

# Required columns first; header names are matched case-insensitively.
COLUMNS = {
    "units": (("name",), ("description", "objectives", "brm_email", "it_buddy_email")),
    "people": (("email", "name"), ("unit", "roles", "job_title", "phone", "it_buddy_email")),
}
NOT_TEXT = (
    "We couldn't read this file as text. Please save it from your spreadsheet as "
    "\u201cCSV UTF-8\u201d and upload it again."
)
ROLE_VALUES = frozenset(role.value for role in Role)
ROLE_NAMES = ", ".join(role.value for role in Role)


class ImportFileError(ValueError):
    """The upload is not a text file we can read."""


@dataclass
class PlannedRow:
    """One row of the file: what it holds, what the import would do, what is wrong."""

    number: int  # as a spreadsheet shows it; the header is row 1
    values: dict[str, str]
    action: str = "new"  # "new", "update" or "no change"
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # model values to write
    existing_id: int | None = None


@dataclass
class ImportPlan:
    """Everything the import would do; nothing is written while planning."""

    kind: str
    columns: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the whole file

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action and not row.errors)

    @property
    def error_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not self.error_rows

    @property
    def summary(self) -> str:
        parts = [_plural(self.count("new"), "new", "new"),
                 _plural(self.count("update"), "update", "updates")]
        if self.count("no change"):
            parts.append(_plural(self.count("no change"), "unchanged", "unchanged"))
        parts.append(_plural(len(self.error_rows), "error", "errors"))
        return f"{_plural(len(self.rows), 'row', 'rows')}: {', '.join(parts)}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def decode_upload(raw: bytes) -> str:
    """The file as text: UTF-8, with or without a byte order mark."""
    if b"\x00" in raw:
        raise ImportFileError(NOT_TEXT)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(NOT_TEXT) from exc


def _header_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.strip().lower())


def _read(kind: str, text: str) -> ImportPlan:
    """Split the text into rows under known columns, or say what is wrong with the file."""
    plan = ImportPlan(kind)
    if "\x00" in text:  # as for an upload; the text comes back from the preview form
        plan.problems.append(NOT_TEXT)
        return plan
    if len(text.encode("utf-8")) > IMPORT_MAX_BYTES:
        plan.problems.append("The file is larger than 1 MB. Please split it into smaller files.")
        return plan
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if "," not in first_line and ";" in first_line else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        plan.problems.append(f"This doesn't look like a CSV file ({exc}).")
        return plan
    if not records or not any(cell.strip() for cell in records[0]):
        plan.problems.append("The file is empty, or its first row has no column names.")
        return plan
    required, optional = COLUMNS[kind]
    header = [_header_name(cell) for cell in records[0]]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        plan.problems.append(f"These columns appear twice: {', '.join(repeated)}.")
    missing = [name for name in required if name not in header]
    if missing:
        plan.problems.append(
            f"The file needs {'a column' if len(missing) == 1 else 'columns'} called "
            f"{' and '.join(missing)}. The first row should hold the column names: "
            f"{', '.join(required + optional)}."
        )
    if plan.problems:
        return plan
    plan.columns = [name for name in header if name in required + optional]
    plan.ignored = [cell.strip() for cell, name in zip(records[0], header, strict=True)
                    if name not in required + optional and cell.strip()]
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines are skipped but still counted, as a spreadsheet does
        values = {name: (record[i].strip() if i < len(record) else "")
                  for i, name in enumerate(header) if name in plan.columns}
        row = PlannedRow(number, values)
        for name, value in values.items():
            if text_problem(value, multiline=False):
                row.errors.append(
                    f"The {name.replace('_', ' ')} has characters we can't store (hidden "
                    "control characters, or text that wasn't saved as UTF-8). Please retype it."
                )
        extra = [cell for cell in record[len(header):] if cell.strip()]
        if extra:
            row.errors.append(f"This row has more cells than the header has columns "
                              f"({len(header)}).")
        plan.rows.append(row)
    if not plan.rows:
        plan.problems.append("The file has column names but no rows below them.")
    return plan


def plan_import(kind: str, text: str, admin_id: int | None = None) -> ImportPlan:
    """Read and check every row against the database; writes nothing."""
    plan = _read(kind, text)
    if plan.rows:
        if kind == "units":
            _plan_units(plan)
        else:
            _plan_people(plan, admin_id)
    return plan


def _check(row: PlannedRow, column: str, label: str, limit: int, required: bool = False) -> str:
    value = row.values.get(column, "")
    if required and not value:
        row.errors.append(f"The {label} is missing.")
    elif len(value) > limit:
        row.errors.append(f"The {label} is {len(value)} characters long; the most is {limit}.")
    return value


def _people_by_email(emails) -> dict[str, User]:
    emails, found = sorted({e for e in emails if e}), {}
    for start in range(0, len(emails), 500):
        chunk = emails[start:start + 500]
        for person in db.session.scalars(
            select(User)
            .options(selectinload(User.role_grants), selectinload(User.it_buddy))
            .where(func.lower(User.email).in_(chunk))
        ):
            found[person.email.lower()] = person
    return found


def _note_duplicate(row: PlannedRow, key: str, seen: dict[str, int], what: str) -> None:
    if key in seen:
        row.errors.append(f"This {what} is already on row {seen[key]}; each may appear once.")
    else:
        seen[key] = row.number


def _settle(row: PlannedRow, existing, labels: dict[str, str], current) -> None:
    """Compare the wanted values with what is stored: new, update or no change."""
    if existing is None:
        row.action = "new"
        return
    row.existing_id = existing.id
    row.changes = [label for key, label in labels.items()
                   if key in row.data and current(key) != row.data[key]]
    row.action = "update" if row.changes else "no change"


UNIT_LABELS = {"name": "name", "description": "description", "objectives": "objectives",
               "brm_id": "BRM", "it_buddy_id": "IT buddy"}


def _plan_units(plan: ImportPlan) -> None:
    units = {u.name.lower(): u for u in db.session.scalars(select(BusinessUnit))}
    people = _people_by_email(
        row.values.get(col, "").lower() for row in plan.rows
        for col in ("brm_email", "it_buddy_email")
    )
    seen: dict[str, int] = {}
    for row in plan.rows:
        name = _check(row, "name", "name", NAME_MAX, required=True)
        if name:
            _note_duplicate(row, name.lower(), seen, "unit name")
        row.data["name"] = name
        if "description" in plan.columns:
            row.data["description"] = _check(row, "description", "description", DESCRIPTION_MAX)
        if "objectives" in plan.columns:
            lines = [part.strip() for part in re.split(r"[;|]", row.values["objectives"])]
            lines = [line for line in lines if line]
            row.errors.extend(objective_problems(lines))
            row.data["objectives"] = "\n".join(lines)
        for column, attr, role in (("brm_email", "brm_id", Role.BRM),
                                   ("it_buddy_email", "it_buddy_id", Role.BUDDY)):
            if column in plan.columns:
                person = _staff(row, column, role, people)
                row.data[attr] = person.id if person else None
        existing = units.get(name.lower())
        _settle(row, existing, UNIT_LABELS, lambda key, unit=existing: _unit_value(unit, key))


def _unit_value(unit: BusinessUnit, key: str):
    value = getattr(unit, key)
    return (value or "") if key in ("description", "objectives") else value


def _role_words(role: Role) -> str:
    return "a business relationship manager" if role is Role.BRM else "an IT buddy"


def _staff(row: PlannedRow, column: str, role: Role, people, planned=None) -> User | None:
    """The active person with `role` named in `column`; `planned` holds people in the file."""
    email = row.values.get(column, "").lower()
    if not email:
        return None
    if not is_valid_email(email):
        row.errors.append(f"\u201c{email}\u201d in {column} isn't a valid e-mail address.")
        return None
    if planned and email in planned:
        roles, active = planned[email]
        if role not in roles:
            row.errors.append(f"{email} ({column}) isn't {_role_words(role)}.")
        elif not active:
            row.errors.append(f"{email} ({column}) can't sign in: their account is switched off.")
        return None
    person = people.get(email)
    if person is None:
        row.errors.append(f"No one has the e-mail {email} ({column}).")
    elif not person.active:
        row.errors.append(f"{email} ({column}) can't sign in: their account is switched off.")
    elif not person.has_role(role):
        row.errors.append(f"{person.display_name} ({email}, {column}) isn't {_role_words(role)}. "
                          f"Give them that role first.")
    else:
        return person
    return None


PERSON_LABELS = {"display_name": "name", "business_unit_id": "unit", "roles": "roles",
                 "job_title": "job title", "phone": "phone", "it_buddy_email": "IT buddy"}


def _parse_roles(row: PlannedRow) -> set[Role]:
    roles = {Role.REQUESTER}
    for word in re.split(r"[;,|\s]+", row.values.get("roles", "").lower()):
        if not word:
            continue
        if word in ROLE_VALUES:
            roles.add(Role(word))
        else:
            row.errors.append(f"Unknown role \u201c{word}\u201d. The roles are: {ROLE_NAMES}.")
    return roles


def _plan_people(plan: ImportPlan, admin_id: int | None) -> None:
    units = {u.name.lower(): u for u in db.session.scalars(select(BusinessUnit))}
    people = _people_by_email(
        row.values.get(col, "").lower() for row in plan.rows for col in ("email", "it_buddy_email")
    )
    seen: dict[str, int] = {}
    planned: dict[str, tuple[set[Role], bool]] = {}  # who the file's people will be
    for row in plan.rows:
        email = _check(row, "email", "e-mail", EMAIL_MAX, required=True).lower()
        row.values["email"] = email
        if email and not is_valid_email(email):
            row.errors.append(f"\u201c{email}\u201d isn't a valid e-mail address.")
        elif email:
            _note_duplicate(row, email, seen, "e-mail")
        row.data["display_name"] = _check(row, "name", "name", NAME_MAX, required=True)
        existing = people.get(email)
        if "roles" in plan.columns:
            row.data["roles"] = _parse_roles(row)
            if existing and existing.id == admin_id and Role.ADMIN not in row.data["roles"]:
                row.errors.append("You can't remove your own administrator role.")
        if email and email not in planned:
            roles = row.data.get("roles") or (existing.roles if existing else {Role.REQUESTER})
            planned[email] = (set(roles), existing.active if existing else True)
    for row in plan.rows:
        email = row.values["email"]
        existing = people.get(email)
        if "unit" in plan.columns:
            unit_name = row.values["unit"]
            unit = units.get(unit_name.lower())
            if unit_name and unit is None:
                row.errors.append(f"There is no unit called \u201c{unit_name}\u201d. "
                                  f"Add it (or import units) first.")
            row.data["business_unit_id"] = unit.id if unit else None
        for column, limit in (("job_title", JOB_TITLE_MAX), ("phone", PHONE_MAX)):
            if column in plan.columns:
                row.data[column] = _check(row, column, column.replace("_", " "), limit) or None
        if "it_buddy_email" in plan.columns:
            buddy_email = row.values["it_buddy_email"].lower()
            if buddy_email and buddy_email == email:
                row.errors.append("A person can't be their own IT buddy.")
            else:
                _staff(row, "it_buddy_email", Role.BUDDY, people, planned)
            row.data["it_buddy_email"] = buddy_email or None
        _settle(row, existing, PERSON_LABELS,
                lambda key, person=existing: _person_value(person, key))


def _person_value(person: User, key: str):
    if key == "roles":
        return set(person.roles)
    if key == "it_buddy_email":
        return person.it_buddy.email.lower() if person.it_buddy else None
    return getattr(person, key)


def write_plan(plan: ImportPlan) -> int:
    """Write every new and changed row; flushes, the caller commits. Returns rows written."""
    if not plan.ok:
        raise ValueError("only a plan without errors can be written")
    rows = [row for row in plan.rows if row.action in ("new", "update")]
    if plan.kind == "units":
        units = {u.id: u for u in db.session.scalars(select(BusinessUnit))}
        for row in rows:
            unit = units[row.existing_id] if row.existing_id else BusinessUnit()
            for key, value in row.data.items():
                setattr(unit, key, value)
            db.session.add(unit)
    else:
        _write_people(rows)
    db.session.flush()
    return len(rows)


def _write_people(rows: list[PlannedRow]) -> None:
    people = _people_by_email(row.values["email"] for row in rows)
    # Nobody knows this password, so imported people can't sign in until an admin sets one.
    unusable = hash_password(secrets.token_urlsafe(32)) if any(
        row.action == "new" for row in rows) else ""
    for row in rows:
        person = people.get(row.values["email"])
        if person is None:
            person = User(email=row.values["email"], password_hash=unusable, active=True)
            person.set_roles({Role.REQUESTER})
            people[person.email] = person
            db.session.add(person)
        for key, value in row.data.items():
            if key == "roles":
                person.set_roles(value)
            elif key != "it_buddy_email":
                setattr(person, key, value)
    db.session.flush()
    buddies = _people_by_email(row.data.get("it_buddy_email") for row in rows)
    for row in rows:
        if "it_buddy_email" in row.data:
            buddy = buddies.get(row.data["it_buddy_email"] or "")
            people[row.values["email"]].it_buddy_id = buddy.id if buddy else None
