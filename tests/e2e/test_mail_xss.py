"""E-mail: payloads in what people type reach the HTML of e-mails and the admin's outbox
page only as text. The mail's HTML is opened in Chromium as a mail client would show it."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from tests.e2e.payloads import pack
from tests.e2e.test_xss import shows, visit
from tracker.extensions import db
from tracker.models import OutboxMessage, Role, ServiceRequest, User
from tracker.service_requests import services, workflow

TITLE = pack(120, 5)  # whole in the subject (titles are cut at 120 characters there)
REPLY = pack(5_000, 17)
WAITING_NOTE = pack(500, 41)
SERVER_WORDS = pack(500, 23)
MAIL_ON = {
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 2525,
    "MAIL_DEFAULT_SENDER": "it@rapport.test",
    "RAPPORT_BASE_URL": "https://rapport.test",
}


def _flat(text: str) -> str:
    """How a subject line holds the text: one line, single spaces."""
    return " ".join(text.split())


def open_mail(page, html: str) -> None:
    """Show an e-mail's HTML as its own document (no site, no CSP), with the guard on."""
    page.goto("data:text/html;charset=utf-8," + quote(html))


@pytest.fixture
def mail_on(app):
    saved = {name: app.config.get(name) for name in MAIL_ON}
    app.config.update(MAIL_ON)
    try:
        yield
    finally:
        app.config.update(saved)


def test_mail_html_and_the_outbox_show_payloads_as_text(app, browsing, make, mail_on):
    admin = make.user(roles=(Role.ADMIN,))
    agent = make.agent()
    requester = make.requester()
    service_request = make.request(requester, title=TITLE)
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        staff = db.session.get(User, agent.id)
        services.add_comment(found, staff, REPLY)
        workflow.move_stage(found, staff, "waiting_on_requester", note=WAITING_NOTE)
        messages = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert [m.kind for m in messages] == ["request_received", "reply", "waiting_on_you"]
        messages[0].status, messages[0].last_error = "failed", SERVER_WORDS
        bodies = {m.kind: m.body_html for m in messages}
        db.session.commit()

    reader = browsing.new_page()  # a blank page, as a mail client shows a message
    for kind, expected in [("request_received", [TITLE]), ("reply", [TITLE, REPLY]),
                           ("waiting_on_you", [TITLE, WAITING_NOTE])]:
        open_mail(reader, bodies[kind])
        shows(reader, *expected, where=f"the HTML of the {kind} e-mail")
    # The harness itself: on such a page a payload that runs is noticed.
    open_mail(reader, "<p>guard check <img src=x onerror=__xss(7)></p>")
    reader.wait_for_function("() => window.__xss.calls.length > 0")
    for _ in range(50):
        if reader.guard.problems():
            break
        reader.wait_for_timeout(50)
    assert "__xss(7)" in str(reader.guard.problems())
    reader.close()

    page = browsing.sign_in(admin)
    visit(page, "/admin/outbox", _flat(TITLE), SERVER_WORDS)
    visit(page, "/admin/outbox?status=failed", _flat(TITLE), SERVER_WORDS)
