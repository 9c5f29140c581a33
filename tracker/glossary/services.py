"""The glossary's rules: the shared matcher, saving and deleting terms, looking them up.

Functions here flush but never commit; the view commits once.

The compiled matcher is kept per process (in the app's extensions) and keyed on the
glossary's version: the number of terms and the latest change. Each page that marks
words reads that version once (one small query) and rebuilds the matcher only when it
moved, so an edit made through any worker or host shows everywhere on the next page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, g
from sqlalchemy import func, or_, select

from tracker.database import utcnow
from tracker.extensions import db
from tracker.glossary.matching import Entry, Matcher, Segment
from tracker.models.glossary import GlossaryTerm, word_key

Version = tuple[int, datetime | None]


@dataclass
class MatcherCache:
    """The matcher this process built last, with the glossary version it was built from.

    Both live in one tuple, replaced whole, so threads never see one without the other.
    """

    state: tuple[Version | None, Matcher] = field(default_factory=lambda: (None, Matcher(())))


def _cache() -> MatcherCache:
    return current_app.extensions["glossary"]


# Built once: every page with IT's replies on it asks.
_VERSION = select(func.count(GlossaryTerm.id), func.max(GlossaryTerm.updated_at))


def glossary_version() -> Version:
    """How many terms there are and when the latest was saved: changes with every edit."""
    count, latest = db.session.execute(_VERSION).one()
    return count, latest


def _entries() -> list[Entry]:
    rows = db.session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.id))
    return [
        Entry(row.id, row.term, row.explanation, tuple(row.synonym_list)) for row in rows
    ]


def current_matcher() -> Matcher:
    """The matcher for the glossary as it is now: one query per request, two after an edit."""
    if "glossary_matcher" in g:
        return g.glossary_matcher
    cache = _cache()
    version = glossary_version()
    cached_version, matcher = cache.state
    if cached_version != version:
        # The version is read before the terms, so a matcher is never filed under a
        # version newer than its terms; at worst it is built once more.
        matcher = Matcher(_entries())
        cache.state = (version, matcher)
    g.glossary_matcher = matcher
    return matcher


def explain(text: str | None) -> list[Segment]:
    """A message cut into plain text and explained words, for a requester's screen."""
    if not text:
        return [Segment("")]
    return current_matcher().segments(text)


def words_to_explain(text: str | None) -> list[str]:
    """The glossary words a requester would see explained in `text`, as written."""
    if not text or not text.strip():
        return []
    return current_matcher().words_found(text)


# --- keeping the glossary -----------------------------------------------------------------


class GlossaryError(ValueError):
    """A term that can't be saved as it is; `field` says which answer to fix."""

    def __init__(self, message: str, field: str = "term"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TermDraft:
    """What an administrator typed for one term."""

    term: str
    explanation: str
    synonyms: tuple[str, ...] = ()


def split_synonyms(text: str | None) -> list[str]:
    """Comma-separated synonyms, trimmed, without blanks."""
    return [" ".join(part.split()) for part in (text or "").split(",") if part.strip()]


def _claimed_words(exclude_id: int | None) -> dict[str, GlossaryTerm]:
    """Every word key in the glossary (terms and synonyms) and the entry that has it."""
    query = select(GlossaryTerm)
    if exclude_id is not None:
        query = query.where(GlossaryTerm.id != exclude_id)
    claimed: dict[str, GlossaryTerm] = {}
    for row in db.session.scalars(query):
        for word in (row.term, *row.synonym_list):
            claimed.setdefault(word_key(word), row)
    return claimed


def _check_clashes(draft: TermDraft, exclude_id: int | None) -> None:
    claimed = _claimed_words(exclude_id)
    owner = claimed.get(word_key(draft.term))
    if owner is not None:
        if word_key(owner.term) == word_key(draft.term):
            raise GlossaryError(f"“{owner.term}” is already in the glossary.")
        raise GlossaryError(
            f"“{draft.term}” is already explained as another way to write “{owner.term}”."
        )
    for synonym in draft.synonyms:
        owner = claimed.get(word_key(synonym))
        if owner is not None:
            raise GlossaryError(
                f"“{synonym}” is already explained under “{owner.term}”. "
                "Each word can be explained only once.",
                field="synonyms",
            )


def _clean_synonyms(draft: TermDraft) -> tuple[str, ...]:
    """Synonyms without repeats and without the term itself, in the order typed."""
    seen = {word_key(draft.term)}
    kept = []
    for synonym in draft.synonyms:
        key = word_key(synonym)
        if key and key not in seen:
            seen.add(key)
            kept.append(synonym)
    return tuple(kept)


def _next_stamp() -> datetime:
    """Now, or just after the latest change if this host's clock is behind another's.

    The matcher cache is keyed on the latest change, so it must always move forward.
    """
    now = utcnow()
    latest = db.session.scalar(select(func.max(GlossaryTerm.updated_at)))
    if latest is not None and latest >= now:
        return latest + timedelta(microseconds=1)
    return now


def save_term(entry: GlossaryTerm, draft: TermDraft) -> GlossaryTerm:
    """Add or change a term; refuses one that clashes with a word already explained."""
    draft = TermDraft(draft.term.strip(), draft.explanation.strip(), _clean_synonyms(draft))
    _check_clashes(draft, entry.id)
    changed = (
        entry.id is None
        or entry.term != draft.term
        or entry.explanation != draft.explanation
        or tuple(entry.synonym_list) != draft.synonyms
    )
    if not changed:
        return entry
    entry.term = draft.term
    entry.term_key = word_key(draft.term)
    entry.explanation = draft.explanation
    entry.synonyms = ", ".join(draft.synonyms)
    entry.updated_at = _next_stamp()
    db.session.add(entry)
    db.session.flush()
    return entry


def delete_term(entry: GlossaryTerm) -> None:
    db.session.delete(entry)
    db.session.flush()


def get_term(term_id: int) -> GlossaryTerm | None:
    return db.session.get(GlossaryTerm, term_id)


def search_terms(query: str | None = None) -> list[GlossaryTerm]:
    """Terms in alphabetical order; with a query, those whose words or meaning contain it."""
    statement = select(GlossaryTerm)
    words = (query or "").strip().lower()
    if words:
        statement = statement.where(
            or_(
                func.lower(GlossaryTerm.term).contains(words, autoescape=True),
                func.lower(GlossaryTerm.synonyms).contains(words, autoescape=True),
                func.lower(GlossaryTerm.explanation).contains(words, autoescape=True),
            )
        )
    # Sorted here rather than in SQL, so every database files "Wi-Fi" in the same place.
    return sorted(db.session.scalars(statement), key=lambda entry: (word_key(entry.term), entry.id))


def initial_of(term: str) -> str:
    """The letter a term is filed under: A-Z, or # for anything else."""
    first = term.strip()[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def by_letter(terms: list[GlossaryTerm]) -> list[tuple[str, list[GlossaryTerm]]]:
    """Terms grouped under their initial, in alphabetical order (# last)."""
    groups: dict[str, list[GlossaryTerm]] = {}
    for entry in terms:
        groups.setdefault(initial_of(entry.term), []).append(entry)
    return sorted(groups.items(), key=lambda item: (item[0] == "#", item[0]))
