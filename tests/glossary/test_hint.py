"""The agent's hint while writing a public reply, live (htmx) and through Preview (no JS)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import RequestEvent

HINT = "The requester will see explanations for:"


def _hint_words(html: str) -> list[str]:
    match = re.search(r'<p class="jargon-hint-text">[^:]*:(.*?)</p>', html, re.DOTALL)
    return re.findall(r"<strong>(.*?)</strong>", match.group(1)) if match else []


def _events(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(RequestEvent))
        db.session.remove()
    return count


def _scene(make, add_term):
    add_term("VPN", "A private connection to work.")
    add_term("SSO", "One sign-in for many tools.", ("single sign-on",))
    rosa = make.requester()
    agent = make.agent()
    return rosa, agent, make.request(rosa, title="Cannot reach the wiki")


def test_the_hint_lists_the_words_of_a_public_reply(client, make, add_term):
    _, agent, _ = _scene(make, add_term)
    client.login(agent.email)
    response = client.form_post(
        "/glossary/hint", {"body": "Use single sign-on, then the VPN, then SSO.",
                           "visibility": "public"}, htmx=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert HINT in html
    assert _hint_words(html) == ["single sign-on", "VPN"]
    assert "<html" not in html  # a fragment for the live region


def test_no_hint_for_internal_notes_or_replies_without_jargon(client, make, add_term):
    _, agent, _ = _scene(make, add_term)
    client.login(agent.email)
    for data in ({"body": "Connect to the VPN", "visibility": "internal"},
                 {"body": "Thanks, I'll look now.", "visibility": "public"},
                 {"body": "", "visibility": "public"}):
        response = client.form_post("/glossary/hint", data, htmx=True)
        assert response.status_code == 200
        assert response.get_data(as_text=True) == "", data


def test_the_hint_escapes_what_was_typed(client, make, add_term):
    add_term("<b>VPN</b>", "Odd, but allowed.")
    agent = make.agent()
    client.login(agent.email)
    response = client.form_post("/glossary/hint", {"body": "the <b>VPN</b> is fine",
                                                   "visibility": "public"}, htmx=True)
    html = response.get_data(as_text=True)
    assert "<strong>&lt;b&gt;VPN&lt;/b&gt;</strong>" in html


@pytest.mark.parametrize(
    ("body", "message"),
    [("VPN " * 5001, "Please keep this under 20000 characters."),
     ("VPN\x00 again", "hidden control characters")],
)
def test_a_reply_the_form_would_refuse_says_why_instead_of_a_hint(
    client, make, add_term, body, message
):
    _, agent, _ = _scene(make, add_term)
    client.login(agent.email)
    response = client.form_post("/glossary/hint", {"body": body, "visibility": "public"},
                                htmx=True)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page and message in page
    assert "explanations for" not in page


def test_the_hint_is_for_staff_only(client, make, add_term):
    rosa, _, _ = _scene(make, add_term)
    response = client.post("/glossary/hint", data={"body": "VPN"})
    assert response.status_code == 400  # no CSRF token: the form has expired
    client.login(rosa.email)
    response = client.form_post("/glossary/hint", {"body": "VPN", "visibility": "public"})
    assert response.status_code == 404


def test_the_comment_form_carries_a_live_hint_region(client, make, add_term):
    rosa, agent, request = _scene(make, add_term)
    client.login(agent.email)
    html = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    region = re.search(r'<div class="jargon-hint" id="reply-hint"[^>]*>', html).group(0)
    assert 'aria-live="polite"' in region
    assert 'hx-post="/glossary/hint"' in region
    assert 'hx-trigger="input changed delay:600ms from:closest form"' in region
    assert 'hx-target="this"' in region and 'hx-swap="innerHTML"' in region
    assert 'name="preview" value="1"' in html
    client.login(rosa.email)
    html = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "jargon-hint" not in html and 'name="preview"' not in html


def test_preview_without_javascript_keeps_the_text_and_sends_nothing(app, client, make,
                                                                     add_term):
    _, agent, request = _scene(make, add_term)
    client.login(agent.email)
    before = _events(app)
    body = "Please connect to the VPN first.\nThen try again."
    response = client.form_post(
        f"/requests/{request.reference}/comments",
        {"body": body, "visibility": "public", "preview": "1"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html  # the whole page, as a browser without JavaScript needs
    assert f">\r\n{body}</textarea>" in html  # WTForms starts a textarea with a line break
    assert _hint_words(html) == ["VPN"]
    assert "Preview: how the requester will see it" in html
    assert re.search(r'aria-describedby="reply-preview-\d+">VPN</dfn>', html)
    assert "Nothing has been sent yet." in html
    assert _events(app) == before

    # Sending the same text afterwards sends it once.
    response = client.form_post(
        f"/requests/{request.reference}/comments", {"body": body, "visibility": "public"}
    )
    assert response.status_code == 303
    assert _events(app) == before + 1


def test_preview_with_htmx_answers_the_conversation(client, make, add_term):
    _, agent, request = _scene(make, add_term)
    client.login(agent.email)
    response = client.form_post(
        f"/requests/{request.reference}/comments",
        {"body": "Use SSO.", "visibility": "public", "preview": "1"}, htmx=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="conversation"')
    assert _hint_words(html) == ["SSO"]
    assert "Preview: how the requester will see it" in html


def test_preview_of_an_internal_note_explains_nothing(client, make, add_term):
    _, agent, request = _scene(make, add_term)
    client.login(agent.email)
    response = client.form_post(
        f"/requests/{request.reference}/comments",
        {"body": "VPN profile broken", "visibility": "internal", "preview": "1"},
    )
    html = response.get_data(as_text=True)
    assert "only IT sees it, so no words are explained" in html
    assert HINT not in html


def test_preview_of_an_empty_reply_says_what_is_missing(app, client, make, add_term):
    _, agent, request = _scene(make, add_term)
    client.login(agent.email)
    before = _events(app)
    response = client.form_post(
        f"/requests/{request.reference}/comments",
        {"body": "", "visibility": "public", "preview": "1"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please write a message before sending." in html
    assert "write the reply first" in html
    assert _events(app) == before


def test_a_requester_cannot_preview_and_sends_as_usual(app, client, make, add_term):
    rosa, _, request = _scene(make, add_term)
    client.login(rosa.email)
    before = _events(app)
    response = client.form_post(
        f"/requests/{request.reference}/comments", {"body": "Any news?", "preview": "1"}
    )
    assert response.status_code == 303
    assert _events(app) == before + 1


def test_the_board_panel_has_the_hint_and_a_preview_without_javascript(app, client, make,
                                                                       add_term):
    _, agent, request = _scene(make, add_term)
    client.login(agent.email)
    panel = client.get(f"/board/requests/{request.reference}").get_data(as_text=True)
    assert f'id="note-hint-{request.id}"' in panel
    assert f'id="note-preview-{request.id}"' in panel

    before = _events(app)
    data = {"body": "Connect to the VPN.", "visibility": "public", "preview": "1",
            "ctx": "panel", "next": "/board?assignee=me"}
    response = client.form_post(f"/board/requests/{request.reference}/note", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert ">\r\nConnect to the VPN.</textarea>" in html
    assert _hint_words(html) == ["VPN"]
    assert "Preview: how the requester will see it" in html
    assert 'href="/board?assignee=me"' in html  # the way back keeps the filters
    assert _events(app) == before

    response = client.form_post(f"/board/requests/{request.reference}/note", data, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div class="panel-body" id="panel-body"')
    assert _hint_words(html) == ["VPN"]
    assert _events(app) == before
