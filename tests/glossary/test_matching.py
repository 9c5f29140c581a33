"""Finding glossary words in a message: whole words, plurals, synonyms, longest first,
never inside code or addresses, each entry explained once per message."""

from __future__ import annotations

import time

import pytest

from tracker.glossary.matching import Entry, Matcher

VPN = Entry(1, "VPN", "A private connection to work.", ("virtual private network",))
CHANGE = Entry(2, "change", "Something IT alters.")
CHANGE_WINDOW = Entry(3, "change window", "A planned time for changes.", ("maintenance window",))
PROXY = Entry(4, "Proxy", "A go-between computer.")
PATCH = Entry(5, "patch", "A small fix.", ("patched", "patching"))
SSO = Entry(6, "SSO", "One sign-in for many tools.", ("single sign-on",))
PLUGIN = Entry(7, "plug-in", "An extra piece of a program.")

MATCHER = Matcher([VPN, CHANGE, CHANGE_WINDOW, PROXY, PATCH, SSO, PLUGIN])


def marked(text: str, matcher: Matcher = MATCHER) -> list[tuple[str, str]]:
    """(text as written, the entry's term) for every explained word."""
    return [(s.text, s.entry.term) for s in matcher.segments(text) if s.entry is not None]


def test_the_segments_give_back_the_text_exactly():
    text = "Hi Rosa,\n\n  Please reconnect to the VPN;\tthen restart.  \n"
    segments = MATCHER.segments(text)
    assert "".join(s.text for s in segments) == text
    assert [s.text for s in segments if s.entry] == ["VPN"]


@pytest.mark.parametrize("text", ["the VPN", "the vpn", "the Vpn", "VPN!", "(VPN)", "“VPN”"])
def test_whole_words_in_any_capitals(text):
    assert [term for _, term in marked(text)] == ["VPN"]


@pytest.mark.parametrize("text", ["VPNX", "xVPN", "MyVPN", "vpn2", "VPN_config", "patchwork",
                                  "dispatch", "proxying"])
def test_never_part_of_a_longer_word(text):
    assert marked(text) == []


@pytest.mark.parametrize(("text", "written", "term"), [
    ("two VPNs here", "VPNs", "VPN"),
    ("the VPN's settings", "VPN's", "VPN"),
    ("the VPN’s settings", "VPN’s", "VPN"),
    ("three patches", "patches", "patch"),
    ("the proxies", "proxies", "Proxy"),
    ("the proxy's address", "proxy's", "Proxy"),
    ("two change windows", "change windows", "change window"),
])
def test_plurals_and_possessives(text, written, term):
    assert marked(text) == [(written, term)]


def test_synonyms_explain_their_term():
    assert marked("Connect to the virtual private network") == [
        ("virtual private network", "VPN")]
    assert marked("It was patched last night") == [("patched", "patch")]
    assert marked("Use single sign-on") == [("single sign-on", "SSO")]


def test_a_term_may_run_over_a_line_break_or_several_spaces():
    assert marked("during the change\nwindow") == [("change\nwindow", "change window")]
    assert marked("the virtual  private network") == [("virtual  private network", "VPN")]


def test_a_hyphen_matches_only_a_hyphen():
    assert marked("install the plug-in") == [("plug-in", "plug-in")]
    assert marked("plug in the cable") == []
    assert marked("single sign on") == []  # not written as the synonym is


def test_the_longest_term_wins_where_two_start_together():
    assert marked("in the change window tonight") == [("change window", "change window")]
    assert marked("a change, then the maintenance window") == [
        ("change", "change"), ("maintenance window", "change window")]


def test_longest_first_does_not_depend_on_the_order_of_entries():
    reversed_matcher = Matcher([CHANGE_WINDOW, CHANGE][::-1])
    assert marked("the change window", reversed_matcher) == [("change window", "change window")]


def test_each_entry_is_explained_once_per_message_at_its_first_appearance():
    text = "The VPN is down. Restart the vpn, then the virtual private network."
    segments = MATCHER.segments(text)
    explained = [s for s in segments if s.entry]
    assert [(s.text, s.entry.term) for s in explained] == [("VPN", "VPN")]
    assert text.index("VPN") == len(segments[0].text)


@pytest.mark.parametrize("text", [
    "Open https://vpn.example.com/patch to see",
    "Open http://intranet/vpn",
    "Write to vpn-team@example.com",
    "mailto:patch@example.com",
    "See vpn.example.com for details",
    "Run setup.vpn.exe",
    "Version patch.2 is out",
    r"Copy \\fileserver\vpn\patch",
    "Type `vpn connect` and press Enter",
    "```\nsudo vpn up\npatch -p1 < fix\n```",
    "```\nan unclosed fence keeps the VPN as code",
])
def test_never_inside_addresses_file_names_or_code(text):
    assert marked(text) == []


def test_words_around_protected_text_are_still_explained():
    text = "See https://example.com/vpn then use the VPN. Run `patch` and then patch it."
    segments = MATCHER.segments(text)
    assert "".join(s.text for s in segments) == text
    assert marked(text) == [("VPN", "VPN"), ("patch", "patch")]
    patch_at = sum(len(s.text) for s in segments[: segments.index(
        next(s for s in segments if s.text == "patch"))])
    assert patch_at == text.index("patch it")


def test_end_of_sentence_punctuation_is_not_an_address():
    assert marked("Connect to the VPN.Then restart.") == []  # looks like a name with a dot
    assert marked("Connect to the VPN. Then restart.") == [("VPN", "VPN")]


def test_an_empty_glossary_or_message_marks_nothing():
    empty = Matcher([])
    assert not empty
    assert [s.text for s in empty.segments("VPN")] == ["VPN"]
    assert [s.text for s in MATCHER.segments("")] == [""]
    assert MATCHER.words_found("") == []


def test_the_first_entry_to_claim_a_word_keeps_it():
    matcher = Matcher([Entry(1, "SSO", "First."), Entry(2, "Single sign-on", "Second.", ("SSO",))])
    assert [s.explanation for s in matcher.segments("SSO") if s.entry] == ["First."]


def test_words_found_lists_each_word_as_written_in_reading_order():
    assert MATCHER.words_found("Use SSO, then the vpn and SSO again, in the change window") == [
        "SSO", "vpn", "change window"]


def test_terms_with_symbols_are_whole_words_too():
    matcher = Matcher([Entry(1, "C++", "A programming language."), Entry(2, "Wi-Fi", "Wireless.")])
    assert [s.text for s in matcher.segments("C++ and the Wi-Fi, not xC++") if s.entry] == [
        "C++", "Wi-Fi"]


def test_a_long_message_is_matched_quickly():
    """Linear time: 20,000 characters of words and of awkward runs take milliseconds."""
    words = ("Please patch the proxy during the change window, then connect to the VPN. " * 300)
    awkward = "a" * 20_000 + " " + "`" + "b" * 20_000 + " " + "x." * 10_000
    started = time.perf_counter()
    for text in (words[:20_000], awkward):
        MATCHER.segments(text)
    assert time.perf_counter() - started < 1.0
