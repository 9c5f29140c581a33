"""Which e-mails a person gets: every kind that applies to them, unless they switched it off."""

from __future__ import annotations

from sqlalchemy import delete, select

from tracker.extensions import db
from tracker.mail.kinds import MailKind, kinds_for
from tracker.models import EmailOptOut, User


def switched_off(person: User) -> set[MailKind]:
    rows = db.session.scalars(select(EmailOptOut.kind).where(EmailOptOut.user_id == person.id))
    known = {kind.value for kind in MailKind}
    return {MailKind(kind) for kind in rows if kind in known}


def wanted_kinds(person: User) -> list[MailKind]:
    """The kinds this person gets today (the ticked boxes on their settings page)."""
    off = switched_off(person)
    return [kind for kind in kinds_for(person) if kind not in off]


def save_choices(person: User, wanted: set[MailKind]) -> tuple[list[MailKind], list[MailKind]]:
    """Keep exactly `wanted` of the kinds that apply to the person; returns (on, off).

    Kinds that don't apply to them (staff notices for a requester) are left as they are,
    so a person who becomes staff later starts with those on.
    """
    applicable = kinds_for(person)
    off = [kind for kind in applicable if kind not in wanted]
    already = switched_off(person)
    db.session.execute(
        delete(EmailOptOut).where(
            EmailOptOut.user_id == person.id,
            EmailOptOut.kind.in_([k.value for k in applicable if k in wanted]),
        )
    )
    for kind in off:
        if kind not in already:
            db.session.add(EmailOptOut(user_id=person.id, kind=kind.value))
    db.session.flush()
    return [kind for kind in applicable if kind in wanted], off
