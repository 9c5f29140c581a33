"""Writing e-mails into the outbox: who may get one, what it says, and the links in it.

Everything here flushes in the caller's transaction, so a change that is rolled back
queues nothing and a committed one always has its e-mail waiting.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from tracker.database import utcnow
from tracker.extensions import db
from tracker.mail.kinds import MailKind
from tracker.models import EmailOptOut, OutboxMessage, OutboxStatus, ServiceRequest, User

SUBJECT_MAX = 255
TITLE_IN_SUBJECT = 120
# Anything that could end a header line or hide in one: C0/C1 controls, line and
# paragraph separators. Subjects are one line of plain text.
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def enabled() -> bool:
    """E-mail is on when an SMTP server is configured; otherwise nothing is queued."""
    return bool(current_app.config.get("MAIL_SERVER"))


def one_line(text: str, limit: int) -> str:
    """Text safe for a header: one line, single spaces, at most `limit` characters."""
    flat = " ".join(_HEADER_UNSAFE.sub(" ", text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def subject_for(headline: str, service_request: ServiceRequest | None = None) -> str:
    """"We got your request – REQ-000123: Printer jams": what happened first, for phones."""
    if service_request is None:
        return one_line(headline, SUBJECT_MAX)
    title = one_line(service_request.title, TITLE_IN_SUBJECT)
    return one_line(f"{headline} – {service_request.reference}: {title}", SUBJECT_MAX)


def external_url(endpoint: str, _anchor: str | None = None, **values) -> str:
    """An absolute link under RAPPORT_BASE_URL (never the Host of whoever caused the mail)."""
    base = urlsplit(current_app.config["RAPPORT_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{_anchor}" if _anchor else url


def settings_url() -> str:
    return external_url("auth.settings", _anchor="emails")


def opted_out(user_id: int, kind: MailKind) -> bool:
    return db.session.get(EmailOptOut, (user_id, kind.value)) is not None


def may_receive(person: User | None, kind: MailKind) -> bool:
    """Whether this person gets this kind of e-mail now (mail on, active, not switched off)."""
    if not enabled() or person is None or not person.active or not person.email:
        return False
    if kind.for_staff_only and not person.is_staff:
        return False
    return not opted_out(person.id, kind)


def render(kind: MailKind, **context) -> tuple[str, str]:
    """The plain-text and HTML bodies from templates/mail/<kind>.txt and .html.

    Rendered straight from the environment, without the page context processors: a mail
    knows nothing of the person whose click caused it. The HTML is autoescaped; the text
    part is text/plain and is never shown as a web page.
    """
    env = current_app.jinja_env
    context = {
        "organisation": current_app.config.get("RAPPORT_ORGANISATION", "Example Ltd"),
        "home_url": external_url("service_requests.home"),
        "settings_url": settings_url(),
        **context,
    }
    text = env.get_template(f"mail/{kind.value}.txt").render(**context)
    html = env.get_template(f"mail/{kind.value}.html").render(**context)
    return text.strip() + "\n", html


def queue(
    person: User | None,
    kind: MailKind,
    headline: str,
    *,
    service_request: ServiceRequest | None = None,
    dedupe_key: str | None = None,
    **context,
) -> OutboxMessage | None:
    """Put one e-mail in the outbox, or nothing when the person shouldn't get it.

    With a dedupe key, a second notice with the same key is quietly dropped (also when
    two processes race: the key is unique in the database).
    """
    if not may_receive(person, kind):
        return None
    text, html = render(
        kind, person=person, req=service_request,
        request_url=(
            external_url("service_requests.detail", reference=service_request.reference)
            if service_request is not None else None
        ),
        **context,
    )
    message = OutboxMessage(
        user_id=person.id,
        request_id=service_request.id if service_request is not None else None,
        to_address=person.email,
        kind=kind.value,
        subject=subject_for(headline, service_request),
        body_text=text,
        body_html=html,
        status=OutboxStatus.PENDING.value,
        next_attempt_at=utcnow(),
        dedupe_key=dedupe_key,
        created_at=utcnow(),
    )
    if dedupe_key is None:
        db.session.add(message)
        db.session.flush()
        return message
    try:
        with db.session.begin_nested():
            db.session.add(message)
            db.session.flush()
    except IntegrityError:
        return None
    return message


def existing_keys(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(db.session.scalars(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
    ))


# --- the administrators' view -------------------------------------------------------------

def status_summary() -> dict[OutboxStatus, tuple[int, datetime | None]]:
    """Per status: how many, and the oldest time it is due or was created (one query)."""
    rows = db.session.execute(
        select(
            OutboxMessage.status,
            func.count(),
            func.min(OutboxMessage.next_attempt_at),
        ).group_by(OutboxMessage.status)
    )
    summary = {status: (0, None) for status in OutboxStatus}
    for status, count, oldest in rows:
        summary[OutboxStatus(status)] = (count, oldest)
    return summary


def retry_failed(ids: list[int] | None = None) -> int:
    """Give failed messages a fresh set of attempts, starting now; returns how many."""
    query = (
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED.value)
        .values(
            status=OutboxStatus.PENDING.value,
            attempts=0,
            next_attempt_at=utcnow(),
            claim_token=None,
        )
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        if not ids:
            return 0
        query = query.where(OutboxMessage.id.in_(ids))
    return db.session.execute(query).rowcount or 0


def prune_sent(older_than: timedelta) -> int:
    """Delete sent messages queued longer ago than `older_than`; flushes, does not commit.

    Pending and failed messages stay: they still need sending or an administrator's eye.
    """
    result = db.session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENT.value,
            OutboxMessage.created_at < utcnow() - older_than,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
