"""Attaching files when asking for help and in the conversation: limits, kinds, messages."""

from __future__ import annotations

import hashlib
import html
import re
from io import BytesIO

import pytest

from tests.attachments import samples
from tests.attachments.support import (
    attachments,
    counts,
    file_request,
    keys,
    send_message,
)
from tracker.attachments.detection import WHAT_IS_FINE


def _reference(response) -> str:
    match = re.search(r"/requests/(REQ-\d+)", response.headers.get("Location", ""))
    assert match, (response.status_code, response.headers.get("Location"))
    return match.group(1)


# --- the happy paths ------------------------------------------------------------------------

def test_a_requester_files_a_request_with_screenshots(app, client, make, stored_files):
    rosa = make.requester()
    client.login(rosa.email)
    shot, log = samples.png(), samples.text()
    response = file_request(client, ("Screen Shot 2026-11-30.png", shot), ("export.log", log))
    assert response.status_code == 303
    reference = _reference(response)

    stored = attachments(app)
    assert [(a.original_name, a.content_type, a.size_bytes, a.event_id, a.internal)
            for a in stored] == [
        ("Screen Shot 2026-11-30.png", "image/png", len(shot), None, False),
        ("export.log", "text/plain", len(log), None, False),
    ]
    assert stored[0].sha256 == hashlib.sha256(shot).hexdigest()
    assert stored[0].thumbnail_type == "image/png" and stored[1].thumbnail_key is None
    # Stored under keys the server chose, never under the name it was sent with.
    assert stored_files() == keys(stored[0]) | keys(stored[1])
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in stored_files())

    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert "Screen Shot 2026-11-30.png" in page and "export.log" in page
    assert f"/requests/{reference}/thumbnails/{stored[0].id}" in page
    assert f"/requests/{reference}/attachments/{stored[1].id}/export.log" in page


@pytest.mark.parametrize("htmx", [False, True])
def test_a_message_carries_files_with_or_without_javascript(app, client, make, htmx):
    rosa = make.requester()
    request = make.request(rosa)
    client.login(rosa.email)
    response = send_message(client, request.reference, "Here is what I see",
                            ("error.png", samples.png()), ("notes.txt", samples.text()),
                            htmx=htmx)
    assert response.status_code == (200 if htmx else 303)
    stored = attachments(app)
    assert len(stored) == 2 and len({a.event_id for a in stored}) == 1
    assert stored[0].event_id is not None
    body = (response if htmx else client.get(f"/requests/{request.reference}")).get_data(
        as_text=True
    )
    assert "error.png" in body and "notes.txt" in body
    if htmx:  # the fragment's fresh composer still sends files
        assert 'hx-encoding="multipart/form-data"' in body


def test_staff_attach_files_to_a_reply_and_to_an_internal_note(app, client, make):
    rosa = make.requester()
    agent = make.agent()
    request = make.request(rosa)
    client.login(agent.email)
    send_message(client, request.reference, "Try this setting", ("setting.png", samples.png()),
                 visibility="public")
    send_message(client, request.reference, "Server log for us", ("server.log", samples.text()),
                 visibility="internal")
    public, internal = attachments(app)
    assert (public.original_name, public.internal) == ("setting.png", False)
    assert (internal.original_name, internal.internal) == ("server.log", True)

    client.login(rosa.email)
    page = client.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "setting.png" in page
    assert "server.log" not in page


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("photo.jpg", samples.jpeg_with_location(), "image/jpeg"),
        ("anim.gif", samples.gif(), "image/gif"),
        ("pic.webp", samples.webp(), "image/webp"),
        ("invoice.pdf", samples.pdf(), "application/pdf"),
        ("report.docx", samples.docx(), "application/vnd.openxmlformats-officedocument."
                                         "wordprocessingml.document"),
        ("minutes.odt", samples.odt(), "application/vnd.oasis.opendocument.text"),
        ("figures.csv", b"month,amount\nJan,12\n", "text/csv"),
        ("windows.log", "caf\xe9 d\xe9j\xe0 vu\r\n".encode("cp1252"), "text/plain"),
        ("powershell.txt", "Fehler: Zugriff verweigert\r\n".encode("utf-16"), "text/plain"),
    ],
)
def test_accepted_kinds_are_decided_from_the_content(app, client, make, name, data,
                                                     content_type):
    rosa = make.requester()
    client.login(rosa.email)
    assert file_request(client, (name, data)).status_code == 303
    (stored,) = attachments(app)
    assert stored.content_type == content_type
    assert (stored.thumbnail_key is not None) == content_type.startswith("image/")


def test_the_browsers_content_type_is_ignored(app, client, make):
    rosa = make.requester()
    client.login(rosa.email)
    data = {"category": "broken", "title": "x", "description": "y", "impact": "just_me",
            "urgency": "slowed",
            "files": [(BytesIO(samples.pdf()), "a.pdf", "text/html")]}
    assert client.form_post("/requests/new", data).status_code == 303
    assert attachments(app)[0].content_type == "application/pdf"


# --- refusals -------------------------------------------------------------------------------

REFUSED = [
    ("setup.exe", samples.exe(), "We can't accept .exe files."),
    ("page.png", samples.html(), "“page.png” doesn't look like what its name says"),
    ("logo.svg", samples.svg(), "We can't accept .svg files."),
    ("logo.png", samples.svg(), "“logo.png” doesn't look like what its name says"),
    ("funny.gif", samples.gif_script_polyglot(), "“funny.gif” seems to be damaged"),
    ("broken.png", samples.truncated_png(), "“broken.png” seems to be damaged"),
    ("tools.zip", samples.plain_zip(), "We can't accept .zip files."),
    ("budget.xlsx", samples.xlsx_with_macros(), "“budget.xlsx” contains macros"),
    ("old.doc", samples.old_word_document(), "Please save it as .docx"),
    ("binary.txt", samples.exe(), "“binary.txt” doesn't look like what its name says"),
    ("README", samples.text(), "We couldn't tell what kind of file “README” is."),
    ("empty.txt", b"", "“empty.txt” is empty."),
    ("poster.png", samples.huge_picture(), "“poster.png” is a very large picture."),
]


@pytest.mark.parametrize(("name", "data", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_refused_file_is_a_form_error_and_nothing_is_stored(app, client, make, stored_files,
                                                              name, data, message):
    rosa = make.requester()
    client.login(rosa.email)
    before = counts(app)
    response = file_request(client, ("fine.png", samples.png()), (name, data),
                            title="My typed title")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    says_what_is_fine = WHAT_IS_FINE in page
    assert says_what_is_fine == (name not in ("empty.txt", "poster.png", "funny.gif",
                                              "broken.png", "budget.xlsx", "old.doc"))
    assert 'value="My typed title"' in page  # what the person typed is kept
    assert "Please choose your files again" in page
    assert counts(app) == before
    assert stored_files() == set()


def test_a_refused_file_in_a_message_keeps_the_message_and_stores_nothing(
    app, client, make, stored_files
):
    rosa = make.requester()
    request = make.request(rosa)
    client.login(rosa.email)
    before = counts(app)
    response = send_message(client, request.reference, "See the attached", ("x.exe",
                            samples.exe()), htmx=True)
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert "We can't accept .exe files." in body
    assert "See the attached</textarea>" in body
    assert counts(app) == before and stored_files() == set()


# --- limits ---------------------------------------------------------------------------------

def test_a_file_over_the_size_limit_is_refused_next_to_the_field(app, client, make,
                                                                 stored_files, monkeypatch):
    monkeypatch.setitem(app.config, "RAPPORT_ATTACHMENT_MAX_BYTES", 2048)
    rosa = make.requester()
    client.login(rosa.email)
    before = counts(app)
    response = file_request(client, ("big.txt", b"x" * 2049))
    assert response.status_code == 422
    assert "“big.txt” is 2 KB; each file can be up to 2 KB." in response.get_data(as_text=True)
    assert counts(app) == before and stored_files() == set()
    assert file_request(client, ("fits.txt", b"x" * 2048)).status_code == 303


def test_at_most_so_many_files_per_upload(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "RAPPORT_ATTACHMENTS_PER_UPLOAD", 2)
    rosa = make.requester()
    client.login(rosa.email)
    before = counts(app)
    three = [(f"{n}.txt", samples.text()) for n in range(3)]
    response = file_request(client, *three)
    assert response.status_code == 422
    assert "Please attach at most 2 files at a time." in response.get_data(as_text=True)
    assert counts(app) == before
    assert file_request(client, *three[:2]).status_code == 303


def test_a_request_holds_only_so_much(app, client, make, stored_files, monkeypatch):
    monkeypatch.setitem(app.config, "RAPPORT_ATTACHMENTS_PER_REQUEST_BYTES", 5000)
    rosa = make.requester()
    client.login(rosa.email)
    # At filing: the upload alone is over the request's allowance.
    response = file_request(client, ("a.txt", b"a" * 3000), ("b.txt", b"b" * 3000))
    assert response.status_code == 422
    assert "Together these files come to 6 KB" in response.get_data(as_text=True)
    # Later: what the request already holds counts.
    reference = _reference(file_request(client, ("a.txt", b"a" * 3000)))
    before, files_before = counts(app), stored_files()
    response = send_message(client, reference, "One more", ("b.txt", b"b" * 3000))
    assert response.status_code == 422
    assert "has room for 2 KB more" in response.get_data(as_text=True)
    assert counts(app) == before and stored_files() == files_before
    assert send_message(client, reference, "A smaller one", ("c.txt", b"c" * 2000)).status_code \
        == 303


def test_a_body_over_the_upload_limit_gets_the_friendly_413(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    rosa = make.requester()
    client.login(rosa.email)
    before = counts(app)
    response = file_request(client, ("big.txt", b"x" * 8192))
    assert response.status_code == 413
    assert "That was too big" in response.get_data(as_text=True)
    assert counts(app) == before


def test_the_form_says_what_is_accepted(client, make):
    client.login(make.requester().email)
    page = client.get("/requests/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and "multiple" in page
    assert "up to 5 files, 10 MB each" in page
    assert "Please choose your files again" not in page


def test_several_refused_files_are_each_named_and_what_is_fine_is_said_once(client, make):
    client.login(make.requester().email)
    response = file_request(client, ("setup.exe", samples.exe()), ("page.png", samples.html()))
    page = html.unescape(response.get_data(as_text=True))
    assert "We can't accept .exe files." in page
    assert "“page.png” doesn't look like what its name says, so we can't accept it." in page
    assert page.count(WHAT_IS_FINE) == 1
