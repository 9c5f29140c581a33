"""Thumbnails of pictures, re-encoded from their pixels with Pillow.

A thumbnail is a new image made from the decoded pixels only: no metadata (EXIF with
its location, ICC profiles, text chunks, comments) and none of the original's bytes,
so whatever a crafted file carries besides its picture stays behind. Opening a picture
here is also the proof that it is one: a file that does not decode is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

THUMBNAIL_BOX = (480, 360)
# A picture with more pixels than this is refused before it is decoded: a 10 MB file
# can otherwise unpack to gigabytes (8K screenshots have 33 million).
MAX_PIXELS = 40_000_000


class PictureProblem(ValueError):
    """A picture we can't use: damaged, or too large to decode safely."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "damaged" or "too large"


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    content_type: str


def make_thumbnail(data: BinaryIO, pillow_format: str) -> Thumbnail:
    """A PNG (or, for photos, JPEG) at most THUMBNAIL_BOX in size."""
    data.seek(0)
    try:
        with Image.open(data, formats=[pillow_format]) as picture:
            # A JPEG decodes straight at a smaller scale (a 48-megapixel photo too); other
            # formats decode whole, so their size is what counts.
            picture.draft("RGB", THUMBNAIL_BOX)
            if picture.width * picture.height > MAX_PIXELS:
                raise PictureProblem("too large")
            upright = ImageOps.exif_transpose(picture)  # as the camera meant it, then no EXIF
            upright.thumbnail(THUMBNAIL_BOX)
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
                upright.mode == "P" and "transparency" in upright.info
            )
            clean = upright.convert("RGBA" if has_alpha else "RGB")
            clean.info = {}
            out = BytesIO()
            if pillow_format == "JPEG":
                clean.save(out, "JPEG", quality=85)
                return Thumbnail(out.getvalue(), "image/jpeg")
            clean.save(out, "PNG", optimize=True)
            return Thumbnail(out.getvalue(), "image/png")
    except PictureProblem:
        raise
    except Image.DecompressionBombError as exc:
        raise PictureProblem("too large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PictureProblem("damaged") from exc
    finally:
        data.seek(0)
