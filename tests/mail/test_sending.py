"""`send-mail`: real delivery, retries with backoff, permanent failures, claims that two
senders never share, and a sender that dies without losing its message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from tests.mail.conftest import Authenticator, Mailbox, free_port, outbox, send_mail
from tracker.database import utcnow
from tracker.extensions import db
from tracker.mail import sender
from tracker.mail.kinds import MailKind
from tracker.mail.outbox import queue
from tracker.models import OutboxMessage, ServiceRequest, User

ROOT = Path(__file__).resolve().parents[2]


def _queue(app, make, count: int = 1) -> list[int]:
    """`count` requests filed, each with its "we got your request" mail waiting."""
    person = make.requester()
    ids = []
    for n in range(count):
        service_request = make.request(person, title=f"Request number {n}")
        ids.append(service_request.id)
    return ids


def _make_due(app) -> None:
    """The backoff (or a dead sender's claim) has run out."""
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()


def _refusing_port() -> int:
    return free_port()  # nothing listens there: connection refused


def test_backoff_doubles_up_to_four_hours():
    waits = [sender.backoff(n) for n in range(1, 12)]
    assert waits[:5] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert waits[-1] == timedelta(hours=4)
    assert waits == sorted(waits)


def test_a_refused_connection_is_retried_later_and_delivered_exactly_once(
    app, make, mailbox, mail_config
):
    working = mailbox.port
    mail_config(MAIL_PORT=_refusing_port())
    _queue(app, make)

    before = utcnow()
    report = send_mail(app)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    assert "Could not reach the mail server" in report.stopped
    [message] = outbox(app)
    assert (message.status, message.attempts) == ("pending", 1)
    assert "Could not reach the mail server 127.0.0.1" in message.last_error
    assert timedelta(seconds=50) < message.next_attempt_at - before < timedelta(seconds=70)

    mail_config(MAIL_PORT=working)
    assert send_mail(app).handled == 0  # not due yet: it waits for its backoff
    _make_due(app)
    assert send_mail(app).sent == 1
    assert send_mail(app).handled == 0
    _make_due(app)
    assert send_mail(app).handled == 0  # sent mail is never due again
    assert len(mailbox.received) == 1
    [message] = outbox(app)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)


def test_a_server_that_answers_4xx_is_tried_again(app, make, mailbox):
    _queue(app, make, 2)
    mailbox.rcpt_answer = "451 4.3.0 Mailbox busy, try again later"
    report = send_mail(app)
    assert (report.sent, report.retrying, report.stopped) == (0, 2, None)
    assert {m.last_error for m in outbox(app)} == {
        "The server refused the recipient: 451 4.3.0 Mailbox busy, try again later"
    }
    mailbox.rcpt_answer = None
    _make_due(app)
    assert send_mail(app).sent == 2
    assert sorted(r.subject for r in mailbox.received) == [
        "We got your request – REQ-000001: Request number 0",
        "We got your request – REQ-000002: Request number 1",
    ]
    assert [m.status for m in outbox(app)] == ["sent", "sent"]


def test_a_refused_recipient_fails_for_good_with_the_reason(app, make, mailbox):
    _queue(app, make)
    mailbox.rcpt_answer = "550 5.1.1 No such user here"
    report = send_mail(app)
    assert (report.sent, report.retrying, report.failed) == (0, 0, 1)
    [message] = outbox(app)
    assert message.status == "failed"
    assert message.last_error == "The server refused the recipient: 550 5.1.1 No such user here"
    mailbox.rcpt_answer = None
    _make_due(app)
    assert send_mail(app).handled == 0
    assert mailbox.received == []


def test_a_refused_message_fails_and_the_next_one_still_goes(app, make, mailbox):
    _queue(app, make, 2)
    answers = iter(["554 5.6.0 Message rejected as spam", None])

    original = mailbox.handle_DATA

    async def one_refusal(server, session, envelope):
        mailbox.data_answer = next(answers, None)
        return await original(server, session, envelope)

    mailbox.handle_DATA = one_refusal
    report = send_mail(app)
    assert (report.sent, report.failed) == (1, 1)
    first, second = outbox(app)
    assert first.status == "failed" and "554 5.6.0" in first.last_error
    assert second.status == "sent"


def test_after_the_last_attempt_a_message_is_failed_and_can_be_tried_again(
    app, make, mailbox, mail_config
):
    working = mailbox.port
    mail_config(MAIL_PORT=_refusing_port(), MAIL_MAX_ATTEMPTS=3)
    _queue(app, make)
    for _ in range(3):
        send_mail(app)
        _make_due(app)
    [message] = outbox(app)
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.last_error.startswith("Gave up after 3 attempts. Could not reach")

    from tracker.mail.outbox import retry_failed

    with app.app_context():
        assert retry_failed([message.id]) == 1
        db.session.commit()
    mail_config(MAIL_PORT=working)
    assert send_mail(app).sent == 1
    assert len(mailbox.received) == 1


def test_a_claim_left_by_a_sender_that_died_is_taken_over_once_stale(app, make, mailbox):
    _queue(app, make)
    with app.app_context():
        dead = sender.claim_next(utcnow())  # claimed, then the process died
        db.session.remove()
    assert outbox(app)[0].status == "sending"
    assert send_mail(app).handled == 0  # the claim is fresh: nobody else touches it

    _make_due(app)  # ten minutes later
    assert send_mail(app).sent == 1
    with app.app_context():
        sender._finish(dead, status="failed", last_error="late word from the dead sender")
    [message] = outbox(app)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)
    assert len(mailbox.received) == 1


def test_two_senders_at_once_never_send_a_message_twice(app, make, mailbox):
    _queue(app, make, 12)
    mailbox.delay = 0.05  # slow server: the two runs overlap the whole time
    reports = []

    def run():
        reports.append(send_mail(app))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.sent for r in reports) == 12
    assert all(r.sent > 0 for r in reports), [r.sent for r in reports]
    ids = [str(r.message["Message-ID"]) for r in mailbox.received]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert {m.status for m in outbox(app)} == {"sent"}
    assert {m.attempts for m in outbox(app)} == {1}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_signing_in_to_the_server(app, make, mail_config):
    mailbox = Mailbox()
    port = free_port()
    authenticator = Authenticator("rapport", "s3cret")
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
        auth_required=True, auth_require_tls=False,
    )
    controller.start()
    try:
        mail_config(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USERNAME="rapport",
                    MAIL_PASSWORD="wrong", MAIL_DEFAULT_SENDER="it@rapport.test",
                    RAPPORT_BASE_URL="https://rapport.test", MAIL_USE_TLS=False,
                    MAIL_USE_SSL=False, MAIL_MAX_ATTEMPTS=5)
        _queue(app, make)
        report = send_mail(app)
        assert report.retrying == 1
        assert "refused the sign-in of rapport: 535" in outbox(app)[0].last_error
        mail_config(MAIL_PASSWORD="s3cret")
        _make_due(app)
        assert send_mail(app).sent == 1
        assert len(mailbox.received) == 1
        assert set(authenticator.seen) == {b"rapport"}
    finally:
        controller.stop()


def test_starttls_asked_for_but_not_offered_keeps_the_message(app, make, mailbox, mail_config):
    mail_config(MAIL_USE_TLS=True)
    _queue(app, make)
    report = send_mail(app)
    assert report.retrying == 1 and report.stopped
    [message] = outbox(app)
    assert message.status == "pending"
    assert "STARTTLS" in message.last_error
    assert mailbox.received == []


def test_an_address_that_could_smuggle_recipients_is_refused(app, make, mailbox):
    person = make.requester()
    with app.app_context():
        row = db.session.get(User, person.id)
        row.email = "rosa@example.com\r\nRCPT TO:<everyone@example.com>"
        message = queue(row, MailKind.REQUEST_RECEIVED, "Hello")
        db.session.commit()
        assert message is not None
    assert send_mail(app).failed == 1
    assert "Not an e-mail address" in outbox(app)[0].last_error
    assert mailbox.received == []


def test_the_send_mail_command(app, make, mailbox):
    _queue(app, make, 3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-mail", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Sent 2, will retry 0, failed 0."
    result = runner.invoke(args=["send-mail"])
    assert result.output.strip() == "Sent 1, will retry 0, failed 0."
    assert len(mailbox.received) == 3


def test_the_send_mail_command_fails_when_the_server_cannot_be_reached(
    app, make, mailbox, mail_config
):
    """Cron and monitors see a failed run; the message waits for the next one."""
    mail_config(MAIL_PORT=_refusing_port())
    _queue(app, make)
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 1
    assert "Stopped early: Could not reach the mail server" in result.output
    assert [m.status for m in outbox(app)] == ["pending"]


def test_the_send_mail_command_while_e_mail_is_off(app):
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0
    assert "E-mail is off" in result.output


def _sender_process(app, port: int, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "sender-process",
        "RAPPORT_ENV": "testing",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_DEFAULT_SENDER": "it@rapport.test",
        "RAPPORT_BASE_URL": "https://rapport.test",
    }
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "flask", "--app", "tracker", "send-mail", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("gave up waiting")


def test_a_looping_sender_sends_new_mail_and_stops_cleanly(app, make, mailbox):
    process = _sender_process(app, mailbox.port, "--loop", "--interval", "1")
    try:
        _queue(app, make)
        _wait_for(lambda: len(mailbox.received) == 1)
        _queue(app, make)
        _wait_for(lambda: len(mailbox.received) == 2)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert output.count("Sent 1, will retry 0, failed 0.") == 2
    assert {m.status for m in outbox(app)} == {"sent"}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_sender_killed_mid_message_loses_nothing(app, make, mailbox):
    _queue(app, make)
    arrived = threading.Event()
    original = mailbox.handle_RCPT

    async def stall(server, session, envelope, address, rcpt_options):
        arrived.set()
        import asyncio

        await asyncio.sleep(30)
        return await original(server, session, envelope, address, rcpt_options)

    mailbox.handle_RCPT = stall
    process = _sender_process(app, mailbox.port)
    try:
        assert arrived.wait(30), "the sender never reached the server"
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    [message] = outbox(app)
    assert message.status == "sending"  # claimed by the dead sender, not lost

    mailbox.handle_RCPT = original
    _make_due(app)  # the claim's lifetime is over
    assert send_mail(app).sent == 1
    assert len(mailbox.received) == 1
    with app.app_context():
        assert db.session.get(ServiceRequest, 1) is not None
