"""Template filters and globals: times, stages, priorities."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import humanize
from flask import Flask, g, url_for

from tracker.database import utcnow
from tracker.models.requests import Stage, format_reference
from tracker.service_requests import sla
from tracker.service_requests.forms import new_idempotency_key

PRIORITY_LABELS = {1: "P1 · Critical", 2: "P2 · High", 3: "P3 · Medium", 4: "P4 · Low"}


def ago(value: datetime | None) -> str:
    """'3 hours ago' for a past moment, in humanize's words."""
    if value is None:
        return ""
    delta = utcnow() - value
    days, seconds = delta.days, delta.seconds
    if days < 0:  # a moment still to come (a clock ahead of ours)
        return humanize.naturaltime(delta)
    # humanize's words for a past moment depend only on the whole days when there are
    # any, else on the seconds, minutes or hours it rounds to: keying on that lets a page
    # of fifty timestamps reuse a few answers instead of running humanize for each.
    if days:
        seconds = 0
    elif seconds >= 3600:
        seconds = 3600 * round(seconds / 3600)
    elif seconds >= 60:
        seconds = 60 * round(seconds / 60)
    return _natural_past(days, seconds)


@lru_cache(maxsize=4096)
def _natural_past(days: int, seconds: int) -> str:
    return humanize.naturaltime(timedelta(days=days, seconds=seconds))


def initials(name: str) -> str:
    """'RM' for Rosa Morgan: the avatar's letters."""
    return "".join(word[0] for word in name.split()[:2]).upper()


def exact_time(value: datetime | None) -> str:
    """A full timestamp for tooltips and datetime attributes (UTC)."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


def iso(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat(timespec="seconds")


def requester_status(stage: str) -> str:
    return Stage(stage).requester_label


def staff_stage(stage: str) -> str:
    return Stage(stage).staff_label


def priority_label(priority: int) -> str:
    return PRIORITY_LABELS.get(priority, f"P{priority}")


def sla_state(service_request, now: datetime) -> str:
    return sla.state_of(service_request, now).value


def sla_words(service_request, now: datetime) -> str:
    return sla.describe(service_request, now)


def sla_label(state: str) -> str:
    return sla.SLAState(state).label


def duration(seconds: float | None) -> str:
    """'45 min', '3 h 20 min', '2.5 days' for a span of time."""
    if seconds is None:
        return "—"
    return humanize.precisedelta(
        timedelta(seconds=seconds), minimum_unit="minutes", format="%0.0f",
        suppress=["months", "years"],
    ) if seconds < 86400 else f"{seconds / 86400:.1f} days"


def day(value: date | datetime | None) -> str:
    """'3 Nov 2026'."""
    if value is None:
        return ""
    return f"{value.day} {value.strftime('%b %Y')}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


_ROW_MARK = 987654321  # fits int routes and string routes alike, and no URL holds it twice


def row_url(endpoint: str, **value) -> str:
    """url_for for a link repeated on every row of a page, such as a card's or a tool's.

    The route is built once per request with a stand-in value and each row's value (a
    reference or an id, nothing to escape) is put in its place: url_for on every card
    was a fifth of the board's time (125 cards, two links each).
    """
    ((name, raw),) = value.items()
    text = str(raw)
    if not text.replace("-", "").isalnum():
        return url_for(endpoint, **value)
    cache = g.setdefault("row_urls", {})
    parts = cache.get((endpoint, name))
    if parts is None:
        parts = url_for(endpoint, **{name: _ROW_MARK}).split(str(_ROW_MARK))
        cache[(endpoint, name)] = parts
    return text.join(parts)


def register_filters(app: Flask) -> None:
    app.add_template_filter(duration)
    app.add_template_filter(day)
    app.add_template_filter(percent)
    app.add_template_filter(ago)
    app.add_template_filter(initials)
    app.add_template_filter(exact_time)
    app.add_template_filter(iso)
    app.add_template_filter(requester_status)
    app.add_template_filter(staff_stage)
    app.add_template_filter(priority_label)
    app.add_template_filter(format_reference, "reference")
    app.add_template_global(row_url)
    app.add_template_global(sla_state)
    app.add_template_global(sla_words)
    app.add_template_global(sla_label)
    app.add_template_global(new_idempotency_key, "new_key")
