"""Requesters see glossary words in IT's messages explained; nobody else's words, and
not on staff screens. Everything shown is escaped."""

from __future__ import annotations

import re

from tracker.models import Role

TERM = re.compile(
    r'<dfn class="jargon-term" tabindex="0" aria-describedby="(?P<id>[^"]+)">(?P<word>[^<]*)'
    r'</dfn><span class="jargon-tip" role="tooltip" id="(?P<tip_id>[^"]+)">(?P<tip>[^<]*)</span>'
)
MESSAGE = re.compile(r'<p class="message-text">(.*?)</p>', re.DOTALL)


def explained(html: str) -> list[tuple[str, str]]:
    """(word, explanation) for every explained word on a page; each tooltip is tied to it."""
    found = []
    for match in TERM.finditer(html):
        assert match["id"] == match["tip_id"]
        found.append((match["word"], match["tip"]))
    ids = [match["id"] for match in TERM.finditer(html)]
    assert len(ids) == len(set(ids)), "tooltip ids must be unique on the page"
    return found


def _scene(make, add_term):
    add_term("VPN", "A private connection to work.", ("virtual private network",))
    add_term("reboot", "Turning it off and on again.")
    brm = make.user(roles=(Role.BRM,), name="Bea Brm")
    unit = make.unit(brm=brm)
    rosa = make.requester(unit=unit, name="Rosa Requester")
    agent = make.agent(name="Alex Agent")
    request = make.request(rosa, description="My VPN is slow since Monday.")
    return rosa, agent, brm, request


def test_a_requester_sees_words_in_its_replies_explained(client, make, add_term):
    rosa, agent, _, request = _scene(make, add_term)
    make.comment(request, agent, "Please reboot, then connect to the VPN. The VPN is back.")
    client.login(rosa.email)
    html = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert explained(html) == [
        ("reboot", "Turning it off and on again."), ("VPN", "A private connection to work.")]
    assert "dotted line under them" in html
    assert 'href="/glossary"' in html


def test_the_requesters_own_words_are_not_marked(client, make, add_term):
    rosa, agent, _, request = _scene(make, add_term)
    make.comment(request, rosa, "I tried to reboot the VPN myself.")
    client.login(rosa.email)
    html = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert explained(html) == []
    assert "My VPN is slow since Monday." in html  # the description, as typed
    assert "dotted line under them" not in html


def test_staff_screens_show_replies_as_written(client, make, add_term):
    rosa, agent, _, request = _scene(make, add_term)
    make.comment(request, agent, "Please reboot.")
    client.login(agent.email)
    page = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    panel = client.get(f"/board/requests/{request.reference}").get_data(as_text=True)
    for html in (page, panel):
        assert explained(html) == []
        assert "Please reboot." in html


def test_the_units_brm_reading_a_request_sees_the_explanations(client, make, add_term):
    rosa, agent, brm, request = _scene(make, add_term)
    make.comment(request, agent, "Connect to the virtual private network first.")
    client.login(brm.email)
    html = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert explained(html) == [("virtual private network", "A private connection to work.")]


def test_internal_notes_stay_with_it(client, make, add_term):
    rosa, agent, _, request = _scene(make, add_term)
    make.comment(request, agent, "Internal: their VPN profile is broken.", internal=True)
    client.login(rosa.email)
    html = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "VPN profile" not in html
    assert explained(html) == []


def test_each_message_explains_a_word_once_with_its_own_tooltip(client, make, add_term):
    rosa, agent, _, request = _scene(make, add_term)
    first = make.comment(request, agent, "The VPN, the VPN, the VPN.")
    second = make.comment(request, agent, "Still the VPN.")
    client.login(rosa.email)
    html = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert [word for word, _ in explained(html)] == ["VPN", "VPN"]
    assert f'id="jargon-{first.id}-2"' in html
    assert f'id="jargon-{second.id}-2"' in html


def test_message_formatting_is_kept_around_explained_words(client, make, add_term):
    rosa, agent, _, request = _scene(make, add_term)
    body = "Hi Rosa,\n\n  1. reboot\n  2. open the VPN\tagain  \n\nThanks"
    make.comment(request, agent, body)
    client.login(rosa.email)
    html = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    shown = next(m for m in MESSAGE.findall(html) if "Hi Rosa" in m)
    as_text = re.sub(r'<span class="jargon-tip"[^>]*>[^<]*</span>', "", shown)
    as_text = re.sub(r"<[^>]+>", "", as_text)
    assert as_text == body


def test_glossary_text_and_replies_are_escaped(client, make, add_term):
    add_term("VPN", 'Not <script>alert("x")</script> & <b>bold</b> \'quoted\'')
    rosa = make.requester()
    agent = make.agent()
    request = make.request(rosa)
    make.comment(request, agent, '<img src=x onerror="alert(1)"> Use the <a href="/x">VPN</a>')
    client.login(rosa.email)
    html = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "<img src=x" not in html and '<a href="/x">' not in html
    assert ("&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Use the &lt;a href=&#34;/x&#34;&gt;"
            in html)
    words = explained(html)
    assert words == [("VPN", "Not &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; "
                             "&lt;b&gt;bold&lt;/b&gt; &#39;quoted&#39;")]


def test_a_reply_sent_with_htmx_comes_back_explained_for_the_requester(client, make, add_term):
    rosa, agent, _, request = _scene(make, add_term)
    make.comment(request, agent, "Please reboot.")
    client.login(rosa.email)
    response = client.form_post(
        f"/requests/{request.reference}/comments", {"body": "I did the reboot."}, htmx=True
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert explained(html) == [("reboot", "Turning it off and on again.")]  # IT's, not hers
    assert "I did the reboot." in html


def test_without_a_glossary_replies_are_shown_as_written(client, make):
    rosa = make.requester()
    agent = make.agent()
    request = make.request(rosa)
    make.comment(request, agent, "Please reboot the VPN.")
    client.login(rosa.email)
    html = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert '<p class="message-text">Please reboot the VPN.</p>' in html
    assert "dotted line under them" not in html
