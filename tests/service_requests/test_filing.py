"""Filing a request in plain language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import Category, EventKind, RequestEvent, ServiceRequest, Stage, User
from tracker.service_requests import services
from tracker.service_requests.services import derive_priority

GOOD = {
    "category": "broken",
    "title": "Laptop won't turn on",
    "description": "Nothing happens when I press the power button.",
    "impact": "just_me",
    "urgency": "blocked",
}


def _count(app, model=ServiceRequest) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        ("whole_unit", "blocked", 1),
        ("whole_unit", "slowed", 2),
        ("my_team", "blocked", 2),
        ("whole_unit", "workaround", 3),
        ("my_team", "slowed", 3),
        ("just_me", "blocked", 3),
        ("my_team", "workaround", 4),
        ("just_me", "slowed", 4),
        ("just_me", "workaround", 4),
    ],
)
def test_priority_is_derived_from_who_is_affected_and_how_blocked(impact, urgency, priority):
    assert derive_priority(impact, urgency) == priority


def test_new_request_form_offers_plain_choices(client, make):
    client.login(make.requester().email)
    page = client.get("/requests/new?category=access").get_data(as_text=True)
    text = visible_text(page)
    for words in ("Something is broken", "I need access", "I have an idea", "Just me",
                  "I can't work", "It slows me down"):
        assert words in text
    assert re.search(r'<input checked[^>]*value="access"', page)
    for jargon in ("Incident", "impact", "urgency", "P1", "SLA"):
        assert jargon not in text


def test_filing_creates_request_with_reference_priority_timeline_and_team(app, client, make):
    desk = make.team("Workplace")
    with app.app_context():
        from tracker.models import Category

        category = db.session.scalar(select(Category).where(Category.slug == "broken"))
        category.default_team_id = desk.id
        db.session.commit()
    unit = make.unit("Finance")
    rosa = make.requester(unit=unit)
    client.login(rosa.email)

    response = client.form_post("/requests/new", GOOD)

    assert response.status_code == 303
    with app.app_context():
        sr = db.session.scalar(select(ServiceRequest))
        assert response.headers["Location"].endswith(f"/requests/{sr.reference}")
        assert sr.reference == "REQ-000001"
        assert sr.requester_id == rosa.id
        assert sr.business_unit_id == unit.id
        assert sr.stage == Stage.NEW
        assert sr.priority == 3
        assert sr.team_id == desk.id
        events = db.session.scalars(select(RequestEvent)).all()
        assert [(e.kind, e.actor_id) for e in events] == [(EventKind.CREATED, rosa.id)]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thanks, we got your request" in page
    assert "We got it" in page
    assert "Laptop won&#39;t turn on" in page


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("category", "Please choose what kind of help you need."),
        ("title", "Please give your request a short title."),
        ("description", "Please tell us a little more, so we can help."),
        ("impact", "Please tell us who is affected."),
        ("urgency", "Please tell us how much this is holding you back."),
    ],
)
def test_missing_answer_is_explained_next_to_the_field_and_nothing_is_stored(
    app, client, make, missing, message
):
    client.login(make.requester().email)
    data = {**GOOD, missing: ""}

    response = client.form_post("/requests/new", data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    if missing != "title":
        assert "Laptop won&#39;t turn on" in page  # what the person typed is kept
    assert _count(app) == 0


def test_blank_title_made_of_spaces_is_rejected(app, client, make):
    client.login(make.requester().email)
    response = client.form_post("/requests/new", {**GOOD, "title": "   "})
    assert response.status_code == 422
    assert _count(app) == 0


def test_unknown_choices_are_rejected(app, client, make):
    client.login(make.requester().email)
    for field, value in (("category", "hacking"), ("impact", "everyone"), ("urgency", "now")):
        response = client.form_post("/requests/new", {**GOOD, field: value})
        assert response.status_code == 422
    assert _count(app) == 0


def test_overlong_title_is_rejected(app, client, make):
    client.login(make.requester().email)
    response = client.form_post("/requests/new", {**GOOD, "title": "x" * 201})
    assert response.status_code == 422
    assert "under 200 characters" in response.get_data(as_text=True)
    assert _count(app) == 0


def test_submitting_the_same_form_twice_files_one_request(app, client, make):
    client.login(make.requester().email)
    data = {**GOOD, "idempotency_key": "0123456789abcdef0123456789abcdef"}

    first = client.form_post("/requests/new", data)
    second = client.form_post("/requests/new", data)

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app) == 1


def test_the_form_carries_a_fresh_key_each_time_it_is_shown(client, make):
    client.login(make.requester().email)
    keys = set()
    for _ in range(2):
        page = client.get("/requests/new").get_data(as_text=True)
        marker = 'name="idempotency_key" type="hidden" value="'
        start = page.index(marker) + len(marker)
        keys.add(page[start : start + 32])
    assert len(keys) == 2


def test_two_forms_filed_separately_make_two_requests(app, client, make):
    client.login(make.requester().email)
    client.form_post("/requests/new", {**GOOD, "idempotency_key": "a" * 32})
    client.form_post("/requests/new", {**GOOD, "idempotency_key": "b" * 32})
    assert _count(app) == 2


def test_same_key_from_two_people_is_not_shared(app, client, make):
    for person in (make.requester(), make.requester()):
        client.login(person.email)
        client.form_post("/requests/new", {**GOOD, "idempotency_key": "c" * 32})
        client.form_post("/logout", {})
    assert _count(app) == 2


def test_extra_fields_cannot_set_workflow_values(app, client, make):
    agent = make.agent()
    other = make.requester()
    client.login(make.requester().email)
    response = client.form_post(
        "/requests/new",
        {**GOOD, "stage": "closed", "priority": "1", "assignee_id": agent.id,
         "requester_id": other.id, "team_id": "1"},
    )
    assert response.status_code == 303
    with app.app_context():
        sr = db.session.scalar(select(ServiceRequest))
        assert sr.stage == Stage.NEW
        assert sr.priority == 3
        assert sr.assignee_id is None
        assert sr.requester_id != other.id


def test_a_repeated_form_that_lost_the_race_returns_the_first_request(app, make, monkeypatch):
    """Both submissions missed each other's row; the second's insert hits the unique key."""
    person = make.requester()
    first = make.request(person)
    with app.app_context():
        db.session.execute(
            update(ServiceRequest).where(ServiceRequest.id == first.id)
            .values(idempotency_key="a" * 32)
        )
        db.session.commit()
    calls = []
    real_find = services.find_by_idempotency_key

    def missed_then_found(requester, key):
        calls.append(key)
        return None if len(calls) == 1 else real_find(requester, key)

    monkeypatch.setattr(services, "find_by_idempotency_key", missed_then_found)
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.slug == "broken"))
        again, created = services.file_request(
            db.session.get(User, person.id),
            services.NewRequest("Printer", "Jammed", category, "just_me", "slowed", "a" * 32),
        )
        db.session.commit()
        assert (again.id, created) == (first.id, False)
        assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 1
