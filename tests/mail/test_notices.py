"""Each kind of e-mail, caused through the app, reaches the right person with the right
subject and links, through a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.mail.conftest import BASE_URL, SENDER, outbox, send_mail
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import Role, ServiceRequest, Stage, SurveyInvitation
from tracker.service_requests import workflow

NEW_REQUEST = {
    "category": "broken",
    "title": "Printer on floor 3 jams",
    "description": "It jams on every page since this morning.",
    "impact": "just_me",
    "urgency": "slowed",
}


def _file(client, **changes):
    response = client.form_post("/requests/new", {**NEW_REQUEST, **changes})
    assert response.status_code == 303, response.status_code
    return response.headers["Location"].rsplit("/", 1)[-1]


def _only(mailbox, address, headline=""):
    """The one mail to `address` whose subject starts with `headline`."""
    found = [r for r in mailbox.to(address) if r.subject.startswith(headline)]
    assert len(found) == 1, [r.subject for r in mailbox.received]
    return found[0]


def test_filing_a_request_mails_the_requester_its_reference_and_link(app, client, make, mailbox):
    rosa = make.requester(name="Rosa Example")
    client.login(rosa.email)
    reference = _file(client)

    queued = outbox(app)
    assert [(m.kind, m.to_address, m.status) for m in queued] == [
        ("request_received", rosa.email, "pending")
    ]
    report = send_mail(app)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)

    mail = _only(mailbox, rosa.email)
    assert mail.mail_from == "it-help@rapport.test"
    assert mail.to == rosa.email
    assert str(mail.message["From"]) == SENDER
    assert mail.subject == f"We got your request – {reference}: Printer on floor 3 jams"
    assert "Hello Rosa," in mail.text
    assert f"{BASE_URL}/requests/{reference}" in mail.links()
    assert f'href="{BASE_URL}/requests/{reference}"' in mail.html
    assert outbox(app)[0].status == "sent"
    assert outbox(app)[0].sent_at is not None


def test_every_mail_links_to_the_e_mail_settings(app, client, make, mailbox):
    rosa = make.requester()
    client.login(rosa.email)
    _file(client)
    send_mail(app)
    mail = _only(mailbox, rosa.email)
    settings = f"{BASE_URL}/settings#emails"
    assert settings in mail.links()
    assert f'href="{settings}"' in mail.html
    assert str(mail.message["List-Unsubscribe"]) == f"<{settings}>"
    assert str(mail.message["Auto-Submitted"]) == "auto-generated"
    assert mail.message["Message-ID"].endswith("@rapport.test>")


def test_a_public_reply_from_it_mails_the_requester_with_the_reply(app, client, make, mailbox):
    rosa = make.requester()
    agent = make.agent(name="Alex Morgan")
    service_request = make.request(rosa, title="VPN drops")
    client.login(agent.email)
    response = client.form_post(
        f"/requests/{service_request.reference}/comments",
        {"body": "Could you try the new VPN profile?\nIt's on the intranet.",
         "visibility": "public"},
    )
    assert response.status_code == 303
    send_mail(app)
    mail = _only(mailbox, rosa.email, "Alex")
    assert mail.subject == f"Alex from IT replied – {service_request.reference}: VPN drops"
    assert "Could you try the new VPN profile?\nIt's on the intranet." in mail.text
    assert "Alex Morgan from IT replied" in mail.text
    assert "It&#39;s on the intranet." in mail.html


def test_internal_notes_and_the_requesters_own_messages_send_no_mail(app, client, make, mailbox):
    rosa = make.requester()
    agent = make.agent()
    service_request = make.request(rosa)
    client.login(agent.email)
    assert client.form_post(f"/requests/{service_request.reference}/comments",
                            {"body": "Cable looks frayed", "visibility": "internal"}
                            ).status_code == 303
    client.login(rosa.email)
    assert client.form_post(f"/requests/{service_request.reference}/comments",
                            {"body": "Any news?"}).status_code == 303
    assert [m.kind for m in outbox(app)] == ["request_received"]


def test_waiting_on_the_requester_says_what_is_needed(app, client, make, mailbox):
    rosa = make.requester()
    agent = make.agent()
    service_request = make.request(rosa, title="New monitor")
    client.login(agent.email)
    response = client.form_post(
        f"/board/requests/{service_request.reference}/stage",
        {"stage": "waiting_on_requester", "note": "Which desk are you at?"},
    )
    assert response.status_code in (200, 303)
    send_mail(app)
    mail = _only(mailbox, rosa.email, "We need something from you – ")
    assert "Which desk are you at?" in mail.text
    assert f"{BASE_URL}/requests/{service_request.reference}" in mail.links()


def test_resolving_mails_the_one_time_survey_link(app, client, make, mailbox):
    rosa = make.requester()
    agent = make.agent()
    service_request = make.request(rosa, title="Keyboard sticky")
    client.login(agent.email)
    client.form_post(f"/requests/{service_request.reference}/stage",
                     {"stage": "resolved", "note": "Replaced the keyboard."})
    send_mail(app)
    mail = _only(mailbox, rosa.email, "Done")
    assert mail.subject == f"Done: did this fix it? – {service_request.reference}: Keyboard sticky"
    assert "Replaced the keyboard." in mail.text
    survey_links = [link for link in mail.links() if "/survey/" in link]
    assert len(survey_links) == 1
    assert f'href="{survey_links[0]}"' in mail.html

    # The link is the real one-time survey: it opens signed out and takes one answer.
    path = survey_links[0].removeprefix(BASE_URL)
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert "How did we do" in page.get_data(as_text=True)
    token = visitor.csrf_token(path)
    assert visitor.post(path, data={"score": "5", "csrf_token": token}).status_code == 200
    with app.app_context():
        invitation = db.session.scalar(select(SurveyInvitation))
        assert invitation.answered_at is not None


def test_assignment_mails_the_new_assignee_but_not_someone_taking_it(app, client, make, mailbox):
    rosa = make.requester(name="Rosa Example")
    lead = make.agent(name="Lee Lead")
    alex = make.agent(name="Alex Morgan")
    service_request = make.request(rosa, title="Laptop slow", impact="my_team",
                                   urgency="blocked")
    client.login(lead.email)
    client.form_post(f"/board/requests/{service_request.reference}/assign",
                     {"assignee": str(alex.id)})
    client.login(alex.email)
    client.form_post(f"/board/requests/{service_request.reference}/assign", {"assignee": "none"})
    client.form_post(f"/board/requests/{service_request.reference}/assign", {"assignee": "me"})
    send_mail(app)
    assert [m.kind for m in outbox(app)] == ["request_received", "assigned"]
    mail = _only(mailbox, alex.email)
    assert mail.subject == f"Assigned to you – {service_request.reference}: Laptop slow"
    assert "Lee Lead assigned a request to you." in mail.text
    assert "P2 · High" in mail.text and "Rosa Example" in mail.text
    assert "SLA due:" in mail.text
    assert mailbox.to(lead.email) == []


def test_a_bulk_action_mails_only_for_requests_it_changed(app, client, make, mailbox):
    rosa = make.requester()
    lead = make.agent()
    alex = make.agent()
    first = make.request(rosa, title="First")
    taken = make.request(rosa, title="Second")
    with app.app_context():
        db.session.get(ServiceRequest, taken.id).assignee_id = alex.id
        db.session.commit()
    client.login(lead.email)
    response = client.form_post("/board/bulk", {
        "ids": [str(first.id), str(taken.id)], "action": "assign", "assignee": str(alex.id),
    })
    assert response.status_code in (200, 303)
    assigned = [m.request_id for m in outbox(app) if m.kind == "assigned"]
    assert assigned == [first.id]


def test_a_change_that_is_rolled_back_queues_nothing(app, make, mailbox):
    rosa = make.requester()
    lead = make.agent()
    alex = make.agent()
    service_request = make.request(rosa)
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        workflow.assign(found, db.session.merge(lead), db.session.merge(alex))
        assert len(db.session.new) == 0  # flushed into the transaction...
        db.session.rollback()  # ...and gone with it
    assert [m.kind for m in outbox(app)] == ["request_received"]


def test_subjects_stay_one_line_whatever_the_title_holds(app, make, mailbox):
    rosa = make.requester()
    lead = make.agent()
    alex = make.agent()
    service_request = make.request(rosa)
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        found.title = "Help\r\nBcc: everyone@example.com\r\n\r\n<b>R&D</b>\u2028laptop"
        workflow.assign(found, db.session.merge(lead), db.session.merge(alex))
        db.session.commit()
    send_mail(app)
    mail = _only(mailbox, alex.email)
    assert mail.message["Bcc"] is None
    assert mail.rcpt_tos == [alex.email]
    assert mail.subject == (
        f"Assigned to you – {service_request.reference}: "
        "Help Bcc: everyone@example.com <b>R&D</b> laptop"
    )
    # The text part is text: the title as typed. The HTML part escapes it.
    assert "<b>R&D</b>" in mail.text
    assert "&lt;b&gt;R&amp;D&lt;/b&gt;" in mail.html and "<b>R&D" not in mail.html


def test_nothing_is_queued_while_e_mail_is_off(app, client, make):
    assert not app.config.get("MAIL_SERVER")
    rosa = make.requester()
    agent = make.agent()
    client.login(rosa.email)
    reference = _file(client)
    client.login(agent.email)
    assert client.form_post(f"/requests/{reference}/comments",
                            {"body": "On it", "visibility": "public"}).status_code == 303
    assert client.form_post(f"/requests/{reference}/stage",
                            {"stage": "resolved"}).status_code == 303
    assert outbox(app) == []


def test_switched_off_accounts_get_no_mail(app, make, mailbox):
    rosa = make.requester(active=False)
    make.request(rosa)
    assert outbox(app) == []


def _at_risk(app, make, *, assignee=None, team=None, stage=Stage.IN_PROGRESS):
    rosa = make.requester()
    service_request = make.request(rosa, title="Shared drive slow")
    now = utcnow()
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        found.stage = stage.value
        found.assignee_id = assignee.id if assignee else None
        found.team_id = team.id if team else None
        found.sla_warn_at = now - timedelta(minutes=5)
        found.sla_due_at = now + timedelta(minutes=55)
        db.session.commit()
    return service_request


def _sla_check(app):
    return app.test_cli_runner().invoke(args=["sla-check"])


def test_sla_check_warns_the_assignee_once_per_due_time(app, make, mailbox):
    alex = make.agent(name="Alex Morgan")
    service_request = _at_risk(app, make, assignee=alex)
    make.request(make.requester(), title="Fine for now")  # its warning is hours away

    result = _sla_check(app)
    assert result.exit_code == 0, result.output
    assert "Queued 1 SLA notice." in result.output
    assert "Queued 0 SLA notices." in _sla_check(app).output  # idempotent

    send_mail(app)
    mail = _only(mailbox, alex.email)
    assert mail.subject == f"SLA at risk – {service_request.reference}: Shared drive slow"
    assert "Reply due in" in mail.text
    assert f"{BASE_URL}/requests/{service_request.reference}" in mail.links()

    # A new due time (say the priority changed) is a new warning; the same one is not.
    with app.app_context():
        found = db.session.get(ServiceRequest, service_request.id)
        found.sla_due_at = utcnow() + timedelta(minutes=20)
        db.session.commit()
    assert "Queued 1 SLA notice." in _sla_check(app).output
    assert "Queued 0 SLA notices." in _sla_check(app).output


def test_sla_check_warns_the_team_when_nobody_is_assigned(app, make, mailbox):
    alex = make.agent()
    bo = make.user(roles=(Role.BUDDY,))
    gone = make.agent(active=False)
    team = make.team("Service Desk", members=[alex, bo, gone])
    service_request = _at_risk(app, make, team=team)
    _at_risk(app, make, stage=Stage.WAITING_ON_REQUESTER, assignee=alex)  # clock stopped
    assert "Queued 2 SLA notices." in _sla_check(app).output
    send_mail(app)
    for person in (alex, bo):
        mail = _only(mailbox, person.email)
        assert service_request.reference in mail.subject
        assert "member of Service Desk" in mail.text
    assert mailbox.to(gone.email) == []


def test_sla_check_calls_a_breach_a_breach(app, make, mailbox):
    alex = make.agent()
    service_request = _at_risk(app, make, assignee=alex)
    with app.app_context():
        db.session.get(ServiceRequest, service_request.id).sla_due_at = (
            utcnow() - timedelta(minutes=30)
        )
        db.session.commit()
    _sla_check(app)
    send_mail(app)
    mail = _only(mailbox, alex.email)
    assert mail.subject.startswith("SLA breached – ")
    assert "breached" in mail.text


def test_sla_check_does_nothing_while_e_mail_is_off(app, make):
    _at_risk(app, make, assignee=make.agent())
    result = _sla_check(app)
    assert result.exit_code == 0
    assert "E-mail is off" in result.output
    assert outbox(app) == []
