"""/glossary: "Words IT uses, in plain English", open to everyone."""

from __future__ import annotations

import html as htmlib
import re

import pytest


@pytest.fixture
def words(add_term):
    add_term("VPN", "A private connection to work.", ("virtual private network",))
    add_term("cache", "Saved copies that load faster.")
    add_term("Wi-Fi", "The wireless connection.")
    add_term("2FA", "A second check when you sign in.")
    add_term("Backup", "A spare copy of your files.")


def _terms(page: str) -> list[str]:
    return re.findall(r"<dt><dfn>(.*?)</dfn></dt>", page)


def test_anyone_may_read_it_signed_in_or_not(client, make, words):
    response = client.get("/glossary")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Words IT uses, in plain English" in page
    assert "Sign in to ask for help" in page
    client.login(make.requester().email)
    page = client.get("/glossary").get_data(as_text=True)
    assert "Sign in to ask for help" not in page
    assert "A private connection to work." in page


def test_words_are_alphabetical_under_their_letter(client, words):
    page = client.get("/glossary").get_data(as_text=True)
    assert _terms(page) == ["Backup", "cache", "VPN", "Wi-Fi", "2FA"]
    for letter in ("b", "c", "v", "w"):
        assert f'<a href="#letter-{letter}">{letter.upper()}</a>' in page
        assert f'id="letter-{letter}"' in page
    assert '<a href="#letter-other">#</a>' in page and 'id="letter-other"' in page
    assert '<span class="letter-none" title="No words under A">A</span>' in page
    assert "Also written: virtual private network" in page
    assert "5 words" in page


@pytest.mark.parametrize(("query", "shown"), [
    ("vpn", ["VPN"]), ("PRIVATE", ["VPN"]), ("copies", ["cache"]), ("wi-", ["Wi-Fi"]),
    ("  cache  ", ["cache"]), ("%", []), ("nothing like it", []),
])
def test_the_search_looks_in_words_and_meanings(client, words, query, shown):
    page = client.get("/glossary", query_string={"q": query}).get_data(as_text=True)
    assert _terms(page) == shown
    if not shown:
        assert f"No word matches “{query.strip()}”" in htmlib.unescape(page)


def test_the_search_box_keeps_and_escapes_what_was_typed(client, words):
    query = '"><script>alert(1)</script>'
    page = client.get("/glossary", query_string={"q": query}).get_data(as_text=True)
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert "<script>alert(1)" not in page


def test_typing_in_the_search_updates_the_results_with_htmx(client, words):
    page = client.get("/glossary").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/glossary"[^>]*>', page).group(0)
    assert 'hx-get="/glossary"' in form and 'hx-target="#glossary-results"' in form
    assert 'hx-push-url="true"' in form
    response = client.get("/glossary?q=vpn", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="glossary-results"')
    assert _terms(fragment) == ["VPN"]
    assert "HX-Request" in response.headers["Vary"]


def test_an_empty_glossary_says_so_kindly(client):
    page = client.get("/glossary").get_data(as_text=True)
    assert "No words here yet" in page


def test_every_page_links_to_it(client, make):
    assert 'href="/glossary"' in client.get("/login").get_data(as_text=True)
    client.login(make.requester().email)
    assert 'href="/glossary"' in client.get("/").get_data(as_text=True)
