"""Small files of every kind, made on the spot: real ones, disguised ones and crafted ones."""

from __future__ import annotations

import zipfile
from io import BytesIO

from PIL import Image

from tracker.attachments.detection import OLE_SIGNATURE

SCRIPT = b"<script>__xss(1)</script>"


def png(width: int = 64, height: int = 48, color=(200, 40, 40), mode: str = "RGB") -> bytes:
    out = BytesIO()
    Image.new(mode, (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg_with_location(width: int = 900, height: int = 600) -> bytes:
    """A photo whose EXIF says where it was taken and that it is turned on its side."""
    picture = Image.new("RGB", (width, height), (30, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    exif[0x010F] = "SpyCam Inc."  # camera maker
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    out = BytesIO()
    picture.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def gif() -> bytes:
    out = BytesIO()
    Image.new("P", (20, 20), 3).save(out, "GIF", transparency=3)
    return out.getvalue()


def webp() -> bytes:
    out = BytesIO()
    Image.new("RGB", (30, 20), (10, 200, 10)).save(out, "WEBP")
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _zip(members: dict[str, bytes]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx() -> bytes:
    return _zip({
        "[Content_Types].xml": b"<Types/>",
        "_rels/.rels": b"<Relationships/>",
        "word/document.xml": b"<w:document/>",
    })


def xlsx_with_macros() -> bytes:
    return _zip({
        "[Content_Types].xml": b"<Types/>",
        "xl/workbook.xml": b"<workbook/>",
        "xl/vbaProject.bin": b"\x00macro",
    })


def odt() -> bytes:
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                 "content.xml": b"<office:document-content/>"})


def plain_zip() -> bytes:
    return _zip({"tool.exe": b"MZ\x90\x00"})


def old_word_document() -> bytes:
    return OLE_SIGNATURE + bytes(504)


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(100)


def html() -> bytes:
    return b"<!doctype html><html><body>" + SCRIPT + b"</body></html>"


def svg() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg" onload="__xss(2)"><rect/></svg>'


def gif_script_polyglot() -> bytes:
    """Starts like a GIF, reads as a script: not a picture that decodes."""
    return b"GIF89a/*\x00\x00*/=1;" + SCRIPT + b"\n"


def png_with_html_tail() -> bytes:
    """A real picture with a page hidden after its end."""
    return png() + b"<html>" + SCRIPT + b"</html>"


def huge_picture() -> bytes:
    """Small on disk, 64 million pixels once decoded."""
    out = BytesIO()
    Image.new("1", (8000, 8000), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def truncated_png() -> bytes:
    whole = png(300, 300)
    return whole[: len(whole) // 2]


def text(body: str = "2026-01-01 12:00 ERROR export failed\n") -> bytes:
    return body.encode()


def big_photo() -> bytes:
    """42 megapixels: too many to decode whole, but a JPEG decodes at a reduced scale."""
    out = BytesIO()
    Image.new("L", (7000, 6000), 90).save(out, "JPEG", quality=50)
    return out.getvalue()
