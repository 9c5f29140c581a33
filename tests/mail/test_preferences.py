""""E-mails you get" on the settings page: one box per kind that applies, default on,
and a kind switched off is never queued."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.mail.conftest import outbox, send_mail
from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import EmailOptOut, Role, ServiceRequest, User

REQUESTER_KINDS = ["request_received", "reply", "waiting_on_you", "resolved"]
STAFF_KINDS = ["assigned", "sla_at_risk"]


def _boxes(page: str) -> dict[str, bool]:
    """Each e-mail checkbox on the page and whether it is ticked."""
    found = {}
    for tag in re.findall(r'<input[^>]*name="kinds"[^>]*>', page):
        value = re.search(r'value="([^"]+)"', tag).group(1)
        found[value] = "checked" in tag
    return found


def _opt_outs(app, person) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(
            select(EmailOptOut.kind).where(EmailOptOut.user_id == person.id)
        ))


def test_a_requester_sees_the_requester_kinds_all_ticked(client, make, mailbox):
    rosa = make.requester()
    client.login(rosa.email)
    page = client.get("/settings").get_data(as_text=True)
    assert _boxes(page) == dict.fromkeys(REQUESTER_KINDS, True)
    text = visible_text(page)
    assert "E-mails you get" in text
    assert f"We e-mail you at {rosa.email}" in text
    assert "When someone from IT replies to you" in text
    assert 'id="emails"' in page


def test_staff_also_see_their_work_notices(client, make, mailbox):
    alex = make.agent()
    client.login(alex.email)
    page = client.get("/settings").get_data(as_text=True)
    assert _boxes(page) == dict.fromkeys(REQUESTER_KINDS + STAFF_KINDS, True)
    assert "For your work in IT" in visible_text(page)


def test_the_page_says_when_e_mail_is_not_set_up(client, make):
    rosa = make.requester()
    client.login(rosa.email)
    text = visible_text(client.get("/settings").get_data(as_text=True))
    assert "E-mail isn't set up here yet" in text


def test_unticking_a_kind_stops_those_mails_only(app, client, make, mailbox):
    rosa = make.requester()
    agent = make.agent()
    client.login(rosa.email)
    response = client.form_post("/settings/emails", {"kinds": ["reply", "resolved"]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/settings#emails")
    assert _opt_outs(app, rosa) == {"request_received", "waiting_on_you"}
    page = client.get("/settings").get_data(as_text=True)
    assert "We'll e-mail you only about what you ticked." in visible_text(page)
    assert _boxes(page) == {"request_received": False, "reply": True,
                            "waiting_on_you": False, "resolved": True}

    service_request = make.request(rosa)  # no "we got it" mail
    client.login(agent.email)
    reference = service_request.reference
    client.form_post(f"/requests/{reference}/stage",
                     {"stage": "waiting_on_requester", "note": "Which floor?"})
    client.form_post(f"/requests/{reference}/comments", {"body": "Found it", "visibility":
                                                         "public"})
    assert [m.kind for m in outbox(app)] == ["reply"]
    send_mail(app)
    assert [r.subject.split(" – ")[0] for r in mailbox.received] == ["Person from IT replied"]
    assert len(mailbox.to(rosa.email)) == 1

    # Ticking it again switches it back on.
    client.login(rosa.email)
    client.form_post("/settings/emails", {"kinds": REQUESTER_KINDS})
    assert _opt_outs(app, rosa) == set()


def test_nothing_ticked_means_no_mail_at_all(app, client, make, mailbox):
    rosa = make.requester()
    client.login(rosa.email)
    response = client.form_post("/settings/emails", {})
    assert response.status_code == 303
    assert _opt_outs(app, rosa) == set(REQUESTER_KINDS)
    page = client.get("/settings").get_data(as_text=True)
    assert "We won't send you any e-mails" in visible_text(page)
    make.request(rosa)
    assert outbox(app) == []


def test_staff_can_switch_off_assignment_mails(app, client, make, mailbox):
    lead = make.agent()
    alex = make.agent()
    rosa = make.requester()
    client.login(alex.email)
    client.form_post("/settings/emails", {"kinds": REQUESTER_KINDS + ["sla_at_risk"]})
    assert _opt_outs(app, alex) == {"assigned"}
    service_request = make.request(rosa)
    client.login(lead.email)
    response = client.form_post(f"/board/requests/{service_request.reference}/assign",
                                {"assignee": str(alex.id)})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(ServiceRequest, service_request.id).assignee_id == alex.id
    assert [m.kind for m in outbox(app)] == ["request_received"]


def test_a_requester_cannot_tick_staff_kinds_and_keeps_them_for_later(app, client, make):
    rosa = make.requester()
    client.login(rosa.email)
    response = client.form_post("/settings/emails", {"kinds": ["reply", "assigned"]})
    assert response.status_code == 422
    text = visible_text(response.get_data(as_text=True))
    assert "E-mails you get" in text and "Please choose from the e-mails listed here." in text
    assert _opt_outs(app, rosa) == set()

    # Switching requester kinds off leaves staff kinds alone: on when they join IT.
    client.form_post("/settings/emails", {"kinds": ["reply"]})
    assert _opt_outs(app, rosa) == {"request_received", "waiting_on_you", "resolved"}
    with app.app_context():
        db.session.get(User, rosa.id).set_roles({Role.REQUESTER, Role.AGENT})
        db.session.commit()
    page = client.get("/settings").get_data(as_text=True)
    assert _boxes(page)["assigned"] is True and _boxes(page)["sla_at_risk"] is True


def test_saving_choices_needs_signing_in(client):
    token = client.csrf_token("/login")
    response = client.post("/settings/emails", data={"csrf_token": token, "kinds": "reply"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
