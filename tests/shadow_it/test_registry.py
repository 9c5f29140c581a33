"""The shadow-IT registry: risk tiers, registering, duplicates, review, access, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.pages import visible_text
from tracker.extensions import db
from tracker.models import BusinessUnit, Role, ShadowTool, ToolAdoption, ToolEvent, User
from tracker.shadow_it.risk import assess
from tracker.shadow_it.services import REVIEW_TRANSITIONS, ToolStatus

FORM = {
    "name": "Trello",
    "url": "https://www.trello.com/b/xyz",
    "purpose": "Planning campaigns",
    "user_count": "8",
    "payer": "team_budget",
    "cost_amount": "10",
    "cost_period": "month",
    "currency": "GBP",
    "data_kind": "internal",
    "sign_in": "own_passwords",
    "critical": "slowed",
    "impact": "",
    "renewal_date": "",
    "unmet_request": "",
}


@pytest.mark.parametrize(
    ("data", "sign_in", "users", "critical", "tier", "reasons"),
    [
        ("none", "sso", 3, False, "low", ()),
        ("internal", "sso", 3, False, "low", ("internal documents",)),
        ("internal", "own_passwords", 3, False, "medium", ("internal documents", "own passwords")),
        ("personal", "sso", 3, False, "medium", ("customer or personal data",)),
        ("personal", "own_passwords", 3, False, "high",
         ("customer or personal data", "own passwords")),
        ("sensitive", "own_passwords", 60, True, "critical",
         ("financial or health data", "own passwords", "60 people use it", "business-critical")),
        ("internal", "own_passwords", 20, True, "high",
         ("internal documents", "own passwords", "20 people use it", "business-critical")),
        ("none", "own_passwords", 50, True, "high",
         ("own passwords", "50 people use it", "business-critical")),
        ("personal", "own_passwords", 1, False, "high",
         ("customer or personal data", "own passwords")),
    ],
)
def test_risk_tier_from_the_answers(data, sign_in, users, critical, tier, reasons):
    risk = assess(data, sign_in, users, critical)
    assert (risk.tier, risk.reasons) == (tier, reasons)


def _count(app, model=ShadowTool) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_registering_stores_the_tool_with_its_tier_and_history(app, client, make):
    unit = make.unit("Marketing")
    person = make.requester(unit=unit)
    client.login(person.email)
    response = client.form_post("/tools/new", FORM)
    assert response.status_code == 303
    with app.app_context():
        tool = db.session.scalar(select(ShadowTool))
        assert (tool.domain, tool.name_key, tool.risk_tier) == ("trello.com", "trello", "medium")
        assert tool.risk_reasons == "internal documents + own passwords"
        assert tool.status == "registered" and tool.business_unit_id == unit.id
        assert tool.yearly_cost == 120
        assert [e.kind for e in db.session.scalars(select(ToolEvent))] == ["registered"]
    page = visible_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Nothing bad happens" in page and "Medium risk" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("purpose", " "), ("user_count", "0"), ("user_count", "many"),
     ("payer", "boss"), ("data_kind", ""), ("sign_in", "magic"), ("cost_amount", "-5"),
     ("cost_amount", "NaN"), ("cost_amount", "sNaN"), ("cost_amount", "Infinity"),
     ("cost_amount", "1e309"), ("currency", "XYZ"), ("cost_period", "fortnight"),
     ("renewal_date", "99999-01-01"), ("renewal_date", "0000-00-00"),
     ("url", "https://" + "a" * 250 + ".example"), ("unmet_request", "1")],
)
def test_bad_answers_are_explained_and_nothing_is_stored(app, client, make, field, value):
    client.login(make.requester().email)
    response = client.form_post("/tools/new", {**FORM, field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page  # the message is next to the field
    assert "Not a valid" not in visible_text(page)
    assert _count(app) == 0


def test_a_name_that_grows_when_lower_cased_still_fits(app, client, make):
    # "İ".lower() is two characters: the duplicate key must still fit its column.
    client.login(make.requester().email)
    response = client.form_post("/tools/new", {**FORM, "name": "\u0130" * 120, "url": ""})
    assert response.status_code == 303
    with app.app_context():
        assert len(db.session.scalar(select(ShadowTool.name_key))) <= 120


@pytest.mark.parametrize(
    "changes", [{"name": "  TRELLO "}, {"name": "Boards", "url": "trello.com/other"}]
)
def test_same_name_or_domain_offers_we_use_it_too(app, client, make, changes):
    client.login(make.requester(unit=make.unit()).email)
    client.form_post("/tools/new", FORM)
    other = make.requester(unit=make.unit("Sales"))
    client.login(other.email)
    response = client.form_post("/tools/new", {**FORM, **changes})
    assert response.status_code == 409
    assert "We use it too" in response.get_data(as_text=True)
    assert _count(app) == 1
    with app.app_context():
        tool_id = db.session.scalar(select(ShadowTool.id))
    joined = client.form_post(f"/tools/{tool_id}/join", {"people": "5"})
    assert joined.status_code == 303
    with app.app_context():
        assert db.session.get(ShadowTool, tool_id).user_count == 13
    assert _count(app, ToolAdoption) == 2


@pytest.mark.parametrize(("people", "message"), [
    ("0", "Please give a number from 1 to 100,000."),
    ("lots", "Please enter a whole number, like 12."),
    ("12.5", "Please enter a whole number, like 12."),
    ("", "Please give a rough number."),
])
def test_a_bad_number_of_people_is_said_next_to_the_field(app, client, make, people, message):
    client.login(make.requester(unit=make.unit()).email)
    client.form_post("/tools/new", FORM)
    client.login(make.requester(unit=make.unit("Sales")).email)
    assert client.form_post("/tools/new", FORM).status_code == 409
    with app.app_context():
        tool_id = db.session.scalar(select(ShadowTool.id))
    response = client.form_post(f"/tools/{tool_id}/join", {"people": people})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Your team uses Trello too" in page
    assert message in page
    assert 'aria-invalid="true"' in page
    assert f'value="{people}"' in page or (people == "" and 'name="people"' in page)
    assert _count(app, ToolAdoption) == 1
    # Sent again with a number, it is noted.
    assert client.form_post(f"/tools/{tool_id}/join", {"people": "4"}).status_code == 303
    assert _count(app, ToolAdoption) == 2


def test_a_different_tool_can_be_registered_anyway(app, client, make):
    client.login(make.requester().email)
    client.form_post("/tools/new", FORM)
    response = client.form_post("/tools/new", {**FORM, "different_tool": "y"})
    assert response.status_code == 303
    assert _count(app) == 2


def _tool(app, client, make, **form):
    person = make.requester(unit=make.unit())
    client.login(person.email)
    client.form_post("/tools/new", {**FORM, **form})
    with app.app_context():
        return person, db.session.scalar(select(ShadowTool).order_by(ShadowTool.id.desc()))


@pytest.mark.parametrize(
    ("start", "target"),
    [(a, b) for a in ToolStatus for b in ToolStatus if b not in REVIEW_TRANSITIONS[a]],
)
def test_review_moves_that_make_no_sense_are_refused(app, client, make, start, target):
    _, tool = _tool(app, client, make)
    with app.app_context():
        db.session.get(ShadowTool, tool.id).status = start.value
        db.session.commit()
    client.login(make.agent().email)
    response = client.form_post(
        f"/tools/{tool.id}/review", {"status": target.value, "rationale": "because"}
    )
    assert response.status_code in (409, 422)
    with app.app_context():
        assert db.session.get(ShadowTool, tool.id).status == start.value


def test_review_decision_needs_a_reason_and_the_registrant_sees_the_outcome(app, client, make):
    person, tool = _tool(app, client, make)
    client.login(make.agent().email)
    client.form_post(f"/tools/{tool.id}/review", {"status": "under_review", "rationale": ""})
    missing = client.form_post(f"/tools/{tool.id}/review", {"status": "sanctioned"})
    assert missing.status_code == 409
    ok = client.form_post(
        f"/tools/{tool.id}/review",
        {"status": "replace", "rationale": "We have a licence for Planner.",
         "advice": "We'll help you move to Planner."},
    )
    assert ok.status_code == 303
    client.login(person.email)
    text = visible_text(client.get(f"/tools/{tool.id}").get_data(as_text=True))
    assert "IT will help you move to something else" in text
    assert "We have a licence for Planner." in text and "We'll help you move to Planner." in text


def test_who_sees_which_tools(app, client, make):
    person, tool = _tool(app, client, make)
    with app.app_context():
        unit_id = db.session.get(ShadowTool, tool.id).business_unit_id
    colleague = make.requester()
    brm = make.user(roles=(Role.BRM,))
    with app.app_context():
        db.session.get(User, colleague.id).business_unit_id = unit_id
        db.session.get(BusinessUnit, unit_id).brm_id = brm.id
        db.session.commit()
    for who, status in ((colleague, 200), (brm, 200), (make.requester(), 404),
                        (make.user(roles=(Role.BRM,)), 404), (make.agent(), 200)):
        client.login(who.email)
        assert client.get(f"/tools/{tool.id}").status_code == status
        listed = "Trello" in client.get("/tools/").get_data(as_text=True)
        assert listed is (status == 200)
    client.login(person.email)
    assert client.form_post(
        f"/tools/{tool.id}/review", {"status": "under_review"}
    ).status_code == 404


def test_csv_export_is_safe_in_a_spreadsheet(app, client, make):
    _tool(app, client, make, name='=HYPERLINK("http://evil","x")', purpose="a, b")
    _tool(app, client, make, name='Quote "this", and that', url="q.example")
    _tool(app, client, make, name="+cmd", url="c.example")
    _tool(app, client, make, name="@sum", url="d.example")
    client.login(make.agent().email)
    response = client.get("/tools/export.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    names = {row[0] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in names
    assert 'Quote "this", and that' in names
    assert "'+cmd" in names and "'@sum" in names


def test_filters_renewals_and_cost_rollup(app, client, make):
    soon = (date.today() + timedelta(days=10)).isoformat()
    later = (date.today() + timedelta(days=200)).isoformat()
    _tool(app, client, make, name="Soon", url="soon.example", renewal_date=soon,
          data_kind="personal")
    _tool(app, client, make, name="Later", url="later.example", renewal_date=later,
          cost_amount="1200", cost_period="year")
    client.login(make.agent().email)
    text = visible_text(client.get("/tools/?renewal=30").get_data(as_text=True))
    assert "Soon" in text and "Later" not in text.split("Renewing soon")[0]
    high = visible_text(client.get("/tools/?tier=high").get_data(as_text=True))
    assert "Soon" in high.split("Renewing soon")[0]
    assert "GBP 1,200" in visible_text(client.get("/tools/").get_data(as_text=True))


def test_inventory_runs_a_fixed_number_of_queries(app, client, make, count_queries):
    _tool(app, client, make)
    agent = make.agent()
    client.login(agent.email)
    with count_queries() as few:
        client.get("/tools/")
    for n in range(12):
        _tool(app, client, make, name=f"Tool {n}", url=f"t{n}.example")
    client.login(agent.email)
    with count_queries() as many:
        client.get("/tools/")
    assert len(few) == len(many) <= 6


def test_unreviewed_high_risk_tools_are_counted_per_unit(app, client, make):
    from tracker.shadow_it.queries import unreviewed_high_risk

    _, risky = _tool(app, client, make, data_kind="personal", url="r.example", name="Risky")
    _, calm = _tool(app, client, make, data_kind="none", sign_in="sso", url="c.example",
                    name="Calm")
    with app.app_context():
        unit_id = db.session.get(ShadowTool, risky.id).business_unit_id
        assert unreviewed_high_risk(unit_id) == 1
        db.session.get(ShadowTool, risky.id).status = "sanctioned"
        db.session.commit()
        assert unreviewed_high_risk(unit_id) == 0
        assert unreviewed_high_risk(db.session.get(ShadowTool, calm.id).business_unit_id) == 0


def test_the_organisation_total_is_shown_to_staff(client, make, app):
    _tool(app, client, make, name="A", url="a.example", cost_amount="100", cost_period="month")
    _tool(app, client, make, name="B", url="b.example", cost_amount="300", cost_period="year")
    client.login(make.agent().email)
    text = visible_text(client.get("/tools/").get_data(as_text=True))
    assert "All of the organisation GBP 1,500" in text


@pytest.mark.parametrize("renewal", ["0001-01-01", "9999-12-31"])
def test_extreme_renewal_dates_still_show_everywhere(app, client, make, renewal):
    brm = make.user(roles=(Role.BRM,))
    unit = make.unit("Finance", brm=brm)
    client.login(make.requester(unit=unit).email)
    response = client.form_post("/tools/new", {**FORM, "renewal_date": renewal})
    assert response.status_code == 303
    tool_page = response.headers["Location"]
    year = renewal[:4]
    for who in (None, make.agent().email, brm.email):
        if who:
            client.login(who)
        for path in (tool_page, "/tools/", "/tools/?renewal=30", "/tools/export.csv",
                     f"/units/{unit.id}", "/portfolio"):
            shown = client.get(path)
            # The requester has no business on the unit's dashboard or the portfolio.
            expected = 404 if who is None and path in (f"/units/{unit.id}", "/portfolio") else 200
            assert shown.status_code == expected, (who, path, shown.status_code)
            if path in (tool_page, "/tools/", "/tools/export.csv"):
                assert year in shown.get_data(as_text=True), (who, path)


@pytest.mark.parametrize("count", ["lots", "12.5", "1e3"])
def test_a_number_that_is_not_one_gets_one_message(client, make, count):
    client.login(make.requester().email)
    response = client.form_post("/tools/new", {**FORM, "user_count": count})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("Please enter a whole number, like 12.") == 1
    assert "Please give a number from 1 to 100,000." not in page


def test_a_tool_picked_up_while_waiting_is_marked_in_each_ones_words(app, client, make):
    rosa = make.requester(unit=make.unit())
    waited_on = make.request(rosa, title="Need a board for campaign planning")
    client.login(rosa.email)
    response = client.form_post("/tools/new", {**FORM, "unmet_request": str(waited_on.id)})
    assert response.status_code == 303
    detail = response.headers["Location"]
    for page in (client.get("/tools/"), client.get(detail)):
        text = visible_text(page.get_data(as_text=True))
        assert "Picked up while waiting for IT" in text and "Unmet demand" not in text
    client.login(make.agent().email)
    for page in (client.get("/tools/"), client.get(detail)):
        assert "Unmet demand" in visible_text(page.get_data(as_text=True))
