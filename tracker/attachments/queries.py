"""Planned reads of attached files: one query for all of a request's files."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select

from tracker.attachments.policies import can_see_attachment
from tracker.extensions import db
from tracker.models import Attachment, ServiceRequest, User
from tracker.service_requests.policies import can_see_internal


@dataclass
class RequestFiles:
    """A request's files that one person may see: those filed with it, and per message."""

    filed: list[Attachment] = field(default_factory=list)
    by_event: dict[int, list[Attachment]] = field(default_factory=dict)

    def for_event(self, event_id: int) -> list[Attachment]:
        return self.by_event.get(event_id, [])

    @property
    def all(self) -> list[Attachment]:
        return [*self.filed, *(a for files in self.by_event.values() for a in files)]


# Built once, like the request page's other statements: it runs on every view of it.
_FILES = (
    select(Attachment)
    .where(Attachment.request_id == bindparam("request_id"))
    .order_by(Attachment.id)
)
_PUBLIC_FILES = _FILES.where(Attachment.internal.is_(False))


def files_for(service_request: ServiceRequest, user: User) -> RequestFiles:
    """Every file of the request this person may see, oldest first, in one query."""
    query = _FILES if can_see_internal(user) else _PUBLIC_FILES
    filed: list[Attachment] = []
    by_event: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in db.session.scalars(query, {"request_id": service_request.id}):
        if attachment.event_id is None:
            filed.append(attachment)
        else:
            by_event[attachment.event_id].append(attachment)
    return RequestFiles(filed, dict(by_event))


def load_attachment_or_404(service_request: ServiceRequest, attachment_id: int) -> Attachment:
    """A file of this (already visible) request that the current user may see; 404 otherwise.

    The file must belong to this very request: another request's file id under this
    request's reference is not found.
    """
    attachment = db.session.scalar(
        select(Attachment).where(
            Attachment.id == attachment_id,
            Attachment.request_id == service_request.id,
        )
    )
    if attachment is None or not can_see_attachment(current_user, attachment):
        abort(404)
    return attachment
