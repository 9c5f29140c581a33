"""Injection payloads typed into every text field, then every page that shows them.

Each test enters payloads through the real forms in Chromium, then opens the pages and
htmx fragments that display them and checks three things on each: no payload ran (the
`__xss`/`alert` sentinel stayed silent and nothing asked for /x, /logout or another
host), the Content-Security-Policy saw no violation, and the payload is on the page as
text, character for character, which only happens when it was escaped.
"""

from __future__ import annotations

import re
from datetime import timedelta

from tests.e2e.payloads import PAYLOADS, SEPARATOR, pack
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import Role, ServiceRequest, Stage, User
from tracker.service_requests import workflow

# What each field gets: long fields the whole corpus (each from another starting point),
# short fields the few payloads that fit.
TITLE = pack(200, 29)
DESCRIPTION = pack(20_000, 0)
COMMENT = pack(20_000, 7)
REPLY = pack(20_000, 14)
INTERNAL_NOTE = pack(20_000, 21)
MOVE_NOTE = pack(500, 36)
PRIORITY_REASON = pack(500, 44)

TOOL_NAME = pack(120, 2)
TOOL_URL = "javascript:__xss(5) · JaVaScRiPt:__xss(19) · " + PAYLOADS[24]
TOOL_PURPOSE = pack(5_000, 11)
TOOL_IMPACT = pack(5_000, 30)
REVIEW_RATIONALE = pack(2_000, 40)
REVIEW_ADVICE = pack(2_000, 50)

ATTENDEES = pack(2_000, 3)
NOTES = pack(10_000, 18)
ACTIONS = [(pack(300, 25), pack(120, 31)), (pack(300, 47), pack(120, 53))]

SURVEY_COMMENT = pack(5_000, 9)
FOLLOW_UP = pack(5_000, 27)
ACTED_UPON = pack(1_000, 42)

PERSON_NAME = pack(120, 0)
PERSON_JOB = pack(120, 12)
PERSON_PHONE = pack(40, 4)
AGENT_NAME = pack(120, 38)
UNIT_NAME = pack(120, 26)
UNIT_DESCRIPTION = pack(2_000, 33)
OBJECTIVES = [p for p in PAYLOADS[:10] if len(p) < 200]
# A term is found in prose, so it is one without a dot or a colon (those read as addresses).
GLOSSARY_TERM = pack(60, 6)
GLOSSARY_EXPLANATION = pack(400, 16)
# Synonyms are split at commas, so these are payloads without one.
GLOSSARY_SYNONYMS = [p for p in PAYLOADS[30:] if "," not in p and len(p) <= 60][:6]
CDATA_PAYLOAD = "<![CDATA[<script>__xss(36)</script>]]>"
TOKEN_NAMES = [pack(80, 8), pack(80, 20)]


def _text(page) -> str:
    return page.evaluate("() => document.body.innerText")


def shows(page, *texts: str, where: str = "") -> None:
    """The page is clean and shows each text verbatim (so it was escaped)."""
    page.guard.check(where)
    body = _text(page)
    missing = [text for text in texts if text not in body]
    assert not missing, f"{where or page.url}: not shown as text: {missing}"


def visit(page, path: str, *texts: str) -> None:
    page.goto(path)
    shows(page, *texts, where=path)


def _reference(page) -> str:
    match = re.search(r"/requests/(REQ-\d+)", page.url)
    assert match, page.url
    return match.group(1)


def _request_id(reference: str) -> int:
    return int(reference.removeprefix("REQ-"))


def file_request(page, title: str, description: str) -> str:
    page.goto("/requests/new")
    page.guard.check("/requests/new")
    page.check("input[name=category][value=broken]", force=True)
    page.fill("#title", title)
    page.fill("#description", description)
    page.check("input[name=impact][value=just_me]", force=True)
    page.check("input[name=urgency][value=slowed]", force=True)
    page.click("button:has-text('Send to IT')")
    page.wait_for_url(re.compile(r"/requests/REQ-\d+"))
    return _reference(page)


def open_panel(page, request_id: int) -> None:
    """Click the request's title on the board (a card) or in the list view (a row)."""
    page.click(f"#card-title-{request_id}, #row-{request_id} a[hx-get]")
    page.locator("#panel #panel-body").wait_for()


def panel_action(page, button: str, request_id: int, fill: dict[str, str], select=None):
    """Fill one of the side panel's forms and send it; waits for the panel to come back."""
    body = page.locator("#panel #panel-body")
    handle = body.element_handle()
    for selector, value in fill.items():
        page.fill(selector, value)
    for selector, value in (select or {}).items():
        page.select_option(selector, value)
    form = page.locator("#panel form.panel-form", has=page.locator(next(iter(fill or select))))
    form.locator(f"button:has-text('{button}')").click()
    # htmx swaps the panel's content: the old body leaves the document.
    page.wait_for_function("(old) => !old.isConnected", arg=handle)
    body.wait_for()


def test_request_fields_show_as_text_everywhere(browsing, make):
    unit = make.unit(name="Finance")
    requester = make.requester(unit=unit)
    agent = make.agent()

    asker = browsing.sign_in(requester)
    reference = file_request(asker, TITLE, DESCRIPTION)
    shows(asker, TITLE, DESCRIPTION, where="request page after filing")
    assert TITLE in asker.title()

    # The requester's message, sent with htmx from the request page.
    asker.fill("#body", COMMENT)
    asker.click("#conversation button:has-text('Send message')")
    asker.locator("#conversation .message-text", has_text="__xss(1)").first.wait_for()
    shows(asker, COMMENT, where="conversation after the htmx comment")

    request_id = _request_id(reference)
    staff = browsing.sign_in(agent)
    visit(staff, "/board", TITLE)
    open_panel(staff, request_id)
    shows(staff, TITLE, DESCRIPTION, COMMENT, where="board side panel")

    panel_action(staff, "Send", request_id, {f"#note-{request_id}": REPLY},
                 {f"#note-visibility-{request_id}": "public"})
    shows(staff, REPLY, where="panel after the reply")
    panel_action(staff, "Send", request_id, {f"#note-{request_id}": INTERNAL_NOTE},
                 {f"#note-visibility-{request_id}": "internal"})
    shows(staff, INTERNAL_NOTE, where="panel after the internal note")
    panel_action(staff, "Move", request_id, {f"#move-note-{request_id}": MOVE_NOTE},
                 {f"#move-stage-{request_id}": "in_progress"})
    shows(staff, MOVE_NOTE, where="panel after the move")
    panel_action(staff, "Set", request_id, {f"#priority-reason-{request_id}": PRIORITY_REASON},
                 {f"#priority-{request_id}": "1"})
    shows(staff, PRIORITY_REASON, TITLE, where="panel after the priority change")

    # Every page an agent sees them on.
    visit(staff, f"/requests/{reference}", TITLE, DESCRIPTION, COMMENT, REPLY, INTERNAL_NOTE,
          MOVE_NOTE, PRIORITY_REASON)
    visit(staff, f"/board/requests/{reference}", TITLE, DESCRIPTION, REPLY, INTERNAL_NOTE)
    visit(staff, "/board?view=list", TITLE)
    open_panel(staff, request_id)
    shows(staff, TITLE, DESCRIPTION, REPLY, INTERNAL_NOTE, where="panel from the list view")
    # The board search reflects the words searched for, in the search box, as a value.
    staff.goto("/board?q=" + re.sub(r"[^A-Za-z0-9]", lambda m: f"%{ord(m.group()):02X}",
                                     PAYLOADS[26]))
    assert staff.input_value("#q") == PAYLOADS[26]
    staff.guard.check("board search from the address")

    # And every page the requester sees them on; the internal note stays with IT.
    visit(asker, f"/requests/{reference}", TITLE, DESCRIPTION, COMMENT, REPLY)
    assert INTERNAL_NOTE not in _text(asker)
    visit(asker, "/", TITLE)
    visit(asker, "/requests/", TITLE)
    visit(asker, "/notifications/")

    # A refused form shows the typed text back inside value="…" and <textarea>.
    page = asker
    page.goto("/requests/new")
    page.fill("#title", TITLE)
    page.fill("#description", DESCRIPTION)
    page.click("button:has-text('Send to IT')")  # no category: the form comes back
    page.locator(".form-summary").wait_for()
    page.guard.check("new request form shown again")
    assert page.input_value("#title") == TITLE
    assert page.input_value("#description") == DESCRIPTION


def test_tool_fields_show_as_text_everywhere(browsing, make):
    unit = make.unit(name="Sales")
    requester = make.requester(unit=unit)
    agent = make.agent()

    owner = browsing.sign_in(requester)
    owner.goto("/tools/new")
    owner.fill("#name", TOOL_NAME)
    owner.fill("#url", TOOL_URL)
    owner.fill("#purpose", TOOL_PURPOSE)
    owner.fill("#user_count", "5")
    owner.check("input[name=payer][value=free]", force=True)
    owner.check("input[name=data_kind][value=internal]", force=True)
    owner.check("input[name=sign_in][value=sso]", force=True)
    owner.check("input[name=critical][value=no]", force=True)
    owner.fill("#impact", TOOL_IMPACT)
    owner.click("button:has-text('Tell IT')")
    owner.wait_for_url(re.compile(r"/tools/\d+$"))
    tool_path = re.search(r"/tools/\d+$", owner.url).group(0)
    shows(owner, TOOL_NAME, TOOL_URL, TOOL_PURPOSE, TOOL_IMPACT, where="tool page")
    assert TOOL_NAME in owner.title()

    staff = browsing.sign_in(agent)
    visit(staff, "/tools/", TOOL_NAME)
    visit(staff, tool_path, TOOL_NAME, TOOL_URL, TOOL_PURPOSE, TOOL_IMPACT)
    staff.select_option("#status", "under_review")
    staff.fill("#rationale", REVIEW_RATIONALE)
    staff.fill("#advice", REVIEW_ADVICE)
    staff.click("button:has-text('Save')")
    staff.wait_for_url(re.compile(tool_path + "$"))
    shows(staff, TOOL_NAME, REVIEW_RATIONALE, REVIEW_ADVICE, where="tool page after review")
    visit(staff, f"/units/{unit.id}")

    visit(owner, tool_path, TOOL_NAME, TOOL_URL, REVIEW_RATIONALE, REVIEW_ADVICE)
    visit(owner, "/tools/", TOOL_NAME)
    # Registering the same tool again shows the duplicate callout with its name.
    owner.goto("/tools/new")
    owner.fill("#name", TOOL_NAME)
    owner.fill("#purpose", "Same again")
    owner.fill("#user_count", "2")
    owner.check("input[name=payer][value=free]", force=True)
    owner.check("input[name=data_kind][value=none]", force=True)
    owner.check("input[name=sign_in][value=sso]", force=True)
    owner.check("input[name=critical][value=no]", force=True)
    owner.click("button:has-text('Tell IT')")
    owner.locator("#dup-title").wait_for()
    shows(owner, TOOL_NAME, where="duplicate tool callout")
    assert owner.input_value("#name") == TOOL_NAME


def test_tool_web_address_with_a_bracket_is_taken_not_a_server_error(browsing, make):
    """Found by these tests: a web address with "[" in its host part is a 500.

    tracker/shadow_it/services.py domain_of() calls urllib.parse.urlsplit(), which raises
    ValueError ("Invalid IPv6 URL", or "… does not appear to be an IPv4 or IPv6 address")
    for such text; find_duplicate() runs it on every submission of /tools/new.
    """
    owner = browsing.sign_in(make.requester())
    owner.goto("/tools/new")
    owner.fill("#name", "Bracket tool")
    owner.fill("#url", CDATA_PAYLOAD)  # "[" without a matching "]" in the host part
    owner.fill("#purpose", "Planning")
    owner.fill("#user_count", "3")
    owner.check("input[name=payer][value=free]", force=True)
    owner.check("input[name=data_kind][value=none]", force=True)
    owner.check("input[name=sign_in][value=sso]", force=True)
    owner.check("input[name=critical][value=no]", force=True)
    with owner.expect_response(lambda r: r.request.method == "POST") as answer:
        owner.click("button:has-text('Tell IT')")
    assert answer.value.status < 500, f"POST /tools/new answered {answer.value.status}"


def test_touchpoint_fields_show_as_text_everywhere(browsing, make):
    brm = make.user(roles=(Role.BRM,))
    unit = make.unit(name="Operations", brm=brm)
    agent = make.agent()

    page = browsing.sign_in(brm)
    page.goto(f"/units/{unit.id}/touchpoints/new")
    page.guard.check("touchpoint form")
    page.fill("#attendees", ATTENDEES)
    page.fill("#notes", NOTES)
    due = (utcnow().date() + timedelta(days=7)).isoformat()
    for index, (description, owner) in enumerate(ACTIONS):
        page.fill(f"#actions-{index}-description", description)
        page.fill(f"#actions-{index}-owner", owner)
        page.fill(f"#actions-{index}-due_on", due)
    page.click("button:has-text('Save touchpoint')")
    page.wait_for_url(re.compile(rf"/units/{unit.id}/touchpoints$"))
    texts = [ATTENDEES, NOTES, *(text for action in ACTIONS for text in action)]
    shows(page, *texts, where="touchpoint log")
    visit(page, f"/units/{unit.id}", *texts)
    visit(page, "/portfolio", *(text for action in ACTIONS for text in action))
    # "Mark done" flashes the action's words.
    page.goto(f"/units/{unit.id}/touchpoints")
    page.locator("button.link-button:has-text('Mark done')").first.click()
    page.locator(".flash").first.wait_for()
    shows(page, ACTIONS[0][0], where="flash after marking an action done")

    staff = browsing.sign_in(agent)
    visit(staff, f"/units/{unit.id}", *texts)
    visit(staff, "/portfolio", ACTIONS[1][0], ACTIONS[1][1])


def test_survey_fields_show_as_text_everywhere(app, browsing, make):
    unit = make.unit(name="Legal")
    requester = make.requester(unit=unit)
    agent = make.agent()
    service_request = make.request(requester, title="Scanner offline")
    with app.app_context():
        sr = db.session.get(ServiceRequest, service_request.id)
        sr.assignee_id = agent.id
        workflow.move_stage(sr, db.session.get(User, agent.id), Stage.RESOLVED)
        db.session.commit()
        reference = sr.reference
        db.session.remove()

    asker = browsing.sign_in(requester)
    asker.goto(f"/requests/{reference}")
    asker.locator("#survey").wait_for()
    asker.check("#survey input[name=score][value='1']", force=True)
    asker.fill("#survey #comment", SURVEY_COMMENT)
    asker.click("#survey button:has-text('Send')")
    asker.locator("#details").wait_for()  # a low score asks what went wrong
    shows(asker, where="survey follow-up page")
    asker.fill("#details", FOLLOW_UP)
    asker.click("button:has-text('Send')")
    asker.wait_for_url(re.compile(rf"/requests/{reference}$"))
    shows(asker, SURVEY_COMMENT, FOLLOW_UP, where="request page with the feedback")

    staff = browsing.sign_in(agent)
    visit(staff, f"/requests/{reference}", SURVEY_COMMENT, FOLLOW_UP)
    visit(staff, "/feedback/", SURVEY_COMMENT, FOLLOW_UP)
    staff.locator("input[name=responses]").first.check()
    staff.fill("#note", ACTED_UPON)
    staff.click("button:has-text('Mark the selected as acted upon')")
    staff.locator(".we-did").first.wait_for()
    shows(staff, ACTED_UPON, SURVEY_COMMENT, where="feedback after acting upon it")
    visit(staff, f"/units/{unit.id}", SURVEY_COMMENT)
    visit(staff, "/notifications/")

    visit(asker, f"/requests/{reference}", SURVEY_COMMENT, ACTED_UPON)
    visit(asker, "/")


def test_admin_names_show_as_text_everywhere(browsing, make):
    admin = make.user(roles=(Role.ADMIN,))
    brm = make.user(roles=(Role.BRM,))
    unit = make.unit(name="Marketing", brm=brm)
    requester = make.requester(unit=unit)
    agent = make.agent()

    page = browsing.sign_in(admin)
    page.goto(f"/admin/people/{requester.id}")
    page.fill("#display_name", PERSON_NAME)
    page.fill("#job_title", PERSON_JOB)
    page.fill("#phone", PERSON_PHONE)
    page.click("button:has-text('Save changes')")
    page.wait_for_url(re.compile(r"/admin/people$"))
    shows(page, PERSON_NAME, where="people list with the flash")
    page.goto(f"/admin/people/{agent.id}")
    page.fill("#display_name", AGENT_NAME)
    page.click("button:has-text('Save changes')")
    page.wait_for_url(re.compile(r"/admin/people$"))
    page.goto(f"/admin/units/{unit.id}")
    page.fill("#name", UNIT_NAME)
    page.fill("#description", UNIT_DESCRIPTION)
    page.fill("#objectives", "\n".join(OBJECTIVES))
    page.click("button:has-text('Save changes')")
    page.wait_for_url(re.compile(r"/admin/units$"))
    shows(page, UNIT_NAME, where="unit list with the flash")

    visit(page, "/admin/people", PERSON_NAME, AGENT_NAME, UNIT_NAME)
    visit(page, f"/admin/people/{requester.id}")
    assert page.input_value("#display_name") == PERSON_NAME
    assert page.input_value("#job_title") == PERSON_JOB
    assert page.input_value("#phone") == PERSON_PHONE
    visit(page, "/admin/units", UNIT_NAME)
    visit(page, f"/admin/units/{unit.id}")
    assert page.input_value("#name") == UNIT_NAME
    assert page.input_value("#description") == UNIT_DESCRIPTION
    visit(page, f"/units/{unit.id}", UNIT_NAME, UNIT_DESCRIPTION, *OBJECTIVES)
    visit(page, "/portfolio", UNIT_NAME)

    # A request from the renamed person, answered by the renamed agent.
    service_request = make.request(requester, title="Projector")
    reference = service_request.reference
    asker = browsing.sign_in(requester)
    assert asker.locator(".user-name").inner_text() == PERSON_NAME
    staff = browsing.sign_in(agent)
    assert staff.locator(".user-name").inner_text() == AGENT_NAME
    visit(staff, "/board", PERSON_NAME, UNIT_NAME)
    assert UNIT_NAME in staff.locator("#f-unit").text_content()
    assert AGENT_NAME in staff.locator("#f-assignee").text_content()
    open_panel(staff, service_request.id)
    shows(staff, PERSON_NAME, UNIT_NAME, where="panel of the renamed person's request")
    panel_action(staff, "Assign", service_request.id, {},
                 {f"#assign-{service_request.id}": str(agent.id)})
    panel_action(staff, "Send", service_request.id, {f"#note-{service_request.id}": "On it."},
                 {f"#note-visibility-{service_request.id}": "public"})
    shows(staff, AGENT_NAME, PERSON_NAME, where="panel after assigning and replying")
    visit(staff, "/board?view=list", PERSON_NAME, UNIT_NAME, AGENT_NAME)
    visit(staff, f"/requests/{reference}", PERSON_NAME, UNIT_NAME, AGENT_NAME)

    visit(asker, f"/requests/{reference}", AGENT_NAME)
    visit(asker, "/notifications/", AGENT_NAME)
    visit(asker, "/", PERSON_NAME)


def test_glossary_fields_show_as_text_everywhere(browsing, make):
    admin = make.user(roles=(Role.ADMIN,))
    agent = make.agent()
    requester = make.requester()
    service_request = make.request(requester, title="Cannot reach the files")
    reference = service_request.reference
    synonyms = ", ".join(GLOSSARY_SYNONYMS)

    page = browsing.sign_in(admin)
    page.goto("/admin/glossary/new")
    page.fill("#term", GLOSSARY_TERM)
    page.fill("#explanation", GLOSSARY_EXPLANATION)
    page.fill("#synonyms", synonyms)
    page.click("button:has-text('Add word')")
    page.wait_for_url(re.compile(r"/admin/glossary$"))
    shows(page, GLOSSARY_TERM, GLOSSARY_EXPLANATION, synonyms, where="glossary list + flash")
    page.click("table a:has-text('Edit')")
    page.wait_for_url(re.compile(r"/admin/glossary/\d+$"))
    page.guard.check("glossary edit page")
    assert page.input_value("#term") == GLOSSARY_TERM
    assert page.input_value("#explanation") == GLOSSARY_EXPLANATION
    assert page.input_value("#synonyms") == synonyms
    page.click("a:has-text('Delete this word')")
    shows(page, GLOSSARY_TERM, GLOSSARY_EXPLANATION, where="glossary delete confirmation")
    visit(page, "/admin/glossary?q=" + re.sub(r"[^A-Za-z0-9]", lambda m: f"%{ord(m.group()):02X}",
                                              GLOSSARY_SYNONYMS[0]), GLOSSARY_TERM)

    # The public word list, and its search as the visitor types (htmx).
    visit(page, "/glossary", GLOSSARY_TERM, GLOSSARY_EXPLANATION, synonyms)
    page.fill("#glossary-q", GLOSSARY_SYNONYMS[1])
    page.wait_for_url(re.compile(r"/glossary\?q="))
    page.locator("#glossary-results dfn").first.wait_for()
    shows(page, GLOSSARY_TERM, GLOSSARY_EXPLANATION, where="glossary search with htmx")

    # The agent's live hint and preview name the word, and the requester sees it explained.
    staff = browsing.sign_in(agent)
    staff.goto(f"/requests/{reference}")
    reply = f"Please read this: {GLOSSARY_TERM} and then try again."
    staff.fill("#body", reply)
    staff.locator("#reply-hint .jargon-hint-text").wait_for()
    shows(staff, GLOSSARY_TERM, where="the live hint")
    staff.click("#reply-preview-button")
    staff.locator(".reply-preview .jargon-term").wait_for()
    shows(staff, reply, where="the preview")
    assert staff.locator(".reply-preview .jargon-term").inner_text() == GLOSSARY_TERM
    staff.click("#conversation button:has-text('Send')")
    staff.locator("#conversation .message-text", has_text="Please read this").wait_for()
    shows(staff, reply, where="conversation after sending")

    asker = browsing.sign_in(requester)
    visit(asker, f"/requests/{reference}", reply)
    term = asker.locator(".message-text .jargon-term").first
    assert term.inner_text() == GLOSSARY_TERM
    term.focus()
    tip = asker.locator(".message-text .jargon-tip").first
    tip.wait_for(state="visible")
    assert tip.inner_text() == GLOSSARY_EXPLANATION
    asker.guard.check("the explanation shown on focus")


def test_api_token_names_show_as_text(browsing, make):
    person = make.requester()
    page = browsing.sign_in(person)
    page.goto("/settings")
    # A requester without tokens finds the form folded away; once made, it stays open.
    page.click("#api-tokens summary:has-text('Make a token for a program')")
    for name in TOKEN_NAMES:  # made with htmx: the section is swapped in place
        section = page.locator("#api-tokens").element_handle()
        page.fill("#api-tokens input[name=name]", name)
        page.click("#api-tokens button:has-text('Make token')")
        page.wait_for_function("(old) => !old.isConnected", arg=section)
        page.locator("#new-token-secret").wait_for()
        shows(page, name, where="settings after making a token")
    visit(page, "/settings", *TOKEN_NAMES)
    page.locator("#api-tokens summary").first.click()
    shows(page, *TOKEN_NAMES, where="settings with a revoke confirmation open")
    section = page.locator("#api-tokens").element_handle()
    page.locator("#api-tokens button:has-text('Yes, revoke it')").first.click()
    page.wait_for_function("(old) => !old.isConnected", arg=section)
    page.locator("#api-tokens .flash-success").wait_for()
    shows(page, *TOKEN_NAMES, where="settings after revoking")


def test_every_payload_goes_through_a_field():
    fields = [TITLE, DESCRIPTION, COMMENT, REPLY, INTERNAL_NOTE, MOVE_NOTE, PRIORITY_REASON,
              TOOL_NAME, TOOL_URL, TOOL_PURPOSE, TOOL_IMPACT, REVIEW_RATIONALE, REVIEW_ADVICE,
              ATTENDEES, NOTES, *(t for a in ACTIONS for t in a), SURVEY_COMMENT, FOLLOW_UP,
              ACTED_UPON, PERSON_NAME, PERSON_JOB, PERSON_PHONE, AGENT_NAME, UNIT_NAME,
              UNIT_DESCRIPTION, *OBJECTIVES]
    entered = SEPARATOR.join(fields)
    assert [p for p in PAYLOADS if p not in entered] == []
    assert len(PAYLOADS) >= 50


def test_the_guard_notices_a_payload_that_runs(browsing, make):
    """The harness itself: a script that runs, or breaks the CSP, is caught."""
    page = browsing.new_page()
    page.goto("/login")
    page.evaluate("() => { __xss(99); alert(100); }")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '__xss(101)';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    found = page.guard.problems()
    fired = found["sentinel fired (script ran)"]
    assert [entry.split(" at ")[0] for entry in fired[:2]] == ["__xss(99)", "alert(100)"]
    assert any("script-src" in entry for entry in found["CSP violations"])
    page.guard.xss.clear()
    page.guard.csp.clear()
    page.guard.console_errors.clear()  # Chromium also logs the refused inline script
    page.goto("/login")  # a fresh document: nothing recorded any more
    page.guard.check("after the harness check")
