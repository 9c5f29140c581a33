"""The glossary: IT words and what they mean, in plain English."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.database import UTCDateTime, utcnow
from tracker.extensions import db

TERM_MAX = 60
EXPLANATION_MAX = 400
SYNONYMS_MAX = 300


def word_key(word: str) -> str:
    """How a term is compared: in any capitals, with runs of spaces as one."""
    return " ".join(word.split()).casefold()


class GlossaryTerm(db.Model):
    """An IT word with a plain explanation, and other ways people write it."""

    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(TERM_MAX))
    # word_key(term): unique, so "VPN" and "vpn" can't both be explained.
    term_key: Mapped[str] = mapped_column(String(TERM_MAX), unique=True)
    explanation: Mapped[str] = mapped_column(String(EXPLANATION_MAX))
    # Other ways to write the term, separated by commas ("virtual private network").
    synonyms: Mapped[str] = mapped_column(String(SYNONYMS_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def synonym_list(self) -> list[str]:
        return [s.strip() for s in (self.synonyms or "").split(",") if s.strip()]

    def __repr__(self) -> str:
        return f"<GlossaryTerm {self.id} {self.term}>"
