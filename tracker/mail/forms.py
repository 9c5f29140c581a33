"""The "E-mails you get" choices on a person's settings page."""

from __future__ import annotations

from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.mail import outbox, preferences
from tracker.mail.kinds import MailKind, kinds_for
from tracker.models import User
from tracker.web.forms import RapportForm


class EmailChoicesForm(RapportForm):
    kinds = SelectMultipleField(
        "E-mails you get",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
        invalid_choice_message="Please choose from the e-mails listed here.",
    )

    def offer(self, person: User) -> EmailChoicesForm:
        """Only the kinds that can reach this person are boxes they can tick."""
        self.kinds.choices = [
            SelectChoice(kind.value, kind.choice_label) for kind in kinds_for(person)
        ]
        return self

    def chosen(self) -> set[MailKind]:
        return {MailKind(value) for value in self.kinds.data or []}


def email_section(person: User, form: EmailChoicesForm | None = None) -> dict:
    """What the settings page's e-mail section needs: the form, ticked as the person chose."""
    if form is None:
        form = EmailChoicesForm(formdata=None).offer(person)
        form.kinds.data = [kind.value for kind in preferences.wanted_kinds(person)]
    return {
        "email_form": form,
        "mail_enabled": outbox.enabled(),
        "staff_kinds": {kind.value for kind in MailKind if kind.for_staff_only},
    }
