"""CSV import of units and people: a dry run first, then all rows or none."""

from __future__ import annotations

import html
import io
import re

from sqlalchemy import func, select

from tests.factories import Factory
from tests.pages import visible_text
from tracker.auth.passwords import verify_password
from tracker.extensions import db
from tracker.models import BusinessUnit, Role, User


def _admin(client, make) -> User:
    admin = make.user(email="ada@example.com", name="Ada Admin", roles=(Role.ADMIN,))
    client.login(admin.email)
    return admin


def _upload(client, kind: str, content: str | bytes, filename: str = "import.csv"):
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return client.form_post("/admin/import", {"kind": kind, "file": (io.BytesIO(raw), filename)})


def _csv_text(page: str) -> str:
    match = re.search(r'<input id="csv_text" name="csv_text" type="hidden" value="([^"]*)">', page)
    assert match, "no confirm form on the preview"
    return html.unescape(match.group(1))


def _confirm(client, kind: str, text: str):
    return client.form_post("/admin/import", {"kind": kind, "csv_text": text})


def _units(app) -> dict[str, tuple]:
    with app.app_context():
        return {
            u.name: (u.description, u.objectives, u.brm_id, u.it_buddy_id)
            for u in db.session.scalars(select(BusinessUnit))
        }


def _people(app) -> dict[str, User]:
    with app.app_context():
        people = db.session.scalars(select(User)).all()
        for person in people:
            _ = person.roles
        db.session.expunge_all()
        return {person.email: person for person in people}


UNITS_CSV = (
    "name,description,objectives,brm_email,it_buddy_email\n"
    "Finance,Money in and out,Close in 5 days; Fewer spreadsheets,bea@example.com,bo@example.com\n"
    "Legal,Contracts,,bea@example.com,\n"
    "marketing,Brand,Spring launch|Newsletter,,\n"
)


def _staff(make):
    brm = make.user(email="bea@example.com", name="Bea Brm", roles=(Role.BRM,))
    buddy = make.user(email="bo@example.com", name="Bo Buddy", roles=(Role.BUDDY,))
    return brm, buddy


def test_the_upload_page_explains_the_columns(client, make):
    _admin(client, make)
    page = client.get("/admin/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert "brm_email" in page and "it_buddy_email" in page
    assert 'aria-current="page">Import' in page


def test_dry_run_writes_nothing_and_previews_each_row(app, client, make):
    brm, _ = _staff(make)
    make.unit("Marketing", brm=brm)
    _admin(client, make)
    before = _units(app)
    response = _upload(client, "units", UNITS_CSV)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = visible_text(page)
    assert "3 rows: 2 new, 1 update, 0 errors" in text
    assert "2 new Finance" in text and "3 new Legal" in text
    assert "4 update name, description, objectives, BRM marketing" in text
    assert "Import 3 rows" in text
    assert _csv_text(page) == UNITS_CSV
    assert _units(app) == before


def test_confirming_writes_every_row(app, client, make):
    brm, buddy = _staff(make)
    make.unit("Marketing", brm=brm)
    _admin(client, make)
    page = _upload(client, "units", UNITS_CSV).get_data(as_text=True)
    response = _confirm(client, "units", _csv_text(page))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/units")
    assert _units(app) == {
        "Finance": ("Money in and out", "Close in 5 days\nFewer spreadsheets", brm.id, buddy.id),
        "Legal": ("Contracts", "", brm.id, None),
        "marketing": ("Brand", "Spring launch\nNewsletter", None, None),
    }
    listed = visible_text(client.get("/admin/units").get_data(as_text=True))
    assert "Import done: 2 added, 1 updated." in listed


def test_rows_that_match_are_updated_or_left_alone(app, client, make):
    brm, _ = _staff(make)
    make.unit("Finance", brm=brm)
    make.unit("Legal")
    _admin(client, make)
    text = "NAME,Brm_Email\nfinance,bea@example.com\nLegal,bea@example.com\nOps,\n"
    page = _upload(client, "units", text).get_data(as_text=True)
    assert "3 rows: 1 new, 2 updates, 0 errors" in visible_text(page)
    _confirm(client, "units", _csv_text(page))
    # A column left out (description) keeps what is stored; the name takes the file's spelling.
    units = _units(app)
    assert units["finance"][2] == brm.id and units["Legal"][2] == brm.id
    assert set(units) == {"finance", "Legal", "Ops"}
    again = _upload(client, "units", text).get_data(as_text=True)
    assert "3 rows: 0 new, 0 updates, 3 unchanged, 0 errors" in visible_text(again)
    assert "nothing to import" in visible_text(again)
    assert "Import 3 rows" not in again


def test_byte_order_mark_header_case_and_semicolons(app, client, make):
    _admin(client, make)
    raw = "Name;Description;Objectives\r\nFinance;Money;\"One|Two\"\r\n".encode("utf-8-sig")
    page = _upload(client, "units", raw).get_data(as_text=True)
    assert "1 row: 1 new, 0 updates, 0 errors" in visible_text(page)
    assert _confirm(client, "units", _csv_text(page)).status_code == 303
    assert _units(app) == {"Finance": ("Money", "One\nTwo", None, None)}


BAD_UNITS_CSV = (
    "name,objectives,brm_email,it_buddy_email\n"
    "Finance,,bea@example.com,bo@example.com\n"
    "Legal,,nobody@example.com,bea@example.com\n"
    ",,,\n"
    "FINANCE,,,\n"
    "Ops," + "; ".join(f"Goal {n}" for n in range(11)) + ",bo@example.com,not-an-email\n"
    + "x" * 121 + ",,,\n"
    ",,,\n"
    "Sales,,,,surplus\n"
)


def test_invalid_rows_are_listed_by_row_number_and_block_the_import(app, client, make):
    _staff(make)
    make.unit("Existing")
    _admin(client, make)
    before = _units(app)
    response = _upload(client, "units", BAD_UNITS_CSV)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    text = visible_text(page).replace("\u201c", '"').replace("\u201d", '"')
    assert "Nothing can be imported yet" in text
    for expected in [
        "Row 3: No one has the e-mail nobody@example.com (brm_email).",
        "Row 3: Bea Brm (bea@example.com, it_buddy_email) isn't an IT buddy.",
        "Row 5: This unit name is already on row 2; each may appear once.",
        "Row 6: Please list at most 10 objectives (there are 11).",
        "Row 6: Bo Buddy (bo@example.com, brm_email) isn't a business relationship manager.",
        'Row 6: "not-an-email" in it_buddy_email isn\'t a valid e-mail address.',
        "Row 7: The name is 121 characters long; the most is 120.",
        "Row 9: This row has more cells than the header has columns (4).",
    ]:
        assert expected in text, expected
    assert "Row 4" not in text and "Row 8" not in text  # blank lines are skipped, not errors
    assert "8 rows" not in text and "6 rows: 1 new, 0 updates, 5 errors" in text
    assert 'name="csv_text"' not in page
    assert _units(app) == before
    # Posting the text straight to the confirm step doesn't get round the checks.
    forced = _confirm(client, "units", BAD_UNITS_CSV)
    assert forced.status_code == 422
    assert "Row 3: No one has the e-mail" in visible_text(forced.get_data(as_text=True))
    assert _units(app) == before


def test_an_inactive_brm_is_refused(app, client, make):
    make.user(email="gone@example.com", roles=(Role.BRM,), active=False)
    _admin(client, make)
    response = _upload(client, "units", "name,brm_email\nFinance,gone@example.com\n")
    assert response.status_code == 422
    assert "their account is switched off" in visible_text(response.get_data(as_text=True))


def test_files_we_cannot_read_get_a_field_error(app, client, make):
    _admin(client, make)
    latin1 = "name;descr\u00e9ption\nCaf\u00e9,x\n".encode("latin-1")
    for content, message in [
        (latin1, "couldn't read this file as text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "couldn't read this file as text"),
        ("description\nMoney\n", "The file needs a column called name."),
        ("", "The file is empty"),
        ("name,description\n", "no rows below them"),
    ]:
        response = _upload(client, "units", content)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert '<p class="field-error" id="file-error">' in page
        assert message in html.unescape(page), message
    assert _units(app) == {}


def test_a_file_and_a_kind_are_needed(client, make):
    _admin(client, make)
    response = client.form_post("/admin/import", {"kind": "units"})
    assert response.status_code == 422
    assert "Please choose a CSV file." in response.get_data(as_text=True)
    response = client.form_post("/admin/import", {"file": (io.BytesIO(b"name\nX\n"), "u.csv")})
    assert response.status_code == 422
    assert "Please say whether the file holds units or people." in response.get_data(
        as_text=True)


PEOPLE_CSV = (
    "Email,Name,Unit,Roles,Job_Title,Phone,IT_Buddy_Email\n"
    "Rosa@Example.com,Rosa Parks,finance,,Planner,+44 1,bo@example.com\n"
    "nina@example.com,Nina New Buddy,,agent buddy,,,\n"
    "sam@example.com,Sam,Legal,brm;admin,,,nina@example.com\n"
    "old@example.com,Olga Old,Legal,,Lawyer,,\n"
)


def test_people_import_resolves_units_roles_and_buddies(app, client, make):
    _, bo = _staff(make)
    finance, legal = make.unit("Finance"), make.unit("Legal")
    old = make.user(email="old@example.com", name="Olga", roles=(Role.AGENT,))
    _admin(client, make)
    response = _upload(client, "people", PEOPLE_CSV)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "4 rows: 3 new, 1 update, 0 errors" in visible_text(page)
    assert "update name, unit, roles, job title" in visible_text(page)
    confirmed = _confirm(client, "people", _csv_text(page))
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"].endswith("/admin/people")
    listed = visible_text(client.get("/admin/people").get_data(as_text=True))
    assert "Import done: 3 added, 1 updated." in listed
    assert "New people can't sign in yet" in listed
    people = _people(app)
    rosa, nina, sam = (people[e] for e in ("rosa@example.com", "nina@example.com",
                                            "sam@example.com"))
    assert (rosa.display_name, rosa.business_unit_id, rosa.it_buddy_id) == (
        "Rosa Parks", finance.id, bo.id)
    assert (rosa.job_title, rosa.phone, rosa.roles) == ("Planner", "+44 1", {Role.REQUESTER})
    assert nina.roles == {Role.REQUESTER, Role.AGENT, Role.BUDDY}
    assert sam.it_buddy_id == nina.id and sam.business_unit_id == legal.id
    assert sam.roles == {Role.REQUESTER, Role.BRM, Role.ADMIN}
    olga = people["old@example.com"]
    assert (olga.id, olga.display_name, olga.roles) == (old.id, "Olga Old", {Role.REQUESTER})
    assert olga.job_title == "Lawyer"
    # Imported people have a password nobody knows.
    assert rosa.password_hash.startswith("$argon2")
    assert not verify_password(rosa.password_hash, Factory.PASSWORD)


PEOPLE_BAD_CSV = (
    "email,name,unit,roles,it_buddy_email\n"
    "ok@example.com,Okay,,,\n"
    "not an email,Bad Mail,,,\n"
    "x@example.com,,Nowhere,wizard,\n"
    "OK@example.com,Again,,,\n"
    "y@example.com,Why,,,stranger@example.com\n"
    "z@example.com,Zed,,,bea@example.com\n"
    "ada@example.com,Ada Admin,,agent,\n"
    "me@example.com,Me,,,me@example.com\n"
)


def test_people_rows_with_problems_are_all_explained(app, client, make):
    _staff(make)
    _admin(client, make)
    before = len(_people(app))
    response = _upload(client, "people", PEOPLE_BAD_CSV)
    assert response.status_code == 422
    text = visible_text(response.get_data(as_text=True)).replace("\u201c", '"').replace(
        "\u201d", '"')
    for expected in [
        'Row 3: "not an email" isn\'t a valid e-mail address.',
        "Row 4: The name is missing.",
        'Row 4: There is no unit called "Nowhere". Add it (or import units) first.',
        'Row 4: Unknown role "wizard". The roles are: requester, agent, buddy, brm, admin.',
        "Row 5: This e-mail is already on row 2; each may appear once.",
        "Row 6: No one has the e-mail stranger@example.com (it_buddy_email).",
        "Row 7: Bea Brm (bea@example.com, it_buddy_email) isn't an IT buddy.",
        "Row 8: You can't remove your own administrator role.",
        "Row 9: A person can't be their own IT buddy.",
    ]:
        assert expected in text, expected
    forced = _confirm(client, "people", PEOPLE_BAD_CSV)
    assert forced.status_code == 422
    assert len(_people(app)) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.email == "ok@example.com")) == 0


def test_a_tampered_confirm_is_refused(app, client, make):
    _admin(client, make)
    response = _confirm(client, "robots", "name\nX\n")
    assert response.status_code == 422
    assert _units(app) == {}


def test_control_characters_in_cells_are_refused_by_row(app, client, make):
    _admin(client, make)
    response = _upload(client, "units", "name,description\nLe\x07gal,Contracts\n")
    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "The name has characters we can't store" in text
    assert "Legal" not in _units(app) and "Le\x07gal" not in _units(app)


def test_a_confirmed_text_with_nul_is_refused_not_stored(app, client, make):
    # The upload refuses NUL bytes; the confirmation posts the text back and must too
    # (PostgreSQL can't store NUL in text at all).
    _admin(client, make)
    response = _confirm(client, "units", "name\nLe\x00gal\n")
    assert response.status_code == 422
    assert "couldn't read this file as text" in visible_text(response.get_data(as_text=True))
    assert _units(app) == {}
