"""Glossary fixtures: terms added the way the admin screen adds them."""

from __future__ import annotations

import pytest

from tracker.extensions import db
from tracker.glossary import services
from tracker.models import GlossaryTerm


@pytest.fixture
def add_term(app):
    """Add a glossary term through the service; returns its id."""

    def add(term: str, explanation: str, synonyms: tuple[str, ...] = ()) -> int:
        with app.app_context():
            entry = services.save_term(
                GlossaryTerm(), services.TermDraft(term, explanation, tuple(synonyms))
            )
            db.session.commit()
            term_id = entry.id
            db.session.remove()
        return term_id

    return add
