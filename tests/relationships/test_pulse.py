"""The quarterly relationship pulse: sending, answering once, anonymity, results and the gap."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import render_template
from sqlalchemy import select

from tests.pages import visible_text
from tests.relationships.test_touchpoints import build_scene
from tracker.auth.loader import load_user
from tracker.extensions import db
from tracker.models import Notification, PulseAnswer, PulseParticipant, PulseSurvey, Role
from tracker.relationships import pulse as pulse_module
from tracker.relationships.pulse import latest_results, open_pulses_for

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)  # in 2026-Q4
CLOSED = NOW + timedelta(days=22)  # after a pulse opened at NOW has closed, same quarter
BUSINESS_QUESTION = "How well does IT understand your work?"
IT_QUESTION = "How well does IT understand this unit's work?"
SCORES = {"understanding": "4", "ease": "3", "trust": "5"}


@pytest.fixture
def scene(make):
    return build_scene(make)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def page_text(response) -> str:
    return visible_text(response.get_data(as_text=True))


def rows(app, model) -> list:
    with app.app_context():
        found = list(db.session.scalars(select(model)))
        db.session.expunge_all()
        return found


def open_pulse(app, unit, quarter="2026-Q4", opened=NOW, days=21) -> int:
    with app.app_context():
        pulse = PulseSurvey(business_unit_id=unit.id, quarter=quarter, opened_at=opened,
                            closes_at=opened + timedelta(days=days))
        db.session.add(pulse)
        db.session.commit()
        return pulse.id


def add_answers(app, pulse_id, side, *triples) -> None:
    """Answers as the answer form stores them, without the people (tests of results only)."""
    with app.app_context():
        for understanding, ease, trust in triples:
            db.session.add(PulseAnswer(id=secrets.token_hex(16), pulse_id=pulse_id, side=side,
                                       understanding=understanding, ease=ease, trust=trust))
        db.session.commit()


def results(app, unit, now=NOW):
    with app.app_context():
        return latest_results(unit.id, now)


# --- sending ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["member", "outsider", "agent", "buddy", "other_brm", "brm",
                                 "admin"])
def test_only_the_units_brm_and_admins_send_the_pulse(app, client, scene, clock, who):
    client.login(scene.person(who).email)
    response = client.form_post(f"/units/{scene.unit.id}/pulse")
    allowed = who in ("brm", "admin")
    assert response.status_code == (303 if allowed else 404)
    assert len(rows(app, PulseSurvey)) == (1 if allowed else 0)


def test_sending_opens_this_quarters_pulse_for_three_weeks(app, client, scene, clock):
    client.login(scene.brm.email)

    response = client.form_post(f"/units/{scene.unit.id}/pulse", {"next": "/units/1"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/units/1")
    [pulse] = rows(app, PulseSurvey)
    assert (pulse.business_unit_id, pulse.quarter) == (scene.unit.id, "2026-Q4")
    assert pulse.opened_at == NOW
    assert pulse.closes_at == NOW + timedelta(days=21)
    assert pulse.sent_by_id == scene.brm.id
    words = page_text(client.get("/notifications/"))
    assert "The Q4 2026 pulse is on its way to Finance and IT. " \
        "It stays open until 1 Dec 2026." in words


def test_a_second_pulse_in_the_same_quarter_changes_nothing(app, client, scene, clock):
    client.login(scene.brm.email)
    client.form_post(f"/units/{scene.unit.id}/pulse")
    before = len(rows(app, Notification))

    response = client.form_post(f"/units/{scene.unit.id}/pulse")

    assert response.status_code == 303
    follow = page_text(client.get("/notifications/"))
    assert "Finance already has a pulse this quarter, so nothing was sent." in follow
    assert len(rows(app, PulseSurvey)) == 1
    assert len(rows(app, Notification)) == before


def test_the_next_quarter_gets_a_new_pulse(app, client, scene, clock):
    client.login(scene.brm.email)
    client.form_post(f"/units/{scene.unit.id}/pulse")
    clock.move_to(datetime(2027, 1, 5, 9, 0, tzinfo=UTC))
    client.login(scene.brm.email)
    client.form_post(f"/units/{scene.unit.id}/pulse")
    assert sorted(p.quarter for p in rows(app, PulseSurvey)) == ["2026-Q4", "2027-Q1"]


def test_a_pulse_sent_in_a_race_is_refused_cleanly(app, client, scene, clock, monkeypatch):
    open_pulse(app, scene.unit)
    # The check finds nothing, as if the other pulse was stored a moment later.
    original = pulse_module.db.session.scalar
    blinded = []

    def blind_scalar(statement, *args, **kwargs):
        if "pulse_surveys" in str(statement) and "quarter" in str(statement):
            blinded.append(statement)
            return None
        return original(statement, *args, **kwargs)

    client.login(scene.brm.email)
    monkeypatch.setattr(pulse_module.db.session, "scalar", blind_scalar)
    response = client.form_post(f"/units/{scene.unit.id}/pulse")
    monkeypatch.undo()

    assert blinded, "the check before inserting was not the one blinded"
    assert response.status_code == 303
    assert len(rows(app, PulseSurvey)) == 1
    assert rows(app, Notification) == []


def test_sending_tells_the_unit_and_it_staff_with_a_link(app, client, make, scene, clock):
    staff_member = make.user(roles=(Role.AGENT,), unit=scene.unit, name="Ivy InUnit")
    gone = make.requester(unit=scene.unit, active=False)
    client.login(scene.brm.email)

    client.form_post(f"/units/{scene.unit.id}/pulse")

    [pulse] = rows(app, PulseSurvey)
    told = {n.user_id: n for n in rows(app, Notification)}
    business = {scene.member.id, staff_member.id}
    it = {scene.agent.id, scene.buddy.id, scene.admin.id}
    assert set(told) == business | it
    assert gone.id not in told and scene.brm.id not in told
    assert scene.outsider.id not in told and scene.other_brm.id not in told
    assert {told[i].link for i in told} == {f"/pulse/{pulse.id}"}
    assert {told[i].kind for i in told} == {"pulse"}
    for person in business:
        assert told[person].message == (
            "IT would like to know how we're doing together: 3 quick questions."
        )
    for person in it:
        assert "Relationship pulse for Finance" in told[person].message
    assert {told[i].created_at for i in told} == {NOW}


def test_sending_runs_the_same_queries_for_few_or_many_people(
    app, client, make, scene, clock, count_queries
):
    client.login(scene.brm.email)
    with count_queries() as few:
        client.form_post(f"/units/{scene.unit.id}/pulse")
    for _ in range(12):
        make.requester(unit=scene.other_unit)
        make.agent()
    client.login(scene.other_brm.email)
    with count_queries() as many:
        client.form_post(f"/units/{scene.other_unit.id}/pulse")
    assert len(few) == len(many)
    assert len(rows(app, Notification)) > 12


# --- answering -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("who", "status", "question"),
    [
        ("member", 200, BUSINESS_QUESTION),
        ("agent", 200, IT_QUESTION),
        ("buddy", 200, IT_QUESTION),
        ("admin", 200, IT_QUESTION),
        ("outsider", 404, None),
        ("brm", 404, None),
        ("other_brm", 404, None),
    ],
)
def test_who_may_answer_and_for_which_side(app, client, scene, clock, who, status, question):
    pulse_id = open_pulse(app, scene.unit)
    client.login(scene.person(who).email)

    response = client.get(f"/pulse/{pulse_id}")

    assert response.status_code == status
    if question:
        words = page_text(response)
        assert question in words
        assert "1 · Not at all" in words and "5 · Very well" in words
        assert "5 · Very easy" in words and "5 · Very much" in words
    assert client.form_post(f"/pulse/{pulse_id}", SCORES).status_code == (
        303 if status == 200 else 404
    )


def test_it_staff_who_belong_to_the_unit_answer_for_the_unit(app, client, make, scene, clock):
    insider = make.user(roles=(Role.AGENT,), unit=scene.unit)
    pulse_id = open_pulse(app, scene.unit)
    client.login(insider.email)

    assert BUSINESS_QUESTION in page_text(client.get(f"/pulse/{pulse_id}"))
    client.form_post(f"/pulse/{pulse_id}", SCORES)

    assert [a.side for a in rows(app, PulseAnswer)] == ["business"]


def test_a_pulse_that_does_not_exist_is_not_found(client, scene):
    client.login(scene.agent.email)
    assert client.get("/pulse/999999").status_code == 404


def test_answering_stores_the_scores_apart_from_the_person(app, client, scene, clock):
    pulse_id = open_pulse(app, scene.unit)
    client.login(scene.member.email)

    response = client.form_post(f"/pulse/{pulse_id}", SCORES)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/")
    [participant] = rows(app, PulseParticipant)
    assert (participant.pulse_id, participant.user_id) == (pulse_id, scene.member.id)
    [answer] = rows(app, PulseAnswer)
    assert re.fullmatch(r"[0-9a-f]{32}", answer.id)
    assert (answer.pulse_id, answer.side) == (pulse_id, "business")
    assert (answer.understanding, answer.ease, answer.trust) == (4, 3, 5)
    assert not {"user_id", "created_at"} & set(PulseAnswer.__table__.columns.keys())
    assert "Thank you! Your answers are in." in page_text(client.get("/"))


def test_answering_twice_is_refused_kindly(app, client, scene, clock):
    pulse_id = open_pulse(app, scene.unit)
    client.login(scene.member.email)
    client.form_post(f"/pulse/{pulse_id}", SCORES)

    page = client.get(f"/pulse/{pulse_id}")
    again = client.form_post(f"/pulse/{pulse_id}", {"understanding": "1", "ease": "1",
                                                    "trust": "1"})

    assert page.status_code == 200
    assert "Thanks, you already answered" in page_text(page)
    assert 'name="understanding"' not in page.get_data(as_text=True)
    assert again.status_code == 409
    assert "Thanks, you already answered" in page_text(again)
    assert len(rows(app, PulseAnswer)) == 1
    assert len(rows(app, PulseParticipant)) == 1


def test_two_answers_racing_store_only_one(app, client, scene, clock, monkeypatch):
    pulse_id = open_pulse(app, scene.unit)
    client.login(scene.member.email)
    client.form_post(f"/pulse/{pulse_id}", SCORES)
    # The second request checked before the first had committed.
    monkeypatch.setattr(pulse_module, "_has_answered", lambda pulse, person: False)
    refused = []
    original = pulse_module.record_answer

    def spy(*args):
        try:
            return original(*args)
        except pulse_module.AlreadyAnswered:
            refused.append(True)
            raise

    monkeypatch.setattr(pulse_module, "record_answer", spy)

    response = client.form_post(f"/pulse/{pulse_id}", SCORES)

    assert refused == [True]
    assert response.status_code == 409
    assert "Thanks, you already answered" in page_text(response)
    assert len(rows(app, PulseAnswer)) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"understanding": "4", "ease": "3"},
        {"understanding": "4", "ease": "3", "trust": "6"},
        {"understanding": "0", "ease": "3", "trust": "2"},
        {"understanding": "4", "ease": "abc", "trust": "2"},
        {},
    ],
)
def test_every_question_needs_an_answer_from_one_to_five(app, client, scene, clock, data):
    pulse_id = open_pulse(app, scene.unit)
    client.login(scene.member.email)

    response = client.form_post(f"/pulse/{pulse_id}", data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    wrong = [key for key in ("understanding", "ease", "trust")
             if data.get(key) not in {"1", "2", "3", "4", "5"}]
    for key in wrong:
        assert re.search(rf'id="{key}-error">\s*Please choose an answer from 1 to 5.', page)
    for key, value in data.items():
        if key not in wrong:
            assert re.search(rf'name="{key}"[^>]*value="{value}"[^>]*checked|'
                             rf'checked[^>]*name="{key}"[^>]*value="{value}"', page)
    assert rows(app, PulseAnswer) == [] and rows(app, PulseParticipant) == []


def test_a_closed_pulse_says_so_and_takes_no_answers(app, client, scene, clock):
    pulse_id = open_pulse(app, scene.unit, opened=NOW - timedelta(days=22))
    client.login(scene.member.email)

    page = client.get(f"/pulse/{pulse_id}")
    posted = client.form_post(f"/pulse/{pulse_id}", SCORES)

    assert page.status_code == 200
    assert "This pulse has closed" in page_text(page)
    assert "closed on 9 November 2026" in page_text(page)
    assert posted.status_code == 410
    assert rows(app, PulseAnswer) == []


# --- the home card ---------------------------------------------------------------------------

CARD = "IT would like to know how we're doing together — 3 quick questions"


def test_the_home_card_shows_until_the_person_answers(app, client, scene, clock):
    pulse_id = open_pulse(app, scene.unit)
    client.login(scene.member.email)

    before = client.get("/").get_data(as_text=True)
    assert CARD in visible_text(before)
    assert f'href="/pulse/{pulse_id}"' in before

    client.form_post(f"/pulse/{pulse_id}", SCORES)

    assert CARD not in page_text(client.get("/"))


def test_the_home_card_is_not_shown_to_people_outside_the_unit(app, client, scene, clock):
    open_pulse(app, scene.unit)
    for person in (scene.outsider, scene.brm):
        client.login(person.email)
        assert CARD not in page_text(client.get("/"))


def test_the_home_card_names_the_unit_for_it_staff(app, client, scene, clock):
    open_pulse(app, scene.unit)
    open_pulse(app, scene.other_unit)
    client.login(scene.agent.email)
    words = page_text(client.get("/"))
    assert "How are IT and Finance doing?" in words
    assert "How are IT and Logistics doing?" in words


def test_open_pulses_for_skips_closed_answered_and_other_units(app, make, scene, clock,
                                                               count_queries):
    finance = open_pulse(app, scene.unit)
    logistics = open_pulse(app, scene.other_unit)
    open_pulse(app, scene.unit, quarter="2026-Q3", opened=NOW - timedelta(days=40))
    lonely = make.requester()
    with app.app_context():
        db.session.add(PulseParticipant(pulse_id=logistics, user_id=scene.agent.id))
        db.session.commit()
        people = {who: load_user(str(scene.person(who).id))
                  for who in ("member", "outsider", "agent", "brm")}
        with count_queries() as statements:
            found = {who: [p.id for p in open_pulses_for(person, NOW)]
                     for who, person in people.items()}
        assert len(statements) == 3  # one each; nobody to ask for the BRM outside any unit
        nobody = load_user(str(lonely.id))
        with count_queries() as none_needed:
            assert open_pulses_for(nobody, NOW) == []
        assert none_needed == []
    assert found == {"member": [finance], "outsider": [logistics], "agent": [finance],
                     "brm": []}


def test_the_home_page_runs_the_same_queries_with_many_pulses(
    app, client, make, scene, clock, count_queries
):
    client.login(scene.agent.email)
    open_pulse(app, scene.unit)
    with count_queries() as one:
        client.get("/")
    for _ in range(6):
        open_pulse(app, make.unit())
    with count_queries() as many:
        page = client.get("/")
    assert len(one) == len(many)
    assert "And 2 more" in page_text(page)


# --- results ---------------------------------------------------------------------------------

BUSINESS_THREE = [(4, 3, 5), (3, 3, 4), (4, 2, 4)]  # 3.7, 2.7, 4.3
IT_THREE = [(5, 4, 4), (4, 4, 4), (5, 3, 4)]  # 4.7, 3.7, 4.0


def test_no_pulse_no_results(app, scene, count_queries):
    with app.app_context(), count_queries() as statements:
        assert latest_results(scene.unit.id, NOW) is None
    assert len(statements) == 1


def test_two_answers_are_not_enough_to_show_anything(app, scene):
    pulse_id = open_pulse(app, scene.unit)
    add_answers(app, pulse_id, "business", *BUSINESS_THREE[:2])
    add_answers(app, pulse_id, "it", *IT_THREE)

    found = results(app, scene.unit, now=CLOSED)

    assert found.business.count == 2 and found.business.averages is None
    assert found.it.count == 3 and found.it.shown
    assert [q.business for q in found.questions] == [None, None, None]
    assert [q.gap for q in found.questions] == [None, None, None]
    assert [q.it for q in found.questions] == [4.7, 3.7, 4.0]


def test_three_answers_show_averages_and_the_gap(app, scene, count_queries):
    pulse_id = open_pulse(app, scene.unit)
    add_answers(app, pulse_id, "business", *BUSINESS_THREE)
    add_answers(app, pulse_id, "it", *IT_THREE)

    with app.app_context(), count_queries() as statements:
        found = latest_results(scene.unit.id, CLOSED)
    assert len(statements) <= 2

    assert (found.business.count, found.it.count) == (3, 3)
    assert [(q.key, q.business, q.it, q.gap) for q in found.questions] == [
        ("understanding", 3.7, 4.7, 1.0),
        ("ease", 2.7, 3.7, 1.0),
        ("trust", 4.3, 4.0, -0.3),
    ]
    assert not found.is_open and found.is_current_quarter
    assert found.quarter_label == "Q4 2026"
    assert found.previous_quarter_label is None
    assert all(q.trend is None for q in found.questions)


def test_averages_round_halves_up(app, scene):
    pulse_id = open_pulse(app, scene.unit)
    add_answers(app, pulse_id, "business", (3, 1, 5), (3, 1, 5), (3, 2, 5), (4, 1, 4))

    [understanding, ease, trust] = results(app, scene.unit, now=CLOSED).questions

    assert (understanding.business, ease.business, trust.business) == (3.3, 1.3, 4.8)


def test_the_previous_pulse_gives_the_trend(app, scene):
    earlier = open_pulse(app, scene.unit, quarter="2026-Q3", opened=NOW - timedelta(days=90))
    add_answers(app, earlier, "business", (2, 2, 4), (3, 2, 4), (3, 3, 4))  # 2.7, 2.3, 4.0
    latest = open_pulse(app, scene.unit)
    add_answers(app, latest, "business", *BUSINESS_THREE)
    other = open_pulse(app, scene.other_unit)
    add_answers(app, other, "business", (1, 1, 1), (1, 1, 1), (1, 1, 1))

    found = results(app, scene.unit, now=CLOSED)

    assert found.pulse_id == latest
    assert found.previous_quarter_label == "Q3 2026"
    assert [q.previous_business for q in found.questions] == [2.7, 2.3, 4.0]
    assert [q.trend for q in found.questions] == [1.0, 0.4, 0.3]


def test_a_previous_pulse_with_too_few_answers_gives_no_trend(app, scene):
    earlier = open_pulse(app, scene.unit, quarter="2026-Q3", opened=NOW - timedelta(days=90))
    add_answers(app, earlier, "business", (2, 2, 4), (3, 2, 4))
    add_answers(app, open_pulse(app, scene.unit), "business", *BUSINESS_THREE)
    assert [q.trend for q in results(app, scene.unit, now=CLOSED).questions] == [None, None, None]


def test_results_of_a_closed_pulse_of_an_earlier_quarter(app, scene):
    open_pulse(app, scene.unit, quarter="2026-Q3", opened=NOW - timedelta(days=60))
    found = results(app, scene.unit)
    assert not found.is_open and not found.is_current_quarter
    assert (found.business.count, found.it.count) == (0, 0)


def _render_results(app, unit, can_send=True, now=NOW) -> str:
    with app.app_context():
        found = latest_results(unit.id, now)
    with app.test_request_context(f"/units/{unit.id}"):
        return render_template("relationships/_pulse_results.html", pulse_results=found,
                               unit=unit, can_send=can_send)


def _table(card: str) -> list[list[str]]:
    return [[visible_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", card, re.S)]


def test_the_results_card_shows_only_averages(app, scene):
    pulse_id = open_pulse(app, scene.unit)
    add_answers(app, pulse_id, "business", *BUSINESS_THREE)
    add_answers(app, pulse_id, "it", *IT_THREE)

    card = _render_results(app, scene.unit, now=CLOSED)

    assert _table(card) == [
        ["Question", "Finance", "IT", "Gap"],
        ["IT understands the unit's work", "3.7", "4.7", "+1.0"],
        ["Getting help from IT is easy", "2.7", "3.7", "+1.0"],
        ["The unit trusts IT's advice", "4.3", "4.0", "-0.3"],
    ]
    words = visible_text(card)
    assert "3 answers from Finance · 3 from IT" in words
    assert "results appear" not in words
    assert "Send this quarter's pulse" not in words  # this quarter's is out already


def test_an_open_pulse_keeps_its_averages_sealed(app, scene):
    """Watching averages move after each answer would tell who gave which scores."""
    pulse_id = open_pulse(app, scene.unit)
    add_answers(app, pulse_id, "business", *BUSINESS_THREE)
    add_answers(app, pulse_id, "it", *IT_THREE)

    found = results(app, scene.unit)
    assert found.is_open
    assert (found.business.count, found.it.count) == (3, 3)
    assert found.business.averages is None and found.it.averages is None
    assert all((q.business, q.it, q.gap) == (None, None, None) for q in found.questions)

    words = visible_text(_render_results(app, scene.unit))
    assert "Finance: results appear when the pulse closes (3 so far)." in words
    assert not re.search(r"\d\.\d", words)


def test_the_results_card_waits_for_three_answers(app, scene):
    pulse_id = open_pulse(app, scene.unit)
    add_answers(app, pulse_id, "business", *BUSINESS_THREE[:2])
    add_answers(app, pulse_id, "it", IT_THREE[0])

    card = _render_results(app, scene.unit, now=CLOSED)

    words = visible_text(card)
    assert "Finance: results appear once 3 people have answered (2 so far)." in words
    assert "IT: results appear once 3 people have answered (1 so far)." in words
    assert "<table" not in card
    assert not re.search(r"\d\.\d", words)


def test_the_send_button_is_for_senders_when_this_quarter_has_no_pulse(app, scene):
    assert "Send this quarter's pulse" in visible_text(_render_results(app, scene.unit))
    assert "No pulse yet" in visible_text(_render_results(app, scene.unit))
    assert "Send this quarter's pulse" not in visible_text(
        _render_results(app, scene.unit, can_send=False)
    )
    open_pulse(app, scene.unit, quarter="2026-Q3", opened=NOW - timedelta(days=60))
    assert "Send this quarter's pulse" in visible_text(_render_results(app, scene.unit))
    open_pulse(app, scene.unit)
    assert "Send this quarter's pulse" not in visible_text(_render_results(app, scene.unit))


def test_the_brm_sends_the_pulse_from_the_unit_dashboard(app, client, scene, clock):
    client.login(scene.brm.email)
    dashboard = f"/units/{scene.unit.id}"
    assert "Send this quarter's pulse" in page_text(client.get(dashboard))

    response = client.form_post(f"/units/{scene.unit.id}/pulse")

    assert response.headers["Location"].endswith(dashboard)
    words = page_text(client.get(dashboard))
    assert "The Q4 2026 pulse is on its way to Finance and IT." in words
    assert "Send this quarter's pulse" not in words
    assert ("results appear when the pulse closes, if 3 people have answered by then "
            "(none so far).") in words
