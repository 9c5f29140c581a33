"""Forms of the settings page's "API tokens" section."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from tracker.web.forms import RapportForm

NAME_MAX = 80


class NewTokenForm(RapportForm):
    name = StringField(
        "What will use it?",
        validators=[
            DataRequired("Please name the token, so you can tell it apart later."),
            Length(max=NAME_MAX, message=f"Please keep the name under {NAME_MAX} characters."),
        ],
    )
    expires = SelectField(
        "Stops working after",
        choices=[
            SelectChoice("30", "30 days"),
            SelectChoice("90", "90 days"),
            SelectChoice("365", "A year"),
            SelectChoice("never", "Never (until you revoke it)"),
        ],
        default="90",
    )


class RevokeTokenForm(RapportForm):
    """Only a CSRF token: the token to revoke is in the URL."""
