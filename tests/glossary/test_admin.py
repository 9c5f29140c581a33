"""Administrators keep the glossary: list and search, add, edit, delete with confirmation."""

from __future__ import annotations

import html as htmlib

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.glossary import services
from tracker.models import GlossaryTerm, Role


def _terms(app) -> dict[str, tuple[str, str]]:
    with app.app_context():
        rows = {t.term: (t.explanation, t.synonyms)
                for t in db.session.scalars(select(GlossaryTerm))}
        db.session.remove()
    return rows


@pytest.fixture
def admin(client, make):
    person = make.user(roles=(Role.ADMIN,))
    client.login(person.email)
    return person


def test_an_admin_adds_a_term(app, client, admin):
    response = client.form_post("/admin/glossary/new", {
        "term": "  VPN ", "explanation": " A private connection to work. ",
        "synonyms": "virtual private network,  Virtual  Private Network , VPN, ,remote link",
    })
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/glossary")
    # Repeats and the term itself are left out of the synonyms; spaces are tidied.
    assert _terms(app) == {"VPN": ("A private connection to work.",
                                   "virtual private network, remote link")}
    page = client.get("/admin/glossary").get_data(as_text=True)
    assert "Added “VPN”." in htmlib.unescape(page)
    assert "virtual private network, remote link" in page


def test_an_admin_edits_a_term(app, client, admin, add_term):
    term_id = add_term("VPN", "Old words.")
    page = client.get(f"/admin/glossary/{term_id}").get_data(as_text=True)
    assert 'value="VPN"' in page and "Old words." in page
    response = client.form_post(f"/admin/glossary/{term_id}", {
        "term": "vpn", "explanation": "New words.", "synonyms": "virtual private network"})
    assert response.status_code == 303
    assert _terms(app) == {"vpn": ("New words.", "virtual private network")}


def test_deleting_asks_first(app, client, admin, add_term):
    term_id = add_term("VPN", "A private connection.")
    page = client.get(f"/admin/glossary/{term_id}/delete")
    assert page.status_code == 200
    text = htmlib.unescape(page.get_data(as_text=True))
    assert "Delete “VPN” from the glossary?" in text
    assert _terms(app) != {}
    response = client.form_post(f"/admin/glossary/{term_id}/delete")
    assert response.status_code == 303
    assert _terms(app) == {}
    assert client.get(f"/admin/glossary/{term_id}").status_code == 404
    assert client.get(f"/admin/glossary/{term_id}/delete").status_code == 404


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"term": "", "explanation": "Something."}, "term", "Please give the word to explain."),
    ({"term": "VPN", "explanation": "  "}, "explanation", "Please explain the word"),
    ({"term": "x" * 61, "explanation": "Something."}, "term", "under 60 characters"),
    ({"term": "VPN", "explanation": "x" * 401}, "explanation", "under 400 characters"),
    ({"term": "VPN", "explanation": "Something.", "synonyms": "a" * 301}, "synonyms",
     "under 300 characters"),
    ({"term": "VPN", "explanation": "Something.", "synonyms": "x" * 61}, "synonyms",
     "is too long"),
    ({"term": "VPN", "explanation": "Something.", "synonyms": ",".join("abcdefghijk")},
     "synonyms", "at most 10"),
    ({"term": "--", "explanation": "Something."}, "term", "at least one letter or number"),
    ({"term": "VPN", "explanation": "Something.", "synonyms": "ok, ?!"}, "synonyms",
     "needs at least one letter or number"),
    ({"term": "VPN\x07", "explanation": "Something."}, "term", "hidden control characters"),
])
def test_bad_answers_are_refused_next_to_the_field_and_kept(app, client, admin, form, field,
                                                           message):
    response = client.form_post("/admin/glossary/new", form)
    assert response.status_code == 422
    page = htmlib.unescape(response.get_data(as_text=True))
    assert message in page
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert _terms(app) == {}
    if form["term"] and "\x07" not in form["term"]:
        assert f'value="{form["term"]}"' in page


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"term": "vpn", "explanation": "Again."}, "term", "“VPN” is already in the glossary."),
    ({"term": "V P N", "explanation": "Again."}, "term", None),  # a different word: allowed
    ({"term": "Virtual  private network", "explanation": "Again."}, "term",
     "“Virtual private network” is already explained as another way to write “VPN”."),
    ({"term": "Tunnel", "explanation": "Again.", "synonyms": "tunnel, VPN"}, "synonyms",
     "“VPN” is already explained under “VPN”."),
    ({"term": "Tunnel", "explanation": "Again.", "synonyms": "VIRTUAL PRIVATE NETWORK"},
     "synonyms", "“VIRTUAL PRIVATE NETWORK” is already explained under “VPN”."),
])
def test_a_word_can_be_explained_only_once(app, client, admin, add_term, form, field, message):
    add_term("VPN", "A private connection.", ("virtual private network",))
    response = client.form_post("/admin/glossary/new", form)
    if message is None:
        assert response.status_code == 303
        return
    assert response.status_code == 422
    assert message in htmlib.unescape(response.get_data(as_text=True))
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert list(_terms(app)) == ["VPN"]


def test_the_same_word_saved_at_the_same_moment_is_refused_not_an_error(
        app, client, admin, add_term, monkeypatch):
    add_term("VPN", "A private connection.")
    # As if the other save landed between this one's check and its write.
    monkeypatch.setattr(services, "_claimed_words", lambda exclude_id: {})
    response = client.form_post("/admin/glossary/new", {"term": "vpn", "explanation": "Again."})
    assert response.status_code == 422
    assert "“vpn” is already in the glossary." in htmlib.unescape(response.get_data(as_text=True))
    assert list(_terms(app)) == ["VPN"]


def test_an_edit_may_keep_its_own_words(app, client, admin, add_term):
    term_id = add_term("VPN", "A private connection.", ("virtual private network",))
    response = client.form_post(f"/admin/glossary/{term_id}", {
        "term": "VPN", "explanation": "A private connection.",
        "synonyms": "virtual private network"})
    assert response.status_code == 303


def test_the_list_is_alphabetical_and_searchable(client, admin, add_term):
    add_term("patch", "A small fix.")
    add_term("VPN", "A private connection.", ("virtual private network",))
    add_term("Cache", "Saved copies that load faster.")
    page = client.get("/admin/glossary").get_data(as_text=True)
    assert page.index(">Cache<") < page.index(">patch<") < page.index(">VPN<")
    assert "3 words" in page
    for query, shown in (("PRIVATE", ["VPN"]), ("fix", ["patch"]), ("%", []), ("_", [])):
        page = client.get("/admin/glossary", query_string={"q": query}).get_data(as_text=True)
        found = [t for t in ("Cache", "patch", "VPN") if f">{t}</a>" in page]
        assert found == shown, query
    page = client.get("/admin/glossary", query_string={"q": "zzz"}).get_data(as_text=True)
    assert "No word matches" in page


def test_the_search_answers_htmx_with_the_results_only(client, admin, add_term):
    add_term("VPN", "A private connection.")
    response = client.get("/admin/glossary?q=vpn", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card table-card" id="glossary-admin-results"')
    assert "HX-Request" in response.headers["Vary"]


def test_the_glossary_is_in_the_admin_navigation(client, admin):
    page = client.get("/admin/units").get_data(as_text=True)
    assert 'href="/admin/glossary"' in page
    page = client.get("/admin/glossary").get_data(as_text=True)
    assert '<a href="/admin/glossary" aria-current="page">Glossary</a>' in page
    assert 'aria-current="page">Admin</a>' in page


@pytest.mark.parametrize("role", [Role.REQUESTER, Role.AGENT, Role.BUDDY, Role.BRM])
def test_only_administrators_keep_the_glossary(app, client, make, add_term, role):
    term_id = add_term("VPN", "A private connection.")
    person = make.user(roles=(role,))
    client.login(person.email)
    for url in ("/admin/glossary", "/admin/glossary/new", f"/admin/glossary/{term_id}",
                f"/admin/glossary/{term_id}/delete"):
        assert client.get(url).status_code == 404, url
    for url, data in (("/admin/glossary/new", {"term": "X", "explanation": "Y"}),
                      (f"/admin/glossary/{term_id}", {"term": "X", "explanation": "Y"}),
                      (f"/admin/glossary/{term_id}/delete", {})):
        assert client.form_post(url, data).status_code == 404, url
    assert _terms(app) == {"VPN": ("A private connection.", "")}


def test_signed_out_visitors_are_sent_to_sign_in(client, add_term):
    term_id = add_term("VPN", "A private connection.")
    for url in ("/admin/glossary", f"/admin/glossary/{term_id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
