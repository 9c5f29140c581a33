"""The SLA policy form: targets per priority and the working week."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, SelectMultipleField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MAX_HOURS = 24 * 365


def _hours(label: str) -> DecimalField:
    return DecimalField(
        label,
        places=2,
        validators=[
            InputRequired("Please give a number of hours."),
            NumberRange(min=0.25, max=MAX_HOURS, message="Between a quarter hour and a year."),
        ],
    )


class SLAPolicyForm(FlaskForm):
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
