"""Forms behind the board's actions; every one also works as a plain HTML post."""

from __future__ import annotations

from urllib.parse import parse_qsl

from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from tracker.attachments.forms import AttachmentFields
from tracker.models import Stage
from tracker.service_requests.forms import IdempotentForm
from tracker.triage.filters import BoardFilters
from tracker.web.forms import RapportForm

PRIORITY_CHOICES = [
    SelectChoice("1", "P1 · Critical"),
    SelectChoice("2", "P2 · High"),
    SelectChoice("3", "P3 · Medium"),
    SelectChoice("4", "P4 · Low"),
]
STAGE_CHOICES = [SelectChoice(s.value, s.staff_label) for s in Stage]
REASON_MAX = 500
NEXT_MAX = 2000  # the board's address with its filters
OUT_OF_DATE = "This form is out of date. Please reload the page and try again."
BODY_MAX = 20_000


class ActionForm(RapportForm):
    """What every board action carries: the version seen, where it came from, where to go."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional()],
                           invalid_value_message=OUT_OF_DATE)
    ctx = HiddenField(validators=[Length(max=20)])
    next = HiddenField(validators=[Length(max=NEXT_MAX)])


class AssignForm(ActionForm):
    assignee = SelectField("Assign to", choices=[])

    def set_people(self, staff) -> None:
        self.assignee.choices = [
            SelectChoice("me", "Me"),
            SelectChoice("none", "Nobody (unassign)"),
            *(SelectChoice(str(person.id), person.display_name) for person in staff),
        ]


class TeamForm(ActionForm):
    team = SelectField("Team", choices=[])

    def set_teams(self, teams) -> None:
        self.team.choices = [
            SelectChoice("none", "No team"),
            *(SelectChoice(str(team.id), team.name) for team in teams),
        ]


class PriorityForm(ActionForm):
    priority = SelectField("Priority", choices=PRIORITY_CHOICES)
    reason = StringField(
        "Why",
        validators=[
            DataRequired("Please say why the priority changes."),
            Length(max=REASON_MAX, message="Please keep the reason shorter."),
        ],
    )


class MoveForm(ActionForm):
    stage = SelectField(
        "Move to",
        choices=[SelectChoice("", "Choose a stage…"), *STAGE_CHOICES],
        validators=[DataRequired("Please choose a stage.")],
    )
    note = StringField(
        "Note (optional)", validators=[Length(max=REASON_MAX, message="Please keep it shorter.")]
    )


class NoteForm(AttachmentFields, ActionForm, IdempotentForm):
    body = TextAreaField(
        "Message",
        validators=[
            DataRequired("Please write something first."),
            Length(max=BODY_MAX, message="That's a lot of text. Please shorten it a little."),
        ],
    )
    visibility = SelectField(
        "Who sees it",
        choices=[
            SelectChoice("internal", "Internal note (IT only)"),
            SelectChoice("public", "Reply to the requester"),
        ],
        default="internal",
    )


BULK_ACTIONS = [
    SelectChoice("", "Choose an action…"),
    SelectChoice("assign", "Assign to"),
    SelectChoice("team", "Set team"),
    SelectChoice("priority", "Set priority"),
    SelectChoice("stage", "Move to"),
]


class BulkForm(RapportForm):
    """One action for all selected requests."""

    ids = HiddenField(validators=[Length(max=20)])  # read with request.form.getlist("ids")
    action = SelectField(
        "With the selected requests",
        choices=BULK_ACTIONS,
        validators=[DataRequired("Please choose what to do with the selected requests.")],
        invalid_choice_message="Please choose what to do with the selected requests.",
    )
    assignee = SelectField("Person", choices=[], validate_choice=False)
    team = SelectField("Team", choices=[], validate_choice=False)
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, validate_choice=False)
    stage = SelectField("Stage", choices=STAGE_CHOICES, validate_choice=False)
    reason = StringField(
        "Reason (for priority)",
        validators=[Length(max=REASON_MAX, message="Please keep the reason shorter.")],
    )
    next = HiddenField(validators=[Length(max=NEXT_MAX)])


def _known_filters(query):
    return BoardFilters.from_args(dict(parse_qsl(query))).query_string() if query else query


class SavedViewForm(RapportForm):
    name = StringField(
        "Name this view",
        validators=[
            DataRequired("Please give the view a name."),
            Length(max=60, message="Please keep the name under 60 characters."),
        ],
    )
    # Only the filters the board knows are kept, so the query always fits its column.
    query = HiddenField(filters=[_known_filters], validators=[Length(max=1000)])


class DeleteViewForm(RapportForm):
    """Only a CSRF token."""
