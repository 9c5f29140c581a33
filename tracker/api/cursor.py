"""Opaque cursors for keyset pagination: the position after the last row of a page.

Pages go newest first by id. A new request gets a higher id than any already listed, so
it never shifts the pages a client is walking through: nothing is seen twice or missed.
"""

from __future__ import annotations

import base64
import binascii
import json

from tracker.api.errors import ApiError

INVALID = "This cursor is not valid. Start again without one."


def encode(last_id: int) -> str:
    raw = json.dumps({"v": 1, "before": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> int:
    """The id every row of the next page is below."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        before = data["before"] if data.get("v") == 1 else None
    except (ValueError, binascii.Error, UnicodeError, TypeError, AttributeError, KeyError):
        before = None
    if not isinstance(before, int) or isinstance(before, bool) or before < 1:
        raise ApiError(422, fields={"cursor": INVALID})
    return before
