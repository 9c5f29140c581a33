"""Reading pages the way a person does: the visible text, without markup."""

from __future__ import annotations

import html
import re

_HEAD = re.compile(r"<head>.*?</head>", re.S)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def visible_text(page: str) -> str:
    """The words a person can read on the page, with white space folded."""
    text = _TAG.sub(" ", _HEAD.sub(" ", page))
    return _SPACE.sub(" ", html.unescape(text)).strip()
