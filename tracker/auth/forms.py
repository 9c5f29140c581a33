"""Sign-in, sign-out and password forms."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from tracker.auth.services import MIN_PASSWORD_LENGTH
from tracker.web.forms import RapportForm


class LoginForm(RapportForm):
    email = EmailField(
        "Work e-mail",
        validators=[DataRequired("Please enter your e-mail address."), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Please enter your password."), Length(max=1024)]
    )
    next = HiddenField(validators=[Length(max=2000)])


class LogoutForm(RapportForm):
    """Only a CSRF token: signing out is a post, so other sites can't sign you out."""


class PasswordForm(RapportForm):
    """A new password, confirmed with the current one."""

    current = PasswordField(
        "Your current password",
        validators=[DataRequired("Please enter your current password."), Length(max=1024)],
    )
    new = PasswordField(
        "New password",
        validators=[
            DataRequired("Please choose a new password."),
            Length(
                min=MIN_PASSWORD_LENGTH, max=1024,
                message=f"Please use at least {MIN_PASSWORD_LENGTH} characters.",
            ),
        ],
    )
    repeat = PasswordField(
        "The new password again",
        validators=[
            DataRequired("Please type the new password again."),
            Length(max=1024),
            EqualTo("new", message="The two new passwords don't match."),
        ],
    )
