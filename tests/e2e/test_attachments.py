"""Attached files in a real browser: a screenshot sent with htmx, the size check before
anything is uploaded, the form without JavaScript, and names that try to be markup."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.payloads import PAYLOADS
from tests.e2e.test_xss import open_panel, shows
from tracker.models import Role


def _png(width: int = 800, height: int = 500) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


def _file(name: str, data: bytes, mime: str = "image/png") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_a_screenshot_goes_with_a_message_without_a_reload(browsing, make):
    rosa = make.requester()
    request = make.request(rosa, title="Camera greyed out")
    page = browsing.sign_in(rosa)
    page.goto(f"/requests/{request.reference}")
    page.evaluate("() => { window.__sameDocument = true; }")
    page.fill("#body", "This is what I see.")
    page.set_input_files("#files", [_file("camera.png", _png()),
                                    _file("call.log", b"10:15 camera busy\n", "text/plain")])
    page.click("#conversation button:has-text('Send message')")
    files = page.locator("#conversation .message .attachment-name")
    expect(files).to_have_text(["camera.png", "call.log"])
    assert page.evaluate("() => window.__sameDocument === true"), "the upload reloaded the page"
    thumbnail = page.locator("#conversation .message img.attachment-thumb")
    expect(thumbnail).to_have_count(1)
    thumbnail.evaluate("img => img.decode()")
    assert thumbnail.evaluate("img => img.naturalWidth") == 480  # the re-encoded thumbnail
    expect(page.locator("#files")).to_have_value("")  # a fresh composer
    page.guard.check("conversation after the upload")

    # The name downloads the file as it was sent.
    with page.expect_download() as download:
        page.click("#conversation .attachment-link:has-text('call.log')")
    assert download.value.suggested_filename == "call.log"
    assert Path(download.value.path()).read_bytes() == b"10:15 camera busy\n"
    page.guard.check("after the download")


def test_a_file_too_big_is_refused_before_it_is_sent(app, browsing, make, monkeypatch):
    monkeypatch.setitem(app.config, "RAPPORT_ATTACHMENT_MAX_BYTES", 10_000)
    rosa = make.requester()
    request = make.request(rosa)
    page = browsing.sign_in(rosa)
    page.goto(f"/requests/{request.reference}")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.fill("#body", "Big one")
    page.set_input_files("#files", [_file("huge.png", _png(2000, 2000))])
    expect(page.locator("#files-check")).to_have_text(
        "“huge.png” is too big: each file can be up to 10 KB."
    )
    page.click("#conversation button:has-text('Send message')")
    expect(page.locator("#files")).to_be_focused()
    page.wait_for_timeout(300)  # time enough for a request to leave, were one sent
    assert sent == [], "the form went to the server with a file it would refuse"
    expect(page.locator("#conversation .message")).to_have_count(0)
    page.set_input_files("#files", [_file("small.txt", b"fine\n", "text/plain")])
    expect(page.locator("#files-check")).to_be_hidden()
    page.click("#conversation button:has-text('Send message')")
    expect(page.locator("#conversation .message .attachment-name")).to_have_text(["small.txt"])
    assert len(sent) == 1
    page.guard.check("after the size check")


def test_the_new_request_form_sends_files_without_javascript(browsing, make):
    page = browsing.sign_in(make.requester(), javascript=False)
    page.goto("/requests/new")
    page.check("input[name=category][value=broken]")
    page.fill("#title", "Printer error")
    page.fill("#description", "The display shows an error.")
    page.check("input[name=impact][value=just_me]")
    page.check("input[name=urgency][value=slowed]")
    page.set_input_files("#files", [_file("setup.exe", b"MZ\x90\x00" + bytes(64),
                                          "application/octet-stream")])
    page.click("button:has-text('Send to IT')")
    expect(page.locator("#files-error")).to_contain_text("We can't accept .exe files.")
    expect(page.locator("#files-again")).to_contain_text("Please choose your files again")
    expect(page.locator("#title")).to_have_value("Printer error")
    page.set_input_files("#files", [_file("display.png", _png())])
    page.click("button:has-text('Send to IT')")
    page.wait_for_url(re.compile(r"/requests/REQ-\d+$"))
    expect(page.locator(".attachment-name")).to_have_text(["display.png"])
    page.guard.check("request filed with a file, no JavaScript")


# Names a person could give a file (no slashes: a browser sends only the last part of a
# path, and no double quotes, which browsers escape in the upload).
NAMES = [p + ".png" for p in PAYLOADS if not set('/\\"') & set(p)][:5]


def test_file_names_show_as_text_everywhere(browsing, make):
    rosa = make.requester()
    agent = make.agent()
    admin = make.user(roles=(Role.ADMIN,))
    request = make.request(rosa, title="Names that try to be markup")
    page = browsing.sign_in(rosa)
    page.goto(f"/requests/{request.reference}")
    page.fill("#body", "Files with odd names")
    page.set_input_files("#files", [_file(name, _png(40, 30)) for name in NAMES])
    page.click("#conversation button:has-text('Send message')")
    expect(page.locator("#conversation .message .attachment-name")).to_have_count(len(NAMES))
    shows(page, *NAMES, where="conversation after the htmx upload")
    page.reload()
    shows(page, *NAMES, where="request page")

    staff = browsing.sign_in(agent)
    staff.goto("/board")
    open_panel(staff, request.id)
    shows(staff, *NAMES, where="board side panel")
    staff.goto(f"/board/requests/{request.reference}")
    shows(staff, *NAMES, where="panel page")

    boss = browsing.sign_in(admin)
    boss.goto(f"/requests/{request.reference}/attachments/remove")
    shows(boss, *NAMES, where="removal confirmation")
