"""Handing the outbox to an SMTP server: claim, send, and retry with backoff.

Each message is claimed in its own short transaction (status "sending", its next attempt
pushed CLAIM_LIFETIME ahead, a random claim token), sent with no transaction open, and
then marked under that token. Two senders never hold the same claim: the claim is a
conditional UPDATE (and PostgreSQL skips rows another sender has locked). A sender that
dies after claiming leaves the message due again once the claim's lifetime is over.

A message is delivered at least once: if the process dies after the server accepted it
but before it is marked sent, it goes again. Its Message-ID stays the same, so a mail
client can tell the copies apart.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from flask import current_app
from sqlalchemy import and_, select, update

from tracker.database import utcnow
from tracker.extensions import db
from tracker.mail.outbox import settings_url
from tracker.models import OutboxMessage, OutboxStatus

log = logging.getLogger("tracker.mail")

CLAIM_LIFETIME = timedelta(minutes=10)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_LONGEST = timedelta(hours=4)
ERROR_MAX = 500


class DeliveryError(Exception):
    """This message could not be handed over now; it may work later."""


class PermanentFailure(Exception):
    """The server refused this message for good (a 5xx answer, or a malformed address)."""


class ServerUnavailable(DeliveryError):
    """No usable connection: nothing more can be sent in this run."""


@dataclass(frozen=True)
class Claimed:
    """A message this sender holds, copied out of the database before sending."""

    id: int
    token: str
    attempts: int
    to_address: str
    subject: str
    body_text: str
    body_html: str
    request_id: int | None
    created_at: datetime


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    stopped: str | None = None  # why the run ended early (the server could not be reached)

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed

    def summary(self) -> str:
        text = f"Sent {self.sent}, will retry {self.retrying}, failed {self.failed}."
        return f"{text} Stopped early: {self.stopped}" if self.stopped else text


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … attempt, at most four hours."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_LONGEST)


def _due(now: datetime):
    """Pending and due, or claimed by a sender whose claim ran out."""
    return and_(
        OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
        OutboxMessage.next_attempt_at <= now,
    )


def claim_next(now: datetime) -> Claimed | None:
    """Claim the message due longest; None when nothing is due. Commits."""
    for _ in range(10):  # another sender may win a row between our SELECT and UPDATE
        query = (
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
        )
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        message_id = db.session.scalar(query)
        if message_id is None:
            db.session.commit()
            return None
        token = secrets.token_hex(16)
        won = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(now))
            .values(
                status=OutboxStatus.SENDING.value,
                claim_token=token,
                attempts=OutboxMessage.attempts + 1,
                next_attempt_at=now + CLAIM_LIFETIME,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            db.session.commit()
            continue
        row = db.session.execute(
            select(
                OutboxMessage.attempts, OutboxMessage.to_address, OutboxMessage.subject,
                OutboxMessage.body_text, OutboxMessage.body_html, OutboxMessage.request_id,
                OutboxMessage.created_at,
            ).where(OutboxMessage.id == message_id)
        ).one()
        db.session.commit()
        return Claimed(message_id, token, *row)
    return None


def _finish(claimed: Claimed, **values) -> None:
    """Record the outcome, only if the claim is still ours (a stale claim may be retaken)."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claimed.id, OutboxMessage.claim_token == claimed.token)
        .values(claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _record_failure(claimed: Claimed, reason: str, *, permanent: bool, now: datetime) -> bool:
    """Retry later with backoff, or give up; returns True when it was given up."""
    reason = reason[:ERROR_MAX]
    limit = current_app.config.get("MAIL_MAX_ATTEMPTS", 10)
    if not permanent and claimed.attempts < limit:
        _finish(
            claimed, status=OutboxStatus.PENDING.value, last_error=reason,
            next_attempt_at=now + backoff(claimed.attempts),
        )
        log.warning("mail %s: attempt %s failed, will retry: %s", claimed.id,
                    claimed.attempts, reason)
        return False
    if not permanent:
        reason = f"Gave up after {claimed.attempts} attempts. {reason}"[:ERROR_MAX]
    _finish(claimed, status=OutboxStatus.FAILED.value, last_error=reason)
    log.error("mail %s failed: %s", claimed.id, reason)
    return True


def _address(sender: str) -> str:
    return parseaddr(sender)[1] or sender


def build_message(claimed: Claimed) -> EmailMessage:
    """The MIME message: text and HTML alternatives, threading and unsubscribe headers."""
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    domain = _address(sender).rpartition("@")[2] or "rapport.invalid"
    to_address = claimed.to_address.strip()
    if not to_address or any(c in to_address for c in "\r\n,;<>") or "@" not in to_address:
        raise PermanentFailure(f"Not an e-mail address this can be sent to: {to_address!r}")
    message = EmailMessage()
    try:
        message["Subject"] = claimed.subject
        message["From"] = sender
        message["To"] = to_address
    except ValueError as exc:
        raise PermanentFailure(f"The message headers are not valid: {exc}") from exc
    message["Date"] = formatdate(claimed.created_at.timestamp(), usegmt=True)
    # The same id on every attempt, so a copy sent twice is recognisably the same mail.
    stamp = int(claimed.created_at.timestamp())
    message["Message-ID"] = f"<rapport.{claimed.id}.{stamp}@{domain}>"
    if claimed.request_id is not None:
        message["References"] = f"<rapport.request.{claimed.request_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    message["List-Unsubscribe"] = f"<{settings_url()}>"
    message.set_content(claimed.body_text)
    message.add_alternative(claimed.body_html, subtype="html")
    return message


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class Connection:
    """One SMTP session for a run, opened on first use."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        config = current_app.config
        host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
        timeout = config.get("MAIL_TIMEOUT", 30)
        try:
            if config.get("MAIL_USE_SSL"):
                smtp = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
            try:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls(context=ssl.create_default_context())
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            except BaseException:
                smtp.close()
                raise
        except smtplib.SMTPNotSupportedError as exc:
            raise ServerUnavailable(
                f"{host}:{port} does not offer what the settings ask for "
                f"(STARTTLS with MAIL_USE_TLS, or sign-in with MAIL_USERNAME): {exc}"
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise ServerUnavailable(
                f"{host}:{port} refused the sign-in of {config['MAIL_USERNAME']}: "
                f"{exc.smtp_code} {_text(exc.smtp_error)}"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise ServerUnavailable(
                f"{host}:{port} answered {exc.smtp_code} {_text(exc.smtp_error)}"
            ) from exc
        except (OSError, ssl.SSLError) as exc:
            raise ServerUnavailable(
                f"Could not reach the mail server {host}:{port}: {exc}"
            ) from exc
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        envelope_from = _address(current_app.config["MAIL_DEFAULT_SENDER"])
        try:
            self.smtp.send_message(message, from_addr=envelope_from)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            reason = f"The server refused the recipient: {code} {_text(text)}"
            raise (PermanentFailure if code >= 500 else DeliveryError)(reason) from exc
        except smtplib.SMTPResponseException as exc:
            reason = f"The server answered {exc.smtp_code} {_text(exc.smtp_error)}"
            if exc.smtp_code == 421:  # service closing: this connection is gone
                self.close()
                raise ServerUnavailable(reason) from exc
            raise (PermanentFailure if exc.smtp_code >= 500 else DeliveryError)(reason) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise ServerUnavailable(f"The connection to the mail server failed: {exc}") from exc

    def close(self) -> None:
        if self.smtp is None:
            return
        smtp, self.smtp = self.smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def send_due(limit: int = 100) -> SendReport:
    """Send up to `limit` due messages, one claim at a time; stops when the server can't
    be reached (the rest stay pending for the next run)."""
    report = SendReport()
    connection = Connection()
    try:
        while report.handled < limit:
            claimed = claim_next(utcnow())
            if claimed is None:
                break
            try:
                connection.send(build_message(claimed))
            except PermanentFailure as exc:
                _record_failure(claimed, str(exc), permanent=True, now=utcnow())
                report.failed += 1
            except DeliveryError as exc:
                if _record_failure(claimed, str(exc), permanent=False, now=utcnow()):
                    report.failed += 1
                else:
                    report.retrying += 1
                if isinstance(exc, ServerUnavailable):
                    report.stopped = str(exc)
                    break
            else:
                _finish(claimed, status=OutboxStatus.SENT.value, sent_at=utcnow(),
                        last_error=None)
                log.info("mail %s sent", claimed.id)
                report.sent += 1
    finally:
        connection.close()
        db.session.remove()
    return report
