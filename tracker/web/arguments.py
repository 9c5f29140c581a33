"""Query-string arguments as people (and old bookmarks) send them: read with care.

A page number or an id in a URL can be anything a browser sends: huge, negative,
"NaN", superscript digits ("²".isdigit() is true) or NUL. They are read as plain ASCII
digits in range or not at all, so no mangled link reaches the database as a value it
cannot hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.models.requests import parse_id

MAX_PAGE = 100_000


def page_number(args) -> int:
    """The page asked for (1 when it isn't a sensible page number)."""
    return min(parse_id(args.get("page")) or 1, MAX_PAGE)


def ids_in(values: Iterable[str]) -> set[int]:
    """The valid row ids among these values; anything else is left out."""
    return {i for i in map(parse_id, values) if i is not None}
