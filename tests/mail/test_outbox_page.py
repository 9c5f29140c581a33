"""The administrators' outbox page: counts, lists per status, reasons, try again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.mail.conftest import outbox, send_mail
from tests.pages import visible_text
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import OutboxMessage, Role


def _message(app, status="pending", *, to="rosa@example.com", kind="reply", error=None,
             attempts=0, age=timedelta(minutes=1), due_in=timedelta(0), subject=None):
    now = utcnow()
    with app.app_context():
        message = OutboxMessage(
            to_address=to, kind=kind, subject=subject or f"A {status} message to {to}",
            body_text="Hello", body_html="<p>Hello</p>", status=status, attempts=attempts,
            last_error=error, created_at=now - age, next_attempt_at=now + due_in,
            sent_at=now if status == "sent" else None,
        )
        db.session.add(message)
        db.session.commit()
        return message.id


@pytest.fixture
def admin(client, make):
    person = make.user(roles=(Role.ADMIN,))
    client.login(person.email)
    return person


def test_the_outbox_shows_each_status_with_counts_and_reasons(app, client, admin):
    _message(app, "pending", to="wait@example.com")
    _message(app, "sent", to="done@example.com", kind="request_received")
    _message(app, "failed", to="gone@example.com", kind="assigned", attempts=1,
             error="The server refused the recipient: 550 5.1.1 No such user here")
    _message(app, "pending", to="later@example.com", attempts=2, due_in=timedelta(minutes=4),
             error="Could not reach the mail server smtp.example.com:587: timed out")

    response = client.get("/admin/outbox")
    assert response.status_code == 200
    text = visible_text(response.get_data(as_text=True))
    for expected in ("All 4", "Waiting 2", "Failed 1", "Sent 1", "wait@example.com",
                     "done@example.com", "gone@example.com",
                     "550 5.1.1 No such user here", "after 1 attempt", "attempt 3 in",
                     "Could not reach the mail server smtp.example.com:587", "Try again",
                     "Try the failed one again", "Reply from IT", "Assigned", "E-mail is off"):
        assert expected in text, expected

    failed = visible_text(client.get("/admin/outbox?status=failed").get_data(as_text=True))
    assert "gone@example.com" in failed and "wait@example.com" not in failed
    waiting = visible_text(client.get("/admin/outbox?status=waiting").get_data(as_text=True))
    assert "wait@example.com" in waiting and "later@example.com" in waiting
    assert "done@example.com" not in waiting
    by_kind = visible_text(client.get("/admin/outbox?kind=assigned").get_data(as_text=True))
    assert "gone@example.com" in by_kind and "wait@example.com" not in by_kind
    by_person = visible_text(client.get("/admin/outbox?q=DONE@").get_data(as_text=True))
    assert "done@example.com" in by_person and "gone@example.com" not in by_person
    nothing = visible_text(client.get("/admin/outbox?q=nobody").get_data(as_text=True))
    assert "No message matches" in nothing


def test_an_empty_outbox_and_mail_settings(client, admin, mailbox):
    text = visible_text(client.get("/admin/outbox").get_data(as_text=True))
    assert "No e-mail yet" in text
    assert f"Sending through 127.0.0.1:{mailbox.port} as IT help <it-help@rapport.test>" in text
    assert "E-mail is off" not in text


def test_mail_waiting_too_long_asks_whether_the_sender_runs(app, client, admin):
    _message(app, "pending", age=timedelta(hours=2), due_in=-timedelta(hours=2))
    text = visible_text(client.get("/admin/outbox").get_data(as_text=True))
    assert "Mail is waiting longer than it should." in text
    assert "Is flask --app tracker send-mail running" in text


def test_failed_mail_can_be_tried_again_one_or_all(app, client, admin, mailbox):
    first = _message(app, "failed", to="one@example.com", attempts=5, error="550 refused")
    _message(app, "failed", to="two@example.com", attempts=5, error="550 refused")
    _message(app, "failed", to="three@example.com", attempts=5, error="550 refused")
    sent = _message(app, "sent", to="done@example.com")

    response = client.form_post("/admin/outbox/retry", {"scope": "one", "message": str(first),
                                                        "status": "failed"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/outbox?status=failed")
    rows = {m.id: m for m in outbox(app)}
    assert (rows[first].status, rows[first].attempts) == ("pending", 0)
    assert rows[first].next_attempt_at <= utcnow()
    page = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "1 message will be tried again on the next send-mail run." in visible_text(page)

    # A message that isn't failed is left alone.
    client.form_post("/admin/outbox/retry", {"scope": "one", "message": str(sent)})
    assert {m.id: m.status for m in outbox(app)}[sent] == "sent"

    client.form_post("/admin/outbox/retry", {"scope": "failed"})
    assert sorted(m.status for m in outbox(app)) == ["pending"] * 3 + ["sent"]
    assert send_mail(app).sent == 3
    assert sorted(r.rcpt_tos[0] for r in mailbox.received) == [
        "one@example.com", "three@example.com", "two@example.com"
    ]


def test_a_retry_without_a_choice_changes_nothing(app, client, admin):
    _message(app, "failed")
    response = client.form_post("/admin/outbox/retry", {})
    assert response.status_code == 303
    assert outbox(app)[0].status == "failed"
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Choose a failed message to try again." in visible_text(page)


def test_what_the_server_said_is_shown_as_text(app, client, admin):
    _message(app, "failed", error='554 <script>alert(1)</script> "rejected"',
             subject="<img src=x onerror=alert(2)>")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


@pytest.mark.parametrize("email_role", [(), (Role.AGENT,), (Role.BRM,), (Role.BUDDY,)])
def test_only_administrators_see_the_outbox(app, client, make, email_role):
    person = make.user(roles=email_role)
    client.login(person.email)
    failed = _message(app, "failed")
    assert client.get("/admin/outbox").status_code == 404
    response = client.form_post("/admin/outbox/retry", {"scope": "failed"})
    assert response.status_code == 404
    assert {m.id: m.status for m in outbox(app)}[failed] == "failed"
    assert 'href="/admin/' not in client.get("/").get_data(as_text=True)  # no way in either


def test_the_outbox_page_runs_a_fixed_number_of_queries(app, client, admin, count_queries):
    for n in range(3):
        _message(app, "sent", to=f"a{n}@example.com")

    def statements(path):
        with count_queries() as seen:
            assert client.get(path).status_code == 200
        return len(seen)

    client.get("/admin/outbox")  # the first page after signing in also touches the session
    few = statements("/admin/outbox")
    for n in range(60):
        _message(app, ("sent", "failed", "pending")[n % 3], to=f"b{n}@example.com",
                 error="451 later" if n % 3 else None)
    assert statements("/admin/outbox") == few
    assert statements("/admin/outbox?page=2&status=all") == few
    assert statements("/admin/outbox?status=failed&kind=reply") == few
    assert few == 4  # the signed-in person, counts per status, the rows, how many rows


def test_the_admin_nav_links_to_the_outbox(client, admin):
    page = client.get("/admin/people").get_data(as_text=True)
    assert 'href="/admin/outbox"' in page
