"""The main flows in a real browser, with htmx doing the partial updates.

"Without a reload" is checked with a marker set on `window`: a full page load would
start a new document without it.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_xss import file_request, open_panel, panel_action


def _mark_document(page) -> None:
    page.evaluate("() => { window.__sameDocument = true; }")


def _same_document(page) -> bool:
    return page.evaluate("() => window.__sameDocument === true")


def test_requester_files_a_request_sees_it_and_comments_with_htmx(browsing, make):
    page = browsing.sign_in(make.requester())
    reference = file_request(page, "Laptop won't start", "It beeps three times and stops.")
    expect(page.locator(".flash-success")).to_contain_text(reference)
    expect(page.locator("h1")).to_have_text("Laptop won't start")
    expect(page.locator(".description")).to_have_text("It beeps three times and stops.")
    page.guard.check("request page")

    # The conversation answers with htmx: the message appears without a reload.
    _mark_document(page)
    page.fill("#body", "It beeped again at 10:15.")
    page.click("#conversation button:has-text('Send message')")
    expect(page.locator("#conversation .message-text")).to_have_text(["It beeped again at 10:15."])
    expect(page.locator("#body")).to_have_value("")
    assert _same_document(page), "the comment reloaded the page"
    page.guard.check("conversation")

    page.goto("/requests/")
    expect(page.locator(".request-item a.title")).to_have_text(["Laptop won't start"])
    page.click("text=Laptop won't start")
    page.wait_for_url(re.compile(rf"/requests/{reference}$"))
    expect(page.locator("#conversation .message-text")).to_have_text(["It beeped again at 10:15."])
    page.guard.check("my requests")


def test_agent_replies_from_the_side_panel_and_the_requester_sees_it(browsing, make):
    requester = make.requester(name="Priya Shah")
    agent = make.agent(name="Sam Agent")
    service_request = make.request(requester, title="Shared drive is read-only")
    request_id = service_request.id

    staff = browsing.sign_in(agent)
    staff.goto("/board")
    _mark_document(staff)
    open_panel(staff, request_id)
    expect(staff.locator("#panel .panel-title")).to_have_text("Shared drive is read-only")
    assert re.search(r"/board$", staff.url), "opening the panel changed the page"

    panel_action(staff, "Send", request_id, {f"#note-{request_id}": "Fixed the permissions."},
                 {f"#note-visibility-{request_id}": "public"})
    expect(staff.locator("#panel .timeline .message-text")).to_contain_text(
        ["Fixed the permissions."]
    )
    expect(staff.locator("#board-message")).to_contain_text("Reply sent")
    panel_action(staff, "Send", request_id, {f"#note-{request_id}": "Check the ACL job."},
                 {f"#note-visibility-{request_id}": "internal"})
    expect(staff.locator("#panel .note-label")).to_have_count(1)
    # Assigning from the panel updates the card on the board behind it, out of band.
    panel_action(staff, "Assign", request_id, {}, {f"#assign-{request_id}": str(agent.id)})
    expect(staff.locator(f"#card-{request_id} .ticket-meta").nth(1)).to_contain_text("Sam Agent")
    assert _same_document(staff), "a panel action reloaded the board"
    # Escape closes the panel in place.
    staff.keyboard.press("Escape")
    expect(staff.locator("#panel #panel-body")).to_have_count(0)
    staff.guard.check("board")

    asker = browsing.sign_in(requester)
    asker.goto(f"/requests/{service_request.reference}")
    expect(asker.locator("#conversation .message-text")).to_have_text(["Fixed the permissions."])
    expect(asker.locator("#conversation")).not_to_contain_text("Check the ACL job.")
    expect(asker.locator(".bell-count")).to_contain_text("1")
    asker.goto("/notifications/")
    expect(asker.locator(".notification-text")).to_contain_text(
        [f"Sam Agent from IT replied to your request {service_request.reference}."]
    )
    asker.guard.check("notifications")


def test_agent_moves_a_card_and_the_column_counts_follow(browsing, make):
    requester = make.requester()
    first = make.request(requester, title="Printer jams")
    make.request(requester, title="Mouse is broken")
    staff = browsing.sign_in(make.agent())
    staff.goto("/board")
    expect(staff.locator("#count-new")).to_have_text("2")
    expect(staff.locator("#count-in_progress")).to_have_text("0")
    _mark_document(staff)

    open_panel(staff, first.id)
    panel_action(staff, "Move", first.id, {f"#move-note-{first.id}": "Taking it."},
                 {f"#move-stage-{first.id}": "in_progress"})
    expect(staff.locator("#count-new")).to_have_text("1")
    expect(staff.locator("#count-in_progress")).to_have_text("1")
    expect(staff.locator(f"#card-{first.id} .ticket-note")).to_have_text("Now in progress")
    expect(staff.locator("#board-message")).to_contain_text("moved to in progress")
    assert _same_document(staff), "moving a card reloaded the board"
    staff.guard.check("board after the move")

    # "Assign to me" on the other card swaps just that card.
    other = staff.locator(".ticket", has_text="Mouse is broken")
    other.locator("button:has-text('Assign to me')").click()
    expect(other.locator("button:has-text('Assign to me')")).to_have_count(0)
    assert _same_document(staff)

    staff.reload()
    expect(staff.locator("#column-in_progress ~ .ticket")).to_have_count(1)
    expect(staff.locator("#count-new")).to_have_text("1")
    staff.guard.check("board reloaded")


def test_agent_resolves_and_the_requester_answers_the_survey(browsing, make):
    requester = make.requester()
    agent = make.agent(name="Alex Fixer")
    service_request = make.request(requester, title="Email bounces")

    staff = browsing.sign_in(agent)
    staff.goto("/board")
    open_panel(staff, service_request.id)
    panel_action(staff, "Assign", service_request.id, {},
                 {f"#assign-{service_request.id}": str(agent.id)})
    panel_action(staff, "Move", service_request.id, {},
                 {f"#move-stage-{service_request.id}": "resolved"})
    expect(staff.locator("#count-resolved")).to_have_text("1")
    expect(staff.locator("#count-new")).to_have_text("0")
    staff.guard.check("board after resolving")

    asker = browsing.sign_in(requester)
    asker.goto(f"/requests/{service_request.reference}")
    expect(asker.locator("#fixed-title")).to_be_visible()
    survey = asker.locator("#survey")
    survey.locator("input[name=score][value='5']").check(force=True)
    survey.locator("#comment").fill("Quick and friendly.")
    survey.locator("button:has-text('Send')").click()
    asker.wait_for_url(re.compile(rf"/requests/{service_request.reference}$"))
    expect(asker.locator(".flash-success")).to_contain_text("Thank you for your feedback")
    expect(asker.locator(".feedback-card")).to_contain_text("Quick and friendly.")
    expect(asker.locator("#survey")).to_have_count(0)
    asker.guard.check("request page after the survey")

    staff.goto("/feedback/")
    expect(staff.locator(".comment-item")).to_contain_text(["Quick and friendly."])
    staff.goto("/notifications/")
    expect(staff.locator(".notification-text").first).to_contain_text("rated")
    staff.guard.check("feedback")


def test_filing_and_commenting_work_without_javascript(browsing, make):
    requester = make.requester()
    agent = make.agent()
    asker = browsing.sign_in(requester, javascript=False)
    reference = file_request(asker, "Keyboard missing keys", "The F and J keys fell off.")
    expect(asker.locator(".flash-success")).to_contain_text(reference)

    asker.fill("#body", "Photo attached at the desk.")
    asker.click("#conversation button:has-text('Send message')")
    asker.wait_for_url(re.compile(rf"/requests/{reference}#event-\d+$"))
    expect(asker.locator(".flash-success")).to_contain_text("Your message was added")
    expect(asker.locator("#conversation .message-text")).to_have_text(
        ["Photo attached at the desk."]
    )
    asker.guard.check("no-JS request page")

    # The side panel is a page of its own without JavaScript; its forms still work.
    staff = browsing.sign_in(agent, javascript=False)
    staff.goto("/board")
    staff.click(f"#card-title-{int(reference.removeprefix('REQ-'))}")
    staff.wait_for_url(re.compile(rf"/board/requests/{reference}"))
    request_id = int(reference.removeprefix("REQ-"))
    staff.fill(f"#note-{request_id}", "Ordering a new keyboard.")
    staff.select_option(f"#note-visibility-{request_id}", "public")
    staff.locator("form.panel-form", has=staff.locator(f"#note-{request_id}")).locator(
        "button:has-text('Send')"
    ).click()
    staff.wait_for_url(re.compile(r"/board"))
    expect(staff.locator(".flash-success")).to_contain_text("Reply sent")
    staff.guard.check("no-JS board")

    asker.goto(f"/requests/{reference}")
    expect(asker.locator("#conversation .message-text")).to_have_text(
        ["Photo attached at the desk.", "Ordering a new keyboard."]
    )
    asker.guard.check("no-JS request page with the reply")
