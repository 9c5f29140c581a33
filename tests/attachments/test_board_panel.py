"""Files sent with a note or reply from the board's side panel, as on the request page."""

from __future__ import annotations

import html

import pytest

from tests.attachments import samples
from tests.attachments.support import attachments, counts, files


def _panel_note(client, reference: str, body: str, *named, htmx: bool, visibility: str):
    data = {"body": body, "visibility": visibility, "ctx": "panel", "next": "/board",
            "files": files(*named)}
    return client.form_post(f"/board/requests/{reference}/note", data, htmx=htmx,
                            content_type="multipart/form-data")


@pytest.mark.parametrize("htmx", [False, True])
def test_a_reply_from_the_panel_carries_its_files(app, client, make, htmx):
    rosa = make.requester()
    request = make.request(rosa)
    client.login(make.agent().email)
    response = _panel_note(client, request.reference, "This setting fixes it",
                           ("setting.png", samples.png()), htmx=htmx, visibility="public")
    assert response.status_code == (200 if htmx else 303)
    [stored] = attachments(app)
    assert (stored.original_name, stored.internal) == ("setting.png", False)
    assert stored.event_id is not None
    if htmx:  # the panel comes back with its note form still able to send files
        assert 'hx-encoding="multipart/form-data"' in response.get_data(as_text=True)

    client.login(rosa.email)
    assert "setting.png" in client.get(f"/requests/{request.reference}").get_data(as_text=True)


def test_a_file_with_an_internal_note_stays_with_it(app, client, make):
    rosa = make.requester()
    request = make.request(rosa)
    client.login(make.agent().email)
    _panel_note(client, request.reference, "Server log", ("server.log", samples.text()),
                htmx=True, visibility="internal")
    [stored] = attachments(app)
    assert stored.internal is True
    client.login(rosa.email)
    assert "server.log" not in client.get(f"/requests/{request.reference}").get_data(
        as_text=True
    )


def test_a_refused_file_keeps_the_note_and_stores_nothing(app, client, make, stored_files):
    request = make.request(make.requester())
    client.login(make.agent().email)
    before = counts(app)
    response = _panel_note(client, request.reference, "Run this", ("fix.exe", samples.exe()),
                           htmx=True, visibility="public")
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert "We can't accept .exe files." in body
    assert "Run this</textarea>" in body
    assert 'aria-invalid="true"' in body
    assert counts(app) == before and stored_files() == set()
