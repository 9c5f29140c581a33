"""How files go out: always as a download, never sniffed or run, thumbnails re-encoded."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from tests.attachments import samples
from tests.attachments.support import attachments, file_request
from tracker.attachments.thumbnails import THUMBNAIL_BOX


def _assert_locked_down(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert "sandbox" in directives and directives["sandbox"] == []
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "script-src" not in directives
    assert len(response.headers.getlist("Content-Security-Policy")) == 1
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cache = response.headers["Cache-Control"]
    assert "private" in cache and "public" not in cache


def test_a_download_is_an_attachment_with_the_original_bytes(client, make):
    rosa = make.requester()
    request = make.request(rosa)
    data = samples.pdf()
    pdf = make.attachment(request, rosa, data, "Überweisung März.pdf")
    client.login(rosa.email)
    url = f"/requests/{request.reference}/attachments/{pdf.id}/Uberweisung_Marz.pdf"
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == data
    assert response.mimetype == "application/pdf"
    assert response.content_length == len(data)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # RFC 6266: an ASCII fallback and the real name, percent-encoded UTF-8.
    assert "filename*=UTF-8''%C3%9Cberweisung%20M%C3%A4rz.pdf" in disposition
    assert 'filename="Uberweisung Marz.pdf"' in disposition
    _assert_locked_down(response)


def test_a_picture_that_hides_a_page_is_still_only_a_download(client, make):
    """A polyglot (a real PNG with HTML after its end) is accepted as the picture it is,
    but goes out as an attachment that no browser sniffs or runs; its thumbnail carries
    none of the hidden bytes."""
    rosa = make.requester()
    request = make.request(rosa)
    data = samples.png_with_html_tail()
    file = make.attachment(request, rosa, data, "cat.html")
    client.login(rosa.email)
    response = client.get(f"/requests/{request.reference}/attachments/{file.id}/cat.html.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    # Named as what it is: a browser or desktop never opens it as a page.
    assert response.headers["Content-Disposition"] == "attachment; filename=cat.html.png"
    _assert_locked_down(response)
    thumbnail = client.get(f"/requests/{request.reference}/thumbnails/{file.id}")
    assert thumbnail.status_code == 200
    assert b"<script" not in thumbnail.data and b"<html" not in thumbnail.data


def test_a_wrong_name_in_the_url_redirects_to_the_right_one(client, make):
    rosa = make.requester()
    request = make.request(rosa)
    file = make.attachment(request, rosa, samples.text(), "export.log")
    client.login(rosa.email)
    canonical = f"/requests/{request.reference}/attachments/{file.id}/export.log"
    for wrong in (f"/requests/{request.reference}/attachments/{file.id}/other.pdf",
                  f"/requests/{request.reference.lower()}/attachments/{file.id}/export.log"):
        response = client.get(wrong)
        assert response.status_code == 301
        assert response.headers["Location"].endswith(canonical)
    assert client.get(canonical).status_code == 200


def test_a_download_answers_conditional_and_range_requests(client, make):
    rosa = make.requester()
    request = make.request(rosa)
    data = b"0123456789" * 100
    file = make.attachment(request, rosa, data, "numbers.txt")
    client.login(rosa.email)
    url = f"/requests/{request.reference}/attachments/{file.id}/numbers.txt"
    first = client.get(url)
    assert first.headers["ETag"] == f'"{file.sha256}"'
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    part = client.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == data[10:20]


def test_thumbnails_are_re_encoded_small_and_without_metadata(client, make):
    rosa = make.requester()
    request = make.request(rosa)
    photo = make.attachment(request, rosa, samples.jpeg_with_location(900, 600), "holiday.jpg")
    client.login(rosa.email)
    response = client.get(f"/requests/{request.reference}/thumbnails/{photo.id}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"] == "inline"
    _assert_locked_down(response)
    thumbnail = Image.open(BytesIO(response.data))
    assert thumbnail.format == "JPEG"
    # Turned upright as the camera said, then bounded: 600 x 900 becomes 240 x 360.
    assert thumbnail.size == (240, 360)
    assert thumbnail.width <= THUMBNAIL_BOX[0] and thumbnail.height <= THUMBNAIL_BOX[1]
    assert not thumbnail.getexif()
    assert b"SpyCam" not in response.data and b"Exif" not in response.data


@pytest.mark.parametrize(("name", "data", "mode"), [
    ("see-through.gif", samples.gif(), "RGBA"),
    ("screen.png", samples.png(1920, 1080), "RGB"),
    ("shot.webp", samples.webp(), "RGB"),
])
def test_other_pictures_get_png_thumbnails(client, make, name, data, mode):
    rosa = make.requester()
    request = make.request(rosa)
    file = make.attachment(request, rosa, data, name)
    client.login(rosa.email)
    response = client.get(f"/requests/{request.reference}/thumbnails/{file.id}")
    thumbnail = Image.open(BytesIO(response.data))
    assert (response.mimetype, thumbnail.format, thumbnail.mode) == ("image/png", "PNG", mode)
    assert thumbnail.width <= THUMBNAIL_BOX[0] and thumbnail.height <= THUMBNAIL_BOX[1]
    assert response.data != data


def test_a_name_with_controls_and_paths_is_kept_only_as_plain_text(app, client, make):
    rosa = make.requester()
    client.login(rosa.email)
    raw = "../../instance/in\u202evoice\x07\u202c.png"
    assert file_request(client, (raw, samples.png())).status_code == 303
    (stored,) = attachments(app)
    assert stored.original_name == "invoice.png"


def test_a_large_photo_gets_its_thumbnail_from_a_reduced_decode(client, make):
    rosa = make.requester()
    request = make.request(rosa)
    photo = make.attachment(request, rosa, samples.big_photo(), "48mp.jpg")
    client.login(rosa.email)
    response = client.get(f"/requests/{request.reference}/thumbnails/{photo.id}")
    assert Image.open(BytesIO(response.data)).size == (420, 360)
