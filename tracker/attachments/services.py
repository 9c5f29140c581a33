"""Rules for attached files: what is accepted, storing them with their request or
message, and an administrator removing them all.

Functions here flush but never commit. Files are written to the store inside the
request's transaction (see storage.py): they disappear again unless it commits.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tracker.attachments import detection
from tracker.attachments.storage import (
    delete_after_commit,
    get_store,
    new_key,
    save_in_transaction,
)
from tracker.attachments.thumbnails import PictureProblem, Thumbnail, make_thumbnail
from tracker.extensions import db
from tracker.models import Attachment, EventKind, RequestEvent, ServiceRequest, User
from tracker.service_requests.timeline import record

_CHUNK = 1024 * 1024


class AttachmentError(ValueError):
    """Files we won't keep; each message is shown next to the file field."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    per_request_bytes: int
    per_upload: int

    @classmethod
    def from_config(cls) -> Limits:
        config = current_app.config
        return cls(
            max_bytes=config["RAPPORT_ATTACHMENT_MAX_BYTES"],
            per_request_bytes=config["RAPPORT_ATTACHMENTS_PER_REQUEST_BYTES"],
            per_upload=config["RAPPORT_ATTACHMENTS_PER_UPLOAD"],
        )


@dataclass(frozen=True)
class Upload:
    """One checked file, ready to store."""

    name: str
    kind: detection.FileKind
    size: int
    sha256: str
    data: BinaryIO
    thumbnail: Thumbnail | None = None


def file_size(size: int) -> str:
    """'512 bytes', '48 KB', '2.4 MB', the way file managers count."""
    if size < 1024:
        return f"{size} bytes" if size != 1 else "1 byte"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def chosen(files: list | None) -> list[FileStorage]:
    """The files actually chosen (an empty file input still sends one nameless part)."""
    return [f for f in files or () if isinstance(f, FileStorage) and f.filename]


def check_uploads(files: list | None, limits: Limits) -> list[Upload]:
    """Every chosen file, checked; AttachmentError with every problem found otherwise."""
    files = chosen(files)
    if len(files) > limits.per_upload:
        raise AttachmentError([f"Please attach at most {limits.per_upload} files at a time."])
    uploads: list[Upload] = []
    problems: list[str] = []
    unaccepted_kind = False
    for storage in files:
        try:
            uploads.append(check_upload(storage.filename, storage.stream, limits))
        except detection.FileRefused as exc:
            problems.append(str(exc))
            unaccepted_kind = unaccepted_kind or exc.unaccepted_kind
    if unaccepted_kind:
        problems.append(detection.WHAT_IS_FINE)
    total = sum(upload.size for upload in uploads)
    if not problems and total > limits.per_request_bytes:
        problems.append(
            f"Together these files come to {file_size(total)}; a request can hold up to "
            f"{file_size(limits.per_request_bytes)} of files. Please attach fewer or smaller ones."
        )
    if problems:
        raise AttachmentError(problems)
    return uploads


def check_upload(raw_name: str | None, data: BinaryIO, limits: Limits) -> Upload:
    """One file: not empty, not too big, of a kind we accept, a picture that decodes."""
    name = detection.clean_name(raw_name)
    data.seek(0, os.SEEK_END)
    size = data.tell()
    data.seek(0)
    if size == 0:
        raise detection.FileRefused(f"“{name}” is empty. Please choose the file again.")
    if size > limits.max_bytes:
        raise detection.FileRefused(
            f"“{name}” is {file_size(size)}; each file can be up to "
            f"{file_size(limits.max_bytes)}."
        )
    kind = detection.detect(data, name)
    thumbnail = None
    if kind.pillow_format:
        try:
            thumbnail = make_thumbnail(data, kind.pillow_format)
        except PictureProblem as exc:
            if exc.reason == "too large":
                raise detection.FileRefused(
                    f"“{name}” is a very large picture. Please send a smaller one, for "
                    "example a screenshot of just the window."
                ) from exc
            raise detection.FileRefused(
                f"“{name}” seems to be damaged: we couldn't open the picture."
            ) from exc
    digest = hashlib.sha256()
    while chunk := data.read(_CHUNK):
        digest.update(chunk)
    data.seek(0)
    return Upload(name, kind, size, digest.hexdigest(), data, thumbnail)


def stored_bytes(service_request: ServiceRequest) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Attachment.size_bytes), 0)).where(
            Attachment.request_id == service_request.id
        )
    )


def attach(
    service_request: ServiceRequest,
    uploader: User,
    uploads: list[Upload],
    *,
    event: RequestEvent | None = None,
) -> list[Attachment]:
    """Store checked files with a request (event None: filed with it) or a message.

    A message sent twice (the same form) comes back as the first one's event, which
    already has its files: they are not stored again.
    """
    if not uploads:
        return []
    if event is not None and db.session.scalar(
        select(Attachment.id).where(Attachment.event_id == event.id).limit(1)
    ):
        return []
    limits = Limits.from_config()
    already = stored_bytes(service_request)
    incoming = sum(upload.size for upload in uploads)
    if already + incoming > limits.per_request_bytes:
        room = max(limits.per_request_bytes - already, 0)
        raise AttachmentError([
            f"This request can hold up to {file_size(limits.per_request_bytes)} of files and "
            f"has room for {file_size(room)} more. Please attach fewer or smaller files."
        ])
    store = get_store()
    attachments = []
    for upload in uploads:
        key = new_key()
        save_in_transaction(db.session, store, key, upload.data)
        thumbnail_key = None
        if upload.thumbnail is not None:
            thumbnail_key = new_key()
            save_in_transaction(db.session, store, thumbnail_key, BytesIO(upload.thumbnail.data))
        attachments.append(Attachment(
            request_id=service_request.id,
            event_id=event.id if event is not None else None,
            uploader_id=uploader.id,
            original_name=upload.name,
            content_type=upload.kind.content_type,
            size_bytes=upload.size,
            sha256=upload.sha256,
            storage_key=key,
            thumbnail_key=thumbnail_key,
            thumbnail_type=upload.thumbnail.content_type if upload.thumbnail else None,
            internal=bool(event is not None and event.internal),
        ))
    db.session.add_all(attachments)
    db.session.flush()
    return attachments


def remove_all(service_request: ServiceRequest, admin: User) -> int:
    """An administrator removes every file of a request (data protection).

    The timeline keeps a note that files were removed, without their names; the files
    leave the store once the removal has committed.
    """
    files = list(db.session.scalars(
        select(Attachment).where(Attachment.request_id == service_request.id)
    ))
    if not files:
        return 0
    store = get_store()
    for attachment in files:
        delete_after_commit(db.session, store, attachment.storage_key)
        if attachment.thumbnail_key:
            delete_after_commit(db.session, store, attachment.thumbnail_key)
        db.session.delete(attachment)
    record(service_request, admin, EventKind.FILES_REMOVED, new_value=str(len(files)))
    db.session.flush()
    return len(files)
