"""The file field that the new-request and message forms share, and the removal form."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms.validators import StopValidation

from tracker.attachments import detection, services
from tracker.web.forms import RapportForm


class FilesField(MultipleFileField):
    """Several files; once validated, `uploads` holds them checked and ready to store."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"accept": detection.ACCEPT, "multiple": True})
        super().__init__(*args, **kwargs)
        self.uploads: list[services.Upload] = []

    @property
    def limits(self) -> services.Limits:
        return services.Limits.from_config()

    @property
    def were_chosen(self) -> bool:
        """Files came with the form (a form shown again can't keep them)."""
        return bool(services.chosen(self.data))

    def pre_validate(self, form) -> None:
        try:
            self.uploads = services.check_uploads(self.data, self.limits)
        except services.AttachmentError as exc:
            self.uploads = []
            self.errors.extend(exc.messages)
            raise StopValidation() from exc


class AttachmentFields:
    """Mixed into a form: an optional "Add files" field."""

    files = FilesField("Add files (optional)")


class RemoveFilesForm(RapportForm):
    """Only a CSRF token: "yes, remove every file of this request"."""
