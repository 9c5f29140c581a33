"""The plain-language kinds of help a person can ask for."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Category


@dataclass(frozen=True)
class CategorySeed:
    slug: str
    name: str
    staff_name: str
    hint: str


DEFAULT_CATEGORIES = (
    CategorySeed(
        "broken", "Something is broken", "Incident",
        "Something stopped working or behaves strangely.",
    ),
    CategorySeed(
        "access", "I need access", "Access request",
        "You need to get into a system, folder, app or shared mailbox.",
    ),
    CategorySeed(
        "new", "I need something new", "Service request",
        "A new laptop, phone, software, account or set-up.",
    ),
    CategorySeed(
        "question", "I have a question", "Question",
        "You are not sure how something works or what to do.",
    ),
    CategorySeed(
        "idea", "I have an idea", "Idea / demand",
        "Something IT could do that would make work better.",
    ),
)


def seed_categories() -> list[Category]:
    """Create the default categories that are missing; leave edited ones alone."""
    existing = {c.slug: c for c in db.session.scalars(select(Category))}
    for position, seed in enumerate(DEFAULT_CATEGORIES):
        if seed.slug not in existing:
            category = Category(
                slug=seed.slug,
                name=seed.name,
                staff_name=seed.staff_name,
                hint=seed.hint,
                position=position,
            )
            db.session.add(category)
            existing[seed.slug] = category
    db.session.flush()
    return sorted(existing.values(), key=lambda c: c.position)


def active_categories() -> list[Category]:
    """Categories offered on the request form, in display order."""
    return list(
        db.session.scalars(
            select(Category).where(Category.active.is_(True)).order_by(Category.position)
        )
    )
