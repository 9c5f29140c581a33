"""Sign-in form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(
        "Work e-mail",
        validators=[DataRequired("Please enter your e-mail address."), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Please enter your password."), Length(max=1024)]
    )
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Only a CSRF token: signing out is a post, so other sites can't sign you out."""
