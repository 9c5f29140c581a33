"""Shared helpers for the security sweeps: one scene with every kind of object, URL
building for every rule of the url map, and a snapshot of the whole database.

The sweeps iterate the url map, so a route added later is covered automatically. Its
URL variables are filled in by name from the scene (`Scene.default_values`); a route
whose variables are not known here fails loudly (`build_url` raises) instead of being
skipped.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from flask import url_for
from sqlalchemy import inspect, select, text

from tests.attachments.samples import png
from tracker import create_app
from tracker.config import TestConfig
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
    Stage,
    Touchpoint,
    User,
)
from tracker.relationships.pulse import quarter_of
from tracker.shadow_it import services as tool_services

PERSONAS = ("anonymous", "requester", "agent", "brm", "admin")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_EXPIRED_TEXT = "This form has expired"


# --- the url map, read without a database --------------------------------------------------

@cache
def _listing_app():
    """An app built only to read its url map at collection time (no database is used)."""
    return create_app(TestConfig(tempfile.mkdtemp(prefix="rapport-rules-"), "sqlite://"))


@cache
def unsafe_rules() -> tuple[tuple[str, str], ...]:
    """(endpoint, rule) for every rule accepting POST, PUT, PATCH or DELETE."""
    rules = _listing_app().url_map.iter_rules()
    return tuple(sorted((r.endpoint, r.rule) for r in rules if r.methods & UNSAFE_METHODS))


@cache
def get_rules() -> tuple[tuple[str, str], ...]:
    """(endpoint, rule) for every rule answering GET."""
    rules = _listing_app().url_map.iter_rules()
    return tuple(sorted((r.endpoint, r.rule) for r in rules if "GET" in r.methods))


def _rule(app, endpoint: str, rule_text: str):
    for rule in app.url_map.iter_rules(endpoint):
        if rule.rule == rule_text:
            return rule
    raise AssertionError(f"{endpoint} {rule_text} is not in the url map any more")


def rule_methods(app, endpoint: str, rule_text: str) -> set[str]:
    return set(_rule(app, endpoint, rule_text).methods)


# --- the scene ------------------------------------------------------------------------------

@dataclass
class Scene:
    """A unit with its BRM and buddy, IT staff, a requester with requests in every state
    a form can act on, and one of everything else a URL can point at."""

    people: dict[str, User]
    unit_id: int
    other_unit_id: int
    team_id: int
    open_request: ServiceRequest  # new, assigned to the agent
    resolved_request: ServiceRequest  # resolved, survey pending (survey_token)
    answered_request: ServiceRequest  # resolved, survey answered with a low score
    survey_token: str
    answered_token: str
    response_id: int  # the low-scored answer with a comment
    tool_id: int
    view_id: int  # the agent's saved view
    notification_id: int  # the requester's
    touchpoint_id: int
    action_id: int
    pulse_id: int
    term_id: int  # a glossary term
    attachment_id: int  # a screenshot filed with the open request
    token_id: int  # the requester's API token

    def person(self, persona: str) -> User | None:
        return None if persona == "anonymous" else self.people[persona]

    def default_values(self) -> dict[str, object]:
        """URL variables by name; every rule's variables must be in here."""
        return {
            "reference": self.open_request.reference,
            "user_id": self.people["requester"].id,
            "unit_id": self.unit_id,
            "tool_id": self.tool_id,
            "pulse_id": self.pulse_id,
            "token": self.survey_token,
            "view_id": self.view_id,
            "notification_id": self.notification_id,
            "action_id": self.action_id,
            "filename": "js/app.js",
            "term_id": self.term_id,
            "attachment_id": self.attachment_id,
            "name": "error.png",
            "token_id": self.token_id,
        }


def build_scene(app, make) -> Scene:
    buddy = make.user(roles=(Role.BUDDY,), name="Bo Buddy")
    brm = make.user(roles=(Role.BRM,), name="Bea Brm")
    agent = make.agent(name="Alex Agent")
    admin = make.user(roles=(Role.ADMIN,), name="Ada Admin")
    team = make.team("Service Desk", members=[agent])
    unit = make.unit("Finance", brm=brm, buddy=buddy)
    other_unit = make.unit("Sales")
    requester = make.requester(unit=unit, name="Rosa Requester", buddy=buddy)
    neighbour = make.requester(unit=other_unit, name="Nico Neighbour")

    open_request = make.request(requester, title="Laptop will not start")
    attachment = make.attachment(open_request, requester, png(), "error.png")
    resolved_request = make.request(requester, title="Printer jams")
    answered_request = make.request(requester, title="VPN drops")
    with app.app_context():
        found = db.session.get(ServiceRequest, open_request.id)
        found.assignee_id, found.team_id = agent.id, team.id
        for done in (resolved_request, answered_request):
            row = db.session.get(ServiceRequest, done.id)
            row.stage = Stage.RESOLVED.value
            row.resolved_at = utcnow()
            row.assignee_id, row.team_id = agent.id, team.id
        db.session.flush()
        _, survey_token = surveys.invite(db.session.get(ServiceRequest, resolved_request.id))
        invitation, answered_token = surveys.invite(
            db.session.get(ServiceRequest, answered_request.id)
        )
        answer = surveys.answer(invitation, 1, "It still drops every hour.")

        tool = tool_services.register(
            db.session.get(User, requester.id),
            tool_services.Registration(
                name="Trello", url="https://trello.com", purpose="Planning the month end",
                user_count=4, payer="team_budget", cost_amount=None, cost_period="month",
                currency="GBP", data_kind="internal", sign_in="own_passwords",
                business_critical=False, impact="",
            ),
        )
        view = SavedView(user_id=agent.id, name="My P1s", query="priority=1")
        notification = Notification(user_id=requester.id, kind="info",
                                    message="Something happened", link="/requests/")
        now = utcnow()
        touchpoint = Touchpoint(
            business_unit_id=unit.id, happened_on=now.date() - timedelta(days=2),
            notes="Quarterly catch-up", created_by_id=brm.id,
            actions=[NextAction(business_unit_id=unit.id, description="Order laptops",
                                owner="Bea", due_on=date.today() + timedelta(days=30))],
        )
        pulse = PulseSurvey(business_unit_id=unit.id, quarter=quarter_of(now), opened_at=now,
                            closes_at=now + timedelta(days=21), sent_by_id=brm.id)
        term = GlossaryTerm(term="VPN", term_key="vpn", synonyms="virtual private network",
                            explanation="A private connection to the company's systems.")
        db.session.add_all([view, notification, touchpoint, pulse, term])
        db.session.commit()
        ids = (tool.id, view.id, notification.id, touchpoint.id, touchpoint.actions[0].id,
               pulse.id, term.id, answer.id)
        db.session.remove()
    (tool_id, view_id, notification_id, touchpoint_id, action_id, pulse_id, term_id,
     response_id) = ids
    make.api_token(requester, name="Sync script")
    return Scene(
        people={"requester": requester, "agent": agent, "brm": brm, "admin": admin,
                "buddy": buddy, "neighbour": neighbour},
        unit_id=unit.id,
        other_unit_id=other_unit.id,
        team_id=team.id,
        open_request=open_request,
        resolved_request=resolved_request,
        answered_request=answered_request,
        survey_token=survey_token,
        answered_token=answered_token,
        response_id=response_id,
        tool_id=tool_id,
        view_id=view_id,
        notification_id=notification_id,
        touchpoint_id=touchpoint_id,
        action_id=action_id,
        pulse_id=pulse_id,
        term_id=term_id,
        attachment_id=attachment.id,
        token_id=_only_token_id(app),
    )


def _only_token_id(app) -> int:
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
        db.session.remove()
    return token_id


def build_url(app, scene: Scene, endpoint: str, rule_text: str, **overrides) -> str:
    """The URL of this rule with the scene's objects (extra values go in the query string).

    A rule whose URL variables the scene doesn't know fails loudly.
    """
    rule = _rule(app, endpoint, rule_text)
    needed = set(rule.arguments)
    values = {**scene.default_values(), **overrides}
    missing = needed - values.keys()
    if missing:
        raise AssertionError(
            f"{endpoint} ({rule_text}) has URL variables {sorted(missing)} that the security "
            "sweeps can't fill: add them to Scene.default_values() in tests/security/scene.py"
        )
    url_values = {k: v for k, v in values.items() if k in needed}
    query = {k: v for k, v in overrides.items() if k not in needed}
    with app.test_request_context():
        url = url_for(endpoint, **url_values, **query)
    method = "GET" if "GET" in rule.methods else sorted(rule.methods & UNSAFE_METHODS)[0]
    matched, _ = app.url_map.bind("localhost").match(
        url.split("?")[0], method=method, return_rule=True
    )
    assert matched.rule == rule_text, (endpoint, rule_text, url, matched.rule)
    return url


def get_variants(scene, endpoint: str) -> list[dict]:
    """URL values and query arguments to try on top of the defaults ({} = the plain URL)."""
    s = scene
    pages = [{}, {"page": "2"}]
    variants = {
        "auth.login": [{}, {"next": "/requests/"}],
        "feedback.survey": [{}, {"token": s.answered_token}, {"token": "not-a-token"}],
        "relationships.portfolio": [{}, {"period": "365"},
                                    {"period": "30", "sort": "name"}, {"sort": "nonsense"}],
        "relationships.unit_dashboard": [{}, {"period": "365"}, {"period": "30"}],
        "relationships.touchpoints": pages,
        "attachments.download": [{}, {"name": "renamed.pdf"}],
        "service_requests.detail": [{}, {"reference": s.resolved_request.reference},
                                    {"reference": s.answered_request.reference}],
        "service_requests.new_request": [{}, {"category": "broken"}],
        "service_requests.my_requests": pages,
        "service_requests.staff_list": [{}, {"stage": "closed"}],
        "notifications.index": pages,
        "admin.people": [{}, {"q": "rosa"}, {"unit": str(s.unit_id)}],
        "glossary.index": [{}, {"q": "vpn"}, {"q": "no such word"}],
        "glossary.admin_terms": [{}, {"q": "private"}],
        "admin.outbox_page": [{}, {"status": "failed", "kind": "reply"},
                              {"status": "sent", "q": "rosa", "page": "2"}],
        "shadow_it.index": [{}, {"tier": "high"}, {"status": "registered", "sort": "name"},
                            {"renewal": "30", "unit": str(s.unit_id)}],
        "shadow_it.export": [{}, {"tier": "high"}, {"unit": str(s.unit_id)}],
        "triage.board": [
            {}, {"view": "list"}, {"view": "list", "closed": "1", "sort": "due",
                                   "order": "desc", "page": "2"},
            {"assignee": "me"}, {"team": "none", "priority": "1", "q": "laptop"},
            {"sla": "breached", "unit": str(s.unit_id), "category": "broken"},
            {"ids": str(s.open_request.id)},
        ],
        "triage.pulse": [{}, {"since": datetime.now(UTC).isoformat()},
                         {"since": "2020-01-01T00:00:00+00:00", "view": "list"}],
        "triage.panel": [{}, {"view": "list", "assignee": "me"}],
    }
    return variants.get(endpoint, [{}])


def signed_in(app, scene: Scene, persona: str):
    """A fresh browser, signed in as `persona` (not at all for "anonymous")."""
    client = app.test_client()
    person = scene.person(persona)
    if person is not None:
        response = client.login(person.email)
        assert response.status_code in (302, 303), (persona, response.status_code)
    return client


# --- the whole database -------------------------------------------------------------------

def snapshot(app, ignore: dict[str, set[str]] | None = None) -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of all its rows (columns in `ignore` left out)."""
    ignore = ignore or {}
    found: dict[str, tuple[int, str]] = {}
    with app.app_context():
        engine = db.engine
        tables = sorted(t for t in inspect(engine).get_table_names() if t != "alembic_version")
        with engine.connect() as conn:
            for name in tables:
                result = conn.execute(text(f'SELECT * FROM "{name}"'))  # noqa: S608
                columns = list(result.keys())
                skipped = ignore.get(name, set())
                rows = sorted(
                    repr(tuple(value for column, value in zip(columns, row, strict=True)
                               if column not in skipped))
                    for row in result
                )
                digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
                found[name] = (len(rows), digest)
        db.session.remove()
    return found


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name))
