"""What kind of file an upload really is, decided from its bytes, and the allow-list.

The browser's Content-Type and the file's name are never trusted: the first bytes pick
the candidate (pictures, PDF, office documents) and a text file must read as text all
the way through. The name's extension only matters for text, which has no signature,
and for the words of a refusal.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from werkzeug.utils import secure_filename

NAME_MAX = 255
_HEAD = 64
_CHUNK = 64 * 1024
# Control characters, and the bidirectional overrides that make "exe.png" out of
# "gnp.exe": never part of a name we show.
_UNSHOWABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Text files may hold tabs, line and page breaks, and the escapes of coloured logs.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x19\x1c-\x1f\x7f]")
_ZIP_MEMBERS_MAX = 20_000
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class FileKind:
    """One kind of file we accept: its type, the extensions it goes by, a plain label."""

    content_type: str
    extensions: tuple[str, ...]  # the first is the one a download gets when missing
    label: str
    pillow_format: str | None = None  # pictures are opened (and re-encoded) with Pillow


_OOXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"
PNG = FileKind("image/png", (".png",), "Picture", "PNG")
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"), "Picture", "JPEG")
GIF = FileKind("image/gif", (".gif",), "Picture", "GIF")
WEBP = FileKind("image/webp", (".webp",), "Picture", "WEBP")
PDF = FileKind("application/pdf", (".pdf",), "PDF")
TEXT = FileKind("text/plain", (".txt", ".log", ".text"), "Text")
CSV = FileKind("text/csv", (".csv",), "Table (CSV)")
DOCX = FileKind(f"{_OOXML}.wordprocessingml.document", (".docx",), "Document")
XLSX = FileKind(f"{_OOXML}.spreadsheetml.sheet", (".xlsx",), "Spreadsheet")
PPTX = FileKind(f"{_OOXML}.presentationml.presentation", (".pptx",), "Presentation")
ODT = FileKind(f"{_ODF}.text", (".odt",), "Document")
ODS = FileKind(f"{_ODF}.spreadsheet", (".ods",), "Spreadsheet")
ODP = FileKind(f"{_ODF}.presentation", (".odp",), "Presentation")

KINDS = (PNG, JPEG, GIF, WEBP, PDF, TEXT, CSV, DOCX, XLSX, PPTX, ODT, ODS, ODP)
BY_CONTENT_TYPE = {kind.content_type: kind for kind in KINDS}
PICTURE_TYPES = frozenset(kind.content_type for kind in KINDS if kind.pillow_format)
# For the file picker only (a hint to the browser; the server decides).
ACCEPT = ",".join(
    ["image/png", "image/jpeg", "image/gif", "image/webp",
     *(ext for kind in KINDS for ext in kind.extensions)]
)
_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
_ODF_TYPES = {ODT.content_type: ODT, ODS.content_type: ODS, ODP.content_type: ODP}
_OLD_OFFICE = {".doc": ".docx", ".xls": ".xlsx", ".ppt": ".pptx"}

WHAT_IS_FINE = "Screenshots, pictures, PDFs, text files and office documents are fine."


class FileRefused(ValueError):
    """An upload we won't keep, with the reason in plain words."""

    def __init__(self, message: str, *, unaccepted_kind: bool = False) -> None:
        super().__init__(message)
        self.unaccepted_kind = unaccepted_kind  # then WHAT_IS_FINE says what would do


def clean_name(raw: str | None) -> str:
    """The name to show for an upload: its last path part, without control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSHOWABLE.sub("", unicodedata.normalize("NFC", name)).strip()
    if not name:
        return "file"
    if len(name) > NAME_MAX:
        suffix = extension_of(name)[:20]
        name = name[: NAME_MAX - len(suffix)] + suffix
    return name


def extension_of(name: str) -> str:
    """'.png' for 'Screen Shot.PNG'; '' when the name has none."""
    suffix = PurePosixPath(name).suffix.lower()
    return suffix if len(suffix) > 1 else ""


def download_name(name: str, kind: FileKind) -> str:
    """The stored name, with the right extension added when it has another one (so a
    picture named page.html is saved as page.html.png and opens as a picture)."""
    return name if extension_of(name) in kind.extensions else name + kind.extensions[0]


def url_name(name: str, kind: FileKind) -> str:
    """A plain ASCII name for the download's URL."""
    saved_as = download_name(name, kind)
    stem = secure_filename(PurePosixPath(saved_as).stem) or "file"
    return stem[:80] + extension_of(saved_as)


def detect(data: BinaryIO, name: str) -> FileKind:
    """The kind of this upload, from its content; FileRefused when it is none we accept."""
    data.seek(0)
    head = data.read(_HEAD)
    data.seek(0)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    extension = extension_of(name)
    if head.startswith(b"PK\x03\x04"):
        kind = _office_document(data, name)
        if kind is not None:
            return kind
    elif head.startswith(OLE_SIGNATURE) and extension in _OLD_OFFICE:
        raise FileRefused(
            f"“{name}” is in an older {extension} format we can't accept. Please save it as "
            f"{_OLD_OFFICE[extension]} (File › Save as) and attach it again."
        )
    elif extension in TEXT.extensions + CSV.extensions and _reads_as_text(data):
        return CSV if extension in CSV.extensions else TEXT
    raise FileRefused(_refusal(name, extension), unaccepted_kind=True)


def _refusal(name: str, extension: str) -> str:
    if extension and not any(extension in kind.extensions for kind in KINDS):
        return f"We can't accept {extension} files."
    if extension:
        return f"“{name}” doesn't look like what its name says, so we can't accept it."
    return f"We couldn't tell what kind of file “{name}” is."


def _office_document(data: BinaryIO, name: str) -> FileKind | None:
    """An OOXML or OpenDocument file without macros, read from the zip's directory."""
    try:
        with zipfile.ZipFile(data) as archive:
            names = archive.namelist()
            kind, macros = None, False
            if len(names) > _ZIP_MEMBERS_MAX:
                return None
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                kind = _ODF_TYPES.get(declared)
                macros = any(n.startswith(("Basic/", "Scripts/")) for n in names)
            elif "[Content_Types].xml" in names:
                kind = next(
                    (k for prefix, k in _OOXML_PARTS if any(n.startswith(prefix) for n in names)),
                    None,
                )
                macros = any(n.lower().endswith("vbaproject.bin") for n in names)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        data.seek(0)
    if kind is not None and macros:
        raise FileRefused(
            f"“{name}” contains macros, which we can't accept. Please save it as an "
            "ordinary document without macros and attach it again."
        )
    return kind


def _reads_as_text(data: BinaryIO) -> bool:
    """Text all the way through: UTF-8 (or UTF-16 with its mark, or Windows-1252)."""
    data.seek(0)
    head = data.read(2)
    data.seek(0)
    encodings = ("utf-16",) if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else (
        "utf-8-sig", "cp1252"
    )
    try:
        return any(_decodes_cleanly(data, encoding) for encoding in encodings)
    finally:
        data.seek(0)


def _decodes_cleanly(data: BinaryIO, encoding: str) -> bool:
    data.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := data.read(_CHUNK):
            if _NOT_TEXT.search(decoder.decode(chunk)):
                return False
        return not _NOT_TEXT.search(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False
