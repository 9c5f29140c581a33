"""Administrator forms: SLA policies, business units, people and CSV import."""

from __future__ import annotations

import re

from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.models import Role
from tracker.web.forms import FiniteDecimalField, RapportForm, stripped

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MAX_HOURS = 24 * 365


def _hours(label: str) -> FiniteDecimalField:
    return FiniteDecimalField(
        label,
        places=2,
        validators=[
            InputRequired("Please give a number of hours."),
            NumberRange(min=0.25, max=MAX_HOURS, message="Between a quarter hour and a year."),
        ],
    )


class SLAPolicyForm(RapportForm):
    weekdays = SelectMultipleField(
        "Working days",
        choices=[SelectChoice(str(i), day) for i, day in enumerate(WEEKDAYS)],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired("Choose at least one working day.")],
    )
    opens = TimeField("Opens", validators=[InputRequired("When does IT start work?")])
    closes = TimeField("Closes", validators=[InputRequired("When does IT stop work?")])

    def validate_closes(self, field):
        if self.opens.data and field.data and field.data <= self.opens.data:
            raise ValidationError("Closing time must be after opening time.")

    def priority_fields(self, priority: int):
        return (
            getattr(self, f"p{priority}_response"),
            getattr(self, f"p{priority}_resolution"),
            getattr(self, f"p{priority}_clock"),
        )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for priority in range(1, 5):
            response, resolution, _ = self.priority_fields(priority)
            if response.data and resolution.data and resolution.data < response.data:
                resolution.errors.append("Resolving can't be due before the first reply.")
                valid = False
        return valid


for _priority in range(1, 5):
    setattr(SLAPolicyForm, f"p{_priority}_response", _hours("First reply within (hours)"))
    setattr(SLAPolicyForm, f"p{_priority}_resolution", _hours("Resolved within (hours)"))
    setattr(SLAPolicyForm, f"p{_priority}_clock", BooleanField("Around the clock"))


# --- Business units, people and CSV import -------------------------------------------

NAME_MAX = 120
DESCRIPTION_MAX = 2000
OBJECTIVES_MAX = 10
OBJECTIVE_MAX_CHARS = 200
OBJECTIVES_TEXT_MAX = OBJECTIVES_MAX * (OBJECTIVE_MAX_CHARS + 2) + 1000  # room for blank lines
EMAIL_MAX = 254
JOB_TITLE_MAX = 120
PHONE_MAX = 40
PASSWORD_MIN = 12
IMPORT_MAX_BYTES = 1024 * 1024
CHOOSE_PERSON = "Please choose someone from the list."

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

# Roles an administrator can grant; everyone is a requester as well.
ROLE_CHOICES = [
    SelectChoice(Role.AGENT.value, "IT agent — works the request queue"),
    SelectChoice(Role.BUDDY.value, "IT buddy — looks after units and people"),
    SelectChoice(Role.BRM.value, "Business relationship manager"),
    SelectChoice(Role.ADMIN.value, "Administrator"),
]


def is_valid_email(email: str) -> bool:
    return bool(_EMAIL.match(email)) and len(email) <= EMAIL_MAX


def objective_problems(lines: list[str]) -> list[str]:
    """What is wrong with a list of objectives, in plain words (empty when fine)."""
    problems = []
    if len(lines) > OBJECTIVES_MAX:
        problems.append(
            f"Please list at most {OBJECTIVES_MAX} objectives (there are {len(lines)})."
        )
    for number, line in enumerate(lines, start=1):
        if len(line) > OBJECTIVE_MAX_CHARS:
            problems.append(
                f"Objective {number} is {len(line)} characters; "
                f"please keep each under {OBJECTIVE_MAX_CHARS}."
            )
    return problems


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


class UnitForm(RapportForm):
    name = StringField(
        "Name",
        filters=[stripped],
        validators=[
            DataRequired("Please give the unit a name."),
            Length(max=NAME_MAX, message=f"Please keep the name under {NAME_MAX} characters."),
        ],
    )
    description = TextAreaField(
        "What the unit does (optional)",
        filters=[stripped],
        validators=[Length(max=DESCRIPTION_MAX,
                           message=f"Please keep it under {DESCRIPTION_MAX:,} characters.")],
    )
    objectives = TextAreaField(
        "Business objectives (optional)",
        filters=[stripped],
        # One per line; each line is checked too (validate_objectives).
        validators=[Length(max=OBJECTIVES_TEXT_MAX,
                           message="Please shorten the objectives a little.")],
    )
    brm = SelectField("Business relationship manager", choices=[],
                      invalid_choice_message=CHOOSE_PERSON)
    it_buddy = SelectField("IT buddy", choices=[], invalid_choice_message=CHOOSE_PERSON)

    def objective_list(self) -> list[str]:
        return [line.strip() for line in (self.objectives.data or "").splitlines() if line.strip()]

    def validate_objectives(self, field):
        problems = objective_problems(self.objective_list())
        if problems:
            raise ValidationError(" ".join(problems))


class PersonForm(RapportForm):
    display_name = StringField(
        "Name",
        filters=[stripped],
        validators=[
            DataRequired("Please give the person's name."),
            Length(max=NAME_MAX, message=f"Please keep the name under {NAME_MAX} characters."),
        ],
    )
    email = StringField(
        "Work e-mail",
        filters=[_lower],
        validators=[
            DataRequired("Please give the person's work e-mail address."),
            Length(max=EMAIL_MAX, message=f"Please keep it under {EMAIL_MAX} characters."),
        ],
    )
    job_title = StringField(
        "Job title (optional)",
        filters=[stripped],
        validators=[Length(max=JOB_TITLE_MAX,
                           message=f"Please keep it under {JOB_TITLE_MAX} characters.")],
    )
    phone = StringField(
        "Phone (optional)",
        filters=[stripped],
        validators=[Length(max=PHONE_MAX, message=f"Please keep it under {PHONE_MAX} characters.")],
    )
    unit = SelectField("Business unit", choices=[],
                       invalid_choice_message="Please choose a unit from the list.")
    roles = SelectMultipleField(
        "What else they do",
        choices=ROLE_CHOICES,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        invalid_choice_message="Please choose from the roles shown.",
    )
    it_buddy = SelectField("Personal IT buddy", choices=[], invalid_choice_message=CHOOSE_PERSON)
    active = BooleanField("Can sign in (account active)")
    password = PasswordField(
        "New password",
        validators=[
            Optional(),
            Length(min=PASSWORD_MIN, max=1024,
                   message=f"The password needs at least {PASSWORD_MIN} characters."),
        ],
    )

    def validate_email(self, field):
        if not is_valid_email(field.data or ""):
            raise ValidationError("Please give a valid e-mail address, like name@example.com.")


IMPORT_KINDS = [
    SelectChoice("units", "Business units"),
    SelectChoice("people", "People"),
]


class ImportForm(RapportForm):
    kind = RadioField(
        "What does the file hold?",
        choices=IMPORT_KINDS,
        validators=[InputRequired("Please say whether the file holds units or people.")],
    )
    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Please choose a CSV file."),
            FileSize(max_size=IMPORT_MAX_BYTES,
                     message="The file is larger than 1 MB. Please split it into smaller files."),
        ],
    )


class ConfirmImportForm(RapportForm):
    """The previewed file, sent back as text so the import re-checks exactly that."""

    kind = HiddenField(validators=[AnyOf(["units", "people"]), Length(max=10)])
    csv_text = HiddenField(validators=[DataRequired(), Length(max=IMPORT_MAX_BYTES)])
