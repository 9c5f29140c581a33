"""Posting forms with files, and reading back what was stored."""

from __future__ import annotations

from io import BytesIO

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Attachment, RequestEvent, ServiceRequest

NEW_REQUEST = {
    "category": "broken",
    "title": "Export fails",
    "description": "The export stops with an error; screenshot attached.",
    "impact": "just_me",
    "urgency": "slowed",
}


def files(*named: tuple[str, bytes]) -> list[tuple[BytesIO, str]]:
    return [(BytesIO(data), name) for name, data in named]


def file_request(client, *named: tuple[str, bytes], **fields):
    data = {**NEW_REQUEST, **fields, "files": files(*named)}
    return client.form_post("/requests/new", data, content_type="multipart/form-data")


def send_message(client, reference: str, body: str, *named: tuple[str, bytes],
                 htmx: bool = False, **fields):
    data = {"body": body, **fields, "files": files(*named)}
    return client.form_post(
        f"/requests/{reference}/comments", data, htmx=htmx, content_type="multipart/form-data"
    )


def attachments(app) -> list[Attachment]:
    with app.app_context():
        found = list(db.session.scalars(select(Attachment).order_by(Attachment.id)))
        db.session.expunge_all()
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def counts(app) -> tuple[int, int, int]:
    return count(app, ServiceRequest), count(app, RequestEvent), count(app, Attachment)


def keys(attachment: Attachment) -> set[str]:
    return {k for k in (attachment.storage_key, attachment.thumbnail_key) if k}
