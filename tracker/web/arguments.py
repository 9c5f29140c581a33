"""Query-string arguments as people (and old bookmarks) send them: read with care.

A page number or an id in a URL can be anything a browser sends: huge, negative,
"NaN", superscript digits ("²".isdigit() is true) or NUL. They are read as plain ASCII
digits in range or not at all, so no mangled link reaches the database as a value it
cannot hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.models.requests import parse_id
from tracker.web.forms import text_problem

MAX_PAGE = 100_000


def page_number(args) -> int:
    """The page asked for (1 when it isn't a sensible page number)."""
    return min(parse_id(args.get("page")) or 1, MAX_PAGE)


def search_words(value: str, limit: int) -> str:
    """Words to search for, spaces folded; nothing if it holds characters no one types
    (control characters, NUL, text that wasn't UTF-8), which the database may refuse."""
    words = " ".join(value.split())[:limit]
    return "" if text_problem(words, multiline=False) else words


def ids_in(values: Iterable[str]) -> set[int]:
    """The valid row ids among these values; anything else is left out."""
    return {i for i in map(parse_id, values) if i is not None}
