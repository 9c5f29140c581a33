"""A fresh install has a glossary of everyday IT words, explained without jargon."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from tracker import create_app
from tracker.config import TestConfig
from tracker.extensions import db
from tracker.glossary.matching import Entry, Matcher
from tracker.models import GlossaryTerm
from tracker.models.glossary import EXPLANATION_MAX, SYNONYMS_MAX, TERM_MAX, word_key

ASKED_FOR = ["VPN", "MFA", "SSO", "cache", "DNS", "ticket", "escalation", "incident",
             "change window", "patch", "endpoint"]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> list[GlossaryTerm]:
    """The glossary as the migrations leave it on a new database."""
    folder = tmp_path_factory.mktemp("seed")
    application = create_app(TestConfig(str(folder), f"sqlite:///{folder / 'fresh.sqlite3'}"))
    with application.app_context():
        upgrade()
        terms = list(db.session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.id)))
        db.session.expunge_all()
        db.engine.dispose()
    return terms


def test_a_fresh_install_explains_more_than_sixty_words(seeded):
    assert len(seeded) >= 60
    keys = {word_key(t.term) for t in seeded}
    assert {word_key(word) for word in ASKED_FOR} <= keys


def test_every_entry_fits_its_columns_and_is_stored_consistently(seeded):
    for entry in seeded:
        assert entry.term == entry.term.strip() and 0 < len(entry.term) <= TERM_MAX
        assert entry.term_key == word_key(entry.term)
        assert 0 < len(entry.explanation) <= EXPLANATION_MAX
        assert len(entry.synonyms) <= SYNONYMS_MAX
        assert entry.explanation.endswith(".")
        assert entry.created_at is not None and entry.updated_at is not None


def test_no_word_is_explained_twice(seeded):
    claimed: dict[str, str] = {}
    for entry in seeded:
        for word in (entry.term, *entry.synonym_list):
            key = word_key(word)
            assert key not in claimed, f"{word!r} in {entry.term} and {claimed.get(key)}"
            claimed[key] = entry.term


def test_explanations_are_short_and_use_no_other_glossary_word(seeded):
    matcher = Matcher(
        Entry(t.id, t.term, t.explanation, tuple(t.synonym_list)) for t in seeded
    )
    for entry in seeded:
        sentences = [s for s in entry.explanation.replace("e.g.", "eg").split(". ") if s]
        assert len(sentences) <= 2, entry.term
        assert matcher.words_found(entry.explanation) == [], entry.term
