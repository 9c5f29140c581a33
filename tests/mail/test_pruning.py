"""`prune-outbox`: sent e-mail is forgotten after a while; waiting and failed mail stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.mail.conftest import outbox
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import OutboxMessage, OutboxStatus


def _filed(app, make, count: int) -> list[int]:
    person = make.requester()
    for n in range(count):
        make.request(person, title=f"Request number {n}")
    return [message.id for message in outbox(app)]


def _set(app, message_id: int, status: OutboxStatus, age: timedelta) -> None:
    with app.app_context():
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status=status.value, created_at=utcnow() - age)
        )
        db.session.commit()


def test_old_sent_mail_is_deleted_and_the_rest_kept(app, make, mailbox):
    old_sent, new_sent, old_failed, old_pending = _filed(app, make, 4)
    _set(app, old_sent, OutboxStatus.SENT, timedelta(days=31))
    _set(app, new_sent, OutboxStatus.SENT, timedelta(days=29))
    _set(app, old_failed, OutboxStatus.FAILED, timedelta(days=90))
    _set(app, old_pending, OutboxStatus.PENDING, timedelta(days=90))

    result = app.test_cli_runner().invoke(args=["prune-outbox"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Deleted 1 sent e-mail older than 30 days."
    assert [m.id for m in outbox(app)] == [new_sent, old_failed, old_pending]

    result = app.test_cli_runner().invoke(args=["prune-outbox", "--days", "7"])
    assert result.output.strip() == "Deleted 1 sent e-mail older than 7 days."
    assert [m.id for m in outbox(app)] == [old_failed, old_pending]


def test_sent_mail_is_kept_at_least_a_week(app):
    result = app.test_cli_runner().invoke(args=["prune-outbox", "--days", "1"])
    assert result.exit_code == 2
    assert "1 is not in the range 7<=x<=3650" in result.output
