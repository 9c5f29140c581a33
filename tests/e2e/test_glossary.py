"""The glossary in a real browser: explanations on hover, focus and tap, the live hint
in the board's side panel, and Preview without JavaScript."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_xss import open_panel
from tracker.extensions import db
from tracker.glossary import services
from tracker.models import GlossaryTerm

VPN = "A private connection from your computer to work."
REBOOT = "Turning it off and on again."


def _glossary(app) -> None:
    with app.app_context():
        services.save_term(GlossaryTerm(), services.TermDraft("VPN", VPN))
        services.save_term(GlossaryTerm(), services.TermDraft("reboot", REBOOT))
        db.session.commit()
        db.session.remove()


def test_the_requester_reads_explanations_by_pointer_keyboard_and_tap(app, browsing, make):
    _glossary(app)
    requester = make.requester()
    agent = make.agent()
    service_request = make.request(requester)
    make.comment(service_request, agent, "Please reboot, then connect to the VPN.")

    page = browsing.sign_in(requester)
    page.goto(f"/requests/{service_request.reference}")
    tips = page.locator(".message-text .jargon-tip")
    expect(tips).to_have_count(2)
    expect(tips.first).to_be_hidden()
    # Read as it shows: the explanations are hidden until asked for.
    assert page.locator(".message-text").last.inner_text() == (
        "Please reboot, then connect to the VPN.")

    # Pointer: the explanation shows while hovering, and Escape dismisses it.
    page.hover(".jargon-term >> text=reboot")
    expect(tips.first).to_be_visible()
    expect(tips.first).to_have_text(REBOOT)
    page.keyboard.press("Escape")
    expect(tips.first).to_be_hidden()
    page.mouse.move(0, 0)

    # Keyboard: each explained word is a stop on the Tab key, described by its explanation.
    page.locator("#conversation h2").click()
    term = page.locator(".jargon-term >> text=VPN")
    for _ in range(10):
        page.keyboard.press("Tab")
        if term.evaluate("element => element === document.activeElement"):
            break
    expect(term).to_be_focused()
    expect(tips.nth(1)).to_be_visible()
    described = term.get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_have_text(VPN)

    # Phone: a tap shows the explanation across the bottom of the screen.
    page.set_viewport_size({"width": 390, "height": 800})
    page.locator("#conversation h2").click()
    page.locator(".jargon-term >> text=reboot").click()
    box = tips.first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert box["y"] + box["height"] <= 800
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.guard.check("explanations")


def test_the_side_panel_hints_as_the_agent_writes_a_public_reply(app, browsing, make):
    _glossary(app)
    requester = make.requester()
    agent = make.agent()
    service_request = make.request(requester, title="Cannot reach the wiki")
    request_id = service_request.id

    staff = browsing.sign_in(agent)
    staff.goto("/board")
    open_panel(staff, request_id)
    hint = staff.locator(f"#note-hint-{request_id}")
    staff.fill(f"#note-{request_id}", "Please reboot and use the VPN.")
    staff.wait_for_timeout(900)
    expect(hint).to_have_text("")  # an internal note: nothing to explain
    staff.select_option(f"#note-visibility-{request_id}", "public")
    expect(hint).to_have_text("The requester will see explanations for: reboot, VPN.")
    staff.fill(f"#note-{request_id}", "Thanks, looking now.")
    expect(hint).to_have_text("")

    staff.fill(f"#note-{request_id}", "Connect to the VPN.")
    expect(hint).to_contain_text("VPN")
    staff.click(f"#note-preview-{request_id}")
    expect(staff.locator("#panel .reply-preview .jargon-term")).to_have_text("VPN")
    expect(staff.locator(f"#note-{request_id}")).to_have_value("Connect to the VPN.")
    assert re.search(r"/board$", staff.url), "the preview left the board"
    staff.locator("#panel form.panel-form", has=staff.locator(f"#note-{request_id}")).locator(
        "button:has-text('Send')").click()
    expect(staff.locator("#board-message")).to_contain_text("Reply sent")
    staff.guard.check("panel hint")

    asker = browsing.sign_in(requester)
    asker.goto(f"/requests/{service_request.reference}")
    expect(asker.locator(".message-text .jargon-term")).to_have_text("VPN")
    asker.guard.check("reply from the panel, explained")


def test_preview_works_without_javascript(app, browsing, make):
    _glossary(app)
    requester = make.requester()
    agent = make.agent()
    service_request = make.request(requester)
    reference = service_request.reference

    staff = browsing.sign_in(agent, javascript=False)
    staff.goto(f"/requests/{reference}")
    staff.fill("#body", "Please reboot.")
    staff.click("#reply-preview-button")
    expect(staff.locator("#reply-hint")).to_have_text(
        "The requester will see explanations for: reboot.")
    expect(staff.locator(".reply-preview .jargon-term")).to_have_text("reboot")
    expect(staff.locator("#body")).to_have_value("Please reboot.")
    staff.click("#conversation button:has-text('Send')")
    staff.wait_for_url(re.compile(rf"/requests/{reference}#event-\d+$"))
    expect(staff.locator("#conversation .message-text")).to_have_text(["Please reboot."])
    staff.guard.check("no-JS preview and send")
