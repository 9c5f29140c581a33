"""A real SMTP server on a free loopback port, and the app's e-mail switched on to use it.

The server (aiosmtpd) keeps every message it accepts, parsed, and can be told to answer
a recipient or the message with an error, to stall, or to ask for a sign-in.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from tracker.extensions import db
from tracker.mail import sender
from tracker.models import OutboxMessage

BASE_URL = "https://rapport.test"
SENDER = "IT help <it-help@rapport.test>"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content().replace("\r\n", "\n")

    def links(self) -> list[str]:
        return re.findall(r"https?://[^\s<>\"]+", self.text)


class Mailbox:
    """The aiosmtpd handler: what was received, and how to misbehave."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.rcpt_answer: str | None = None  # e.g. "451 4.3.0 Try later", "550 5.1.1 No user"
        self.data_answer: str | None = None
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.data_answer:
            return self.data_answer
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Authenticator:
    def __init__(self, username: str, password: str) -> None:
        self.expected = (username.encode(), password.encode())
        self.seen: list[bytes] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.seen.append(auth_data.login)
            ok = (auth_data.login, auth_data.password) == self.expected
            return AuthResult(success=ok, handled=False)  # not handled: the server answers 535
        return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server():
    """A running SMTP server on 127.0.0.1; yields (mailbox, port)."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


MAIL_SETTINGS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME",
                 "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER", "MAIL_TIMEOUT", "MAIL_MAX_ATTEMPTS",
                 "RAPPORT_BASE_URL")


@pytest.fixture
def mail_config(app):
    """Switch e-mail settings for one test and put them back afterwards."""
    saved = {name: app.config.get(name) for name in MAIL_SETTINGS}

    def switch(**settings):
        app.config.update(settings)

    try:
        yield switch
    finally:
        app.config.update(saved)


@pytest.fixture
def mailbox(smtp_server, mail_config):
    """E-mail on, pointed at the test server; yields the server's mailbox."""
    box, port = smtp_server
    mail_config(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
        MAIL_USERNAME=None, MAIL_PASSWORD=None, MAIL_DEFAULT_SENDER=SENDER, MAIL_TIMEOUT=10,
        MAIL_MAX_ATTEMPTS=5, RAPPORT_BASE_URL=BASE_URL,
    )
    box.port = port
    return box


def send_mail(app, limit: int = 100) -> sender.SendReport:
    """One run of the sender, as `flask send-mail` does it."""
    with app.app_context():
        return sender.send_due(limit)


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows
