"""Downloading a file, its thumbnail, and an administrator removing a request's files."""

from __future__ import annotations

import logging
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from tracker.attachments import detection, services
from tracker.attachments.forms import RemoveFilesForm
from tracker.attachments.queries import files_for, load_attachment_or_404
from tracker.attachments.storage import StorageError, get_store
from tracker.extensions import db
from tracker.models import Attachment, Role
from tracker.service_requests.queries import load_request_or_404
from tracker.web.audit import audit
from tracker.web.authz import role_required
from tracker.web.rendering import render

bp = Blueprint("attachments", __name__)
log = logging.getLogger(__name__)

ID = "int(max=2147483647)"
# A stored file is never a page: no scripts, no plugins, no framing, no forms, and a
# sandbox in case a browser renders it anyway.
FILE_SECURITY_POLICY = (
    "sandbox; default-src 'none'; img-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def kind_of(attachment: Attachment) -> detection.FileKind:
    return detection.BY_CONTENT_TYPE.get(attachment.content_type, detection.TEXT)


@bp.app_template_filter("file_size")
def file_size_filter(size: int) -> str:
    return services.file_size(size)


@bp.app_template_global()
def file_label(attachment: Attachment) -> str:
    """'Picture', 'PDF', 'Spreadsheet': what the file is, in everyday words."""
    return kind_of(attachment).label


@bp.app_template_global()
def attachment_url(reference: str, attachment: Attachment) -> str:
    name = detection.url_name(attachment.original_name, kind_of(attachment))
    return url_for(
        "attachments.download", reference=reference, attachment_id=attachment.id, name=name
    )


def _protected(response, *, as_attachment: bool):
    response.headers["Content-Security-Policy"] = FILE_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.cache_control.private = True  # only this person's browser may keep it
    response.cache_control.no_cache = True  # and asks again each time (a 304 is cheap)
    if not as_attachment:
        response.headers.setdefault("Content-Disposition", "inline")
    return response


def _open(key: str, attachment: Attachment):
    try:
        return get_store().open(key)
    except StorageError:
        log.error("attachment %s: its file %s is missing from the store", attachment.id, key)
        abort(404)


@bp.get(f"/requests/<reference>/attachments/<{ID}:attachment_id>/<name>")
@login_required
def download(reference: str, attachment_id: int, name: str):
    """The file as it was uploaded, always as a download."""
    service_request = load_request_or_404(reference)
    attachment = load_attachment_or_404(service_request, attachment_id)
    kind = kind_of(attachment)
    if (reference, name) != (service_request.reference,
                             detection.url_name(attachment.original_name, kind)):
        return redirect(attachment_url(service_request.reference, attachment), 301)
    response = send_file(
        _open(attachment.storage_key, attachment),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=detection.download_name(attachment.original_name, kind),
        conditional=False,
        etag=attachment.sha256,
        last_modified=attachment.created_at,
    )
    response.content_length = attachment.size_bytes
    response = response.make_conditional(
        request, accept_ranges=True, complete_length=attachment.size_bytes
    )
    return _protected(response, as_attachment=True)


@bp.get(f"/requests/<reference>/thumbnails/<{ID}:attachment_id>")
@login_required
def thumbnail(reference: str, attachment_id: int):
    """A picture's re-encoded thumbnail, shown inline in the conversation."""
    service_request = load_request_or_404(reference)
    attachment = load_attachment_or_404(service_request, attachment_id)
    if not attachment.thumbnail_key or not attachment.thumbnail_type:
        abort(404)
    with _open(attachment.thumbnail_key, attachment) as stored:
        data = BytesIO(stored.read())
    response = send_file(
        data,
        mimetype=attachment.thumbnail_type,
        etag=f"{attachment.sha256}-thumbnail",
        last_modified=attachment.created_at,
    )
    return _protected(response, as_attachment=False)


@bp.route("/requests/<reference>/attachments/remove", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def remove_all(reference: str):
    """Administrators remove every file of a request, after a confirmation step."""
    service_request = load_request_or_404(reference)
    form = RemoveFilesForm()
    if form.validate_on_submit():
        count = services.remove_all(service_request, current_user)
        db.session.commit()
        if count:
            audit("attachments_removed", level=logging.INFO,
                  request_id=service_request.id, files=count)
            flash(f"Removed {count} file{'s' if count != 1 else ''} from this request.",
                  "success")
        else:
            flash("This request has no files to remove.", "info")
        return redirect(url_for("service_requests.detail", reference=service_request.reference),
                        303)
    files = files_for(service_request, current_user).all
    return render("attachments/remove.html", req=service_request, files=files, form=form)
