"""Finding glossary words in a message: one compiled pattern, text in, segments out.

Rules, in the order they apply:
- Code, web addresses, e-mail addresses and other dotted names ("vpn.example.com",
  "setup.exe", "v2.1") are left exactly as written: a word inside them is not prose.
- Every term and synonym goes into one pattern, longest first, so "change window" wins
  over "change" where both could start.
- Whole words only, in any capitals, with the usual plurals ("VPNs", "patches",
  "proxies", "VPN's"). A space in a term matches any run of spaces or a line break; a
  hyphen matches only a hyphen, so "plug-in" never marks "plug in the cable" (other
  spellings, like "e-mail" and "email", are synonyms).
- Each glossary entry is explained at its first appearance in a message. A reader meets
  the word there; marking every repeat clutters the text and makes a screen reader read
  the same explanation again and again. Each message gets its own first mark, because
  a message is often read on its own (a link to it from a notification).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Left alone, in this order: fenced code (an unclosed fence runs to the end), inline code,
# addresses with a scheme (https://, mailto:, ftp://), Windows share paths, and any
# token with a dot between two word characters (domains, e-mail, file names, versions).
# Each alternative can only start where its kind of run starts (the lookbehinds), so a
# long message is scanned in linear time.
_PROTECTED = re.compile(
    r"```.*?(?:```|\Z)"
    r"|`[^`\n]+`"
    r"|(?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]*:(?://)?[^\s<>\"]+"
    r"|(?<!\\)\\\\[^\s<>\"]+"
    r"|(?<![^\s<>\"])[^\s<>\"]*\w\.\w[^\s<>\"]*",
    re.IGNORECASE | re.DOTALL,
)
_VOWELS = frozenset("aeiou")
_PLURAL_ES = ("s", "x", "z", "ch", "sh")


@dataclass(frozen=True)
class Entry:
    """One glossary entry as the matcher needs it."""

    id: int
    term: str
    explanation: str
    synonyms: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return (self.term, *self.synonyms)


@dataclass(frozen=True)
class Segment:
    """A run of a message: plain text, or a glossary word with its explanation."""

    text: str
    entry: Entry | None = None

    @property
    def explanation(self) -> str | None:
        return self.entry.explanation if self.entry else None

    @property
    def term(self) -> str | None:
        return self.entry.term if self.entry else None


def normalise(text: str) -> str:
    """A word as the matcher looks it up: lower case, runs of spaces as one."""
    return " ".join(text.split()).lower()


def word_forms(word: str) -> list[str]:
    """A term and its usual plural and possessive forms, normalised."""
    base = normalise(word)
    if not base:
        return []
    forms = [base]
    if base[-1].isalpha():
        forms += [base + "s", base + "'s", base + "’s"]
        if base.endswith(_PLURAL_ES):
            forms.append(base + "es")
        if len(base) > 2 and base[-1] == "y" and base[-2] not in _VOWELS:
            forms.append(base[:-1] + "ies")
    return forms


def trie_pattern(words: Iterable[str]) -> str:
    """One regular expression for many normalised words, shaped as a prefix tree.

    At each letter only the branches that can still match are tried, and a longer word
    is tried before a shorter one that ends at the same place (longest match first). A
    space stands for any run of white space, so a term may wrap onto the next line.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for character in word:
            node = node.setdefault(character, {})
        node[""] = {}
    return _render(trie)


def _render(node: dict) -> str:
    branches = [
        (r"\s+" if character == " " else re.escape(character)) + _render(child)
        for character, child in sorted(node.items())
        if character
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word ends here: go on if a longer one matches, else stop here
        return f"(?:{body})?"
    return body


class Matcher:
    """Every entry's words compiled into one pattern; built once, used for every message."""

    def __init__(self, entries: Iterable[Entry]):
        self.entries = tuple(entries)
        self._by_form: dict[str, Entry] = {}
        # Words as written are claimed before generated plurals, and the first entry to
        # claim a form keeps it.
        for entry in self.entries:
            for word in entry.words:
                self._by_form.setdefault(normalise(word), entry)
        for entry in self.entries:
            for word in entry.words:
                for form in word_forms(word)[1:]:
                    self._by_form.setdefault(form, entry)
        forms = [form for form in self._by_form if form]
        self._pattern = (
            re.compile(rf"(?<!\w)(?:{trie_pattern(forms)})(?!\w)", re.IGNORECASE)
            if forms else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def _matches(self, text: str):
        """(start, end, entry) of every glossary word outside code and addresses."""
        if self._pattern is None or not text:
            return
        position = 0
        for protected in _PROTECTED.finditer(text):
            yield from self._matches_in(text, position, protected.start())
            position = protected.end()
        yield from self._matches_in(text, position, len(text))

    def _matches_in(self, text: str, start: int, end: int):
        if start >= end:
            return
        for match in self._pattern.finditer(text, start, end):
            entry = self._by_form.get(normalise(match.group()))
            if entry is not None:
                yield match.start(), match.end(), entry

    def segments(self, text: str | None) -> list[Segment]:
        """The text cut into plain runs and explained words (each entry once, first seen)."""
        text = text or ""
        result: list[Segment] = []
        seen: set[int] = set()
        position = 0
        for start, end, entry in self._matches(text):
            if entry.id in seen:
                continue
            seen.add(entry.id)
            if start > position:
                result.append(Segment(text[position:start]))
            result.append(Segment(text[start:end], entry))
            position = end
        if position < len(text) or not result:
            result.append(Segment(text[position:]))
        return result

    def words_found(self, text: str | None) -> list[str]:
        """Each explained word as written at its first appearance, in reading order."""
        return [segment.text for segment in self.segments(text) if segment.entry is not None]
