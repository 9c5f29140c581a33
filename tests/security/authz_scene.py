"""The shared scene for the authorization matrix and the IDOR checks.

Two business units. Unit A ("Aster Finance") has a requester, a BRM and an IT buddy;
unit B ("Birch Logistics") has its own requester and BRM. An agent and an administrator
belong to no unit. Unit A's objects carry distinctive words, so a test can tell whether
any of them leaked into a page that should not show them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from sqlalchemy import select

from tests.attachments.samples import png
from tracker.database import utcnow
from tracker.extensions import db
from tracker.feedback import surveys
from tracker.models import (
    ApiToken,
    GlossaryTerm,
    NextAction,
    Notification,
    PulseSurvey,
    Role,
    SavedView,
    ServiceRequest,
    Touchpoint,
    User,
)
from tracker.relationships.pulse import PULSE_LIFETIME, quarter_of
from tracker.shadow_it import services as tool_services

PERSONAS = (
    "anonymous",
    "requester_a",
    "requester_b",
    "agent",
    "buddy",
    "brm_a",
    "brm_b",
    "admin",
)

# Unit A's distinctive words: none may appear on a page refused to an outsider.
SECRETS = {
    "unit": "Aster Finance",
    "requester_name": "Quentin Quokka",
    "requester_email": "quentin.quokka@example.com",
    "request_title": "Payroll export fails at quokka step",
    "request_description": "The zorbulating ledger macro stops at row 4417.",
    "comment": "Tried the gimbal workaround twice already.",
    "internal_note": "Internal: the macro belongs to the narwhal team.",
    "tool_name": "Zebrafish Planner",
    "tool_purpose": "Plans the zebrafish budget rounds.",
    "touchpoint_notes": "Discussed the walrus migration roadmap.",
    "action": "Send the walrus licence list",
    "notification": "Ocelot reply waiting on your request",
    "view_name": "Pelican triage view",
    "survey_comment": "The lemur fix took far too long.",
    "attachment": "quokka-ledger-error.png",
    "internal_attachment": "narwhal-macro-notes.txt",
    "token_name": "Capybara sync script",
}


@dataclass
class Scene:
    ids: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    reference: str = ""
    reference_b: str = ""
    survey_token: str = ""

    def url_values(self) -> dict[str, object]:
        """Values for every URL variable, all bound to unit A's objects."""
        return {
            "reference": self.reference,
            "tool_id": self.ids["tool"],
            "unit_id": self.ids["unit_a"],
            "action_id": self.ids["action"],
            "pulse_id": self.ids["pulse"],
            "user_id": self.ids["requester_a"],
            "view_id": self.ids["view"],
            "notification_id": self.ids["notification"],
            "token": self.survey_token,
            "term_id": self.ids["glossary_term"],
            "attachment_id": self.ids["attachment"],
            "name": SECRETS["attachment"],
            "token_id": self.ids["api_token"],
        }


_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([a-z_]+)>")


def fill_rule(rule: str, values: dict[str, object]) -> str:
    """A concrete path for a URL rule, with each variable replaced by its value."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no scene value for URL variable {name!r} in {rule}")
        return str(values[name])

    return _VARIABLE.sub(value, rule)


def build_scene(app, make) -> Scene:
    scene = Scene()
    brm_a = make.user(email="bea.brm@example.com", name="Bea Brm", roles=(Role.BRM,))
    brm_b = make.user(email="bo.brm@example.com", name="Bo Brm", roles=(Role.BRM,))
    buddy = make.user(email="buddy@example.com", name="Buddy Holm", roles=(Role.BUDDY,))
    agent = make.agent(email="agent@example.com", name="Alex Agent")
    admin = make.user(email="admin@example.com", name="Ada Admin", roles=(Role.ADMIN,))
    unit_a = make.unit(SECRETS["unit"], brm=brm_a, buddy=buddy)
    unit_b = make.unit("Birch Logistics", brm=brm_b)
    requester_a = make.requester(
        email=SECRETS["requester_email"], name=SECRETS["requester_name"], unit=unit_a,
        buddy=buddy,
    )
    requester_b = make.requester(email="rita.b@example.com", name="Rita Birch", unit=unit_b)
    people = {
        "requester_a": requester_a, "requester_b": requester_b, "agent": agent,
        "buddy": buddy, "brm_a": brm_a, "brm_b": brm_b, "admin": admin,
    }
    scene.emails = {name: person.email for name, person in people.items()}
    scene.ids = {name: person.id for name, person in people.items()}
    scene.ids["unit_a"], scene.ids["unit_b"] = unit_a.id, unit_b.id

    request_a = make.request(
        requester_a, title=SECRETS["request_title"],
        description=SECRETS["request_description"], stage="resolved",
    )
    make.comment(request_a, requester_a, SECRETS["comment"])
    note = make.comment(request_a, agent, SECRETS["internal_note"], internal=True)
    scene.ids["attachment"] = make.attachment(
        request_a, requester_a, png(), SECRETS["attachment"]
    ).id
    scene.ids["internal_attachment"] = make.attachment(
        request_a, agent, b"Narwhal macro notes\n", SECRETS["internal_attachment"], event=note
    ).id
    request_b = make.request(requester_b, title="Forklift tablet frozen")
    scene.reference, scene.reference_b = request_a.reference, request_b.reference
    scene.ids["request"], scene.ids["request_b"] = request_a.id, request_b.id
    make.api_token(requester_a, name=SECRETS["token_name"])

    now = utcnow()
    with app.app_context():
        person = db.session.get(User, requester_a.id)
        tool = tool_services.register(person, tool_services.Registration(
            name=SECRETS["tool_name"], url="https://zebrafish.example.org",
            purpose=SECRETS["tool_purpose"], user_count=4, payer="team_budget",
            cost_amount=Decimal("40.00"), cost_period="month", currency="GBP",
            data_kind="internal", sign_in="sso", business_critical=False, impact="",
        ))
        touchpoint = Touchpoint(
            business_unit_id=unit_a.id, happened_on=now.date() - timedelta(days=3),
            kind="meeting", attendees="Bea, Quentin", notes=SECRETS["touchpoint_notes"],
            created_by_id=brm_a.id,
            actions=[NextAction(business_unit_id=unit_a.id, description=SECRETS["action"],
                                owner="Bea", due_on=now.date() + timedelta(days=10))],
        )
        pulse = PulseSurvey(business_unit_id=unit_a.id, quarter=quarter_of(now),
                            opened_at=now, closes_at=now + PULSE_LIFETIME,
                            sent_by_id=brm_a.id)
        view = SavedView(user_id=agent.id, name=SECRETS["view_name"], query="priority=1")
        notification = Notification(
            user_id=requester_a.id, kind="comment", message=SECRETS["notification"],
            link=f"/requests/{request_a.reference}",
        )
        term = GlossaryTerm(term="VPN", term_key="vpn", synonyms="virtual private network",
                            explanation="A private connection to the company's systems.")
        db.session.add_all([touchpoint, pulse, view, notification, term])
        found = db.session.get(ServiceRequest, request_a.id)
        invitation, scene.survey_token = surveys.invite(found, now)
        surveys.answer(invitation, 1, SECRETS["survey_comment"], now)
        db.session.commit()
        scene.ids.update(
            api_token=db.session.scalar(select(ApiToken.id)),
            tool=tool.id, touchpoint=touchpoint.id, action=touchpoint.actions[0].id,
            pulse=pulse.id, view=view.id, notification=notification.id,
            glossary_term=term.id,
        )
        db.session.remove()
    return scene


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Visitor:
    """One persona's browser: signed in once, with its CSRF token at hand."""

    def __init__(self, app, email: str | None):
        self.client = app.test_client()
        self.email = email
        if email is not None:
            response = self.client.login(email)
            assert response.status_code == 302, f"could not sign in as {email}"
        page = self.client.get("/login" if email is None else "/notifications/")
        match = CSRF_META.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        self.token = match.group(1)

    def get(self, path: str):
        return self.client.get(path)

    def post(self, path: str, data: dict | None = None, *, htmx: bool = False):
        data = {"csrf_token": self.token, **(data or {})}
        headers = {"HX-Request": "true", "X-CSRFToken": self.token} if htmx else {}
        return self.client.post(path, data=data, headers=headers)


def is_login_redirect(response) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code in (301, 302, 303) and urlsplit(location).path == "/login"
