"""Where to send someone after signing in: only ever a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """Return `target` if it is a local path like /requests/REQ-000001, else None.

    Rejects absolute URLs, scheme-relative ones (//evil), backslash tricks (/\\evil)
    that browsers treat as //evil, and anything with control characters.
    """
    if not target:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
