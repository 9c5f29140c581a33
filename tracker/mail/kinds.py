"""The kinds of e-mail Rapport sends, how each is named to the person who gets it."""

from __future__ import annotations

from enum import StrEnum

from tracker.models import User


class MailKind(StrEnum):
    REQUEST_RECEIVED = "request_received"
    REPLY = "reply"
    WAITING_ON_YOU = "waiting_on_you"
    RESOLVED = "resolved"
    ASSIGNED = "assigned"
    SLA_AT_RISK = "sla_at_risk"

    @property
    def for_staff_only(self) -> bool:
        return self in STAFF_KINDS

    @property
    def choice_label(self) -> str:
        """The checkbox on the settings page."""
        return CHOICE_LABELS[self]

    @property
    def short_label(self) -> str:
        """The kind in the outbox list (staff words)."""
        return SHORT_LABELS[self]


STAFF_KINDS = frozenset({MailKind.ASSIGNED, MailKind.SLA_AT_RISK})

CHOICE_LABELS = {
    MailKind.REQUEST_RECEIVED: "When we get a request from you (with its reference)",
    MailKind.REPLY: "When someone from IT replies to you",
    MailKind.WAITING_ON_YOU: "When we need something from you",
    MailKind.RESOLVED: "When your request is done (with a one-question survey)",
    MailKind.ASSIGNED: "When a request is assigned to you",
    MailKind.SLA_AT_RISK: "When a request of yours or your team's is close to its SLA due time",
}

SHORT_LABELS = {
    MailKind.REQUEST_RECEIVED: "Request received",
    MailKind.REPLY: "Reply from IT",
    MailKind.WAITING_ON_YOU: "Waiting on requester",
    MailKind.RESOLVED: "Resolved, survey",
    MailKind.ASSIGNED: "Assigned",
    MailKind.SLA_AT_RISK: "SLA at risk",
}


def kinds_for(person: User) -> list[MailKind]:
    """The e-mails that can reach this person: requester kinds for all, staff kinds for staff."""
    return [kind for kind in MailKind if person.is_staff or not kind.for_staff_only]

