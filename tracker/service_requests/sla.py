"""SLA clocks: when a request is due, whether it is on track, and pausing.

Each priority has a first-response and a resolution target in working minutes. Both
clocks start when the request is filed and stop while it waits on the requester or
sits resolved; the time spent there is added back to the due times. A clock turns
"at risk" once three quarters of its working time is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask import current_app, g
from sqlalchemy import ColumnElement, and_, select

from tracker.extensions import db
from tracker.models import BusinessHours, ServiceRequest, SLAPolicy, Stage
from tracker.service_requests.calendar import BusinessCalendar

RISK_SHARE = 0.75

# Defaults: P1 1 h / 4 h, P2 4 h / 1 business day, P3 1 / 3 days, P4 2 / 10 days
# (a business day is 8 working hours).
DEFAULT_TARGETS = {1: (60, 240), 2: (240, 480), 3: (480, 1440), 4: (960, 4800)}
DEFAULT_WEEKDAYS = "0,1,2,3,4"
DEFAULT_OPENS, DEFAULT_CLOSES = time(9, 0), time(17, 0)

# Stages whose clock runs, and stages that stop it.
RUNNING_STAGES = frozenset({Stage.NEW, Stage.TRIAGED, Stage.IN_PROGRESS})
PAUSED_STAGES = frozenset({Stage.WAITING_ON_REQUESTER, Stage.RESOLVED, Stage.CLOSED})


class SLAState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    DONE = "done"

    @property
    def label(self) -> str:
        return {
            SLAState.ON_TRACK: "On track",
            SLAState.AT_RISK: "At risk",
            SLAState.BREACHED: "Breached",
            SLAState.PAUSED: "Paused",
            SLAState.DONE: "Done",
        }[self]


@dataclass(frozen=True)
class Target:
    first_response_minutes: int
    resolution_minutes: int
    around_the_clock: bool = False


@dataclass(frozen=True)
class SLARules:
    """The targets per priority and the working week, loaded once per request."""

    targets: dict[int, Target]
    timezone: ZoneInfo
    weekdays: frozenset[int]
    opens: time
    closes: time

    def calendar(self, priority: int) -> BusinessCalendar:
        return BusinessCalendar(
            timezone=self.timezone,
            weekdays=self.weekdays,
            opens=self.opens,
            closes=self.closes,
            around_the_clock=self.targets[priority].around_the_clock,
        )


def seed_sla_defaults() -> None:
    """Create the default policies and business hours where they are missing."""
    present = set(db.session.scalars(select(SLAPolicy.priority)))
    for priority, (response, resolution) in DEFAULT_TARGETS.items():
        if priority not in present:
            db.session.add(
                SLAPolicy(
                    priority=priority,
                    first_response_minutes=response,
                    resolution_minutes=resolution,
                )
            )
    if db.session.scalar(select(BusinessHours.id)) is None:
        db.session.add(
            BusinessHours(weekdays=DEFAULT_WEEKDAYS, opens=DEFAULT_OPENS, closes=DEFAULT_CLOSES)
        )
    db.session.flush()


def load_rules(*, fresh: bool = False) -> SLARules:
    """The SLA rules in force (two small queries, then cached for the request)."""
    cached = g.get("_sla_rules")
    if cached is not None and not fresh:
        return cached
    targets = {
        priority: Target(response, resolution) for priority, (response, resolution)
        in DEFAULT_TARGETS.items()
    }
    for policy in db.session.scalars(select(SLAPolicy)):
        targets[policy.priority] = Target(
            policy.first_response_minutes, policy.resolution_minutes, policy.around_the_clock
        )
    hours = db.session.scalar(select(BusinessHours).order_by(BusinessHours.id).limit(1))
    rules = SLARules(
        targets=targets,
        timezone=ZoneInfo(current_app.config.get("RAPPORT_TIMEZONE", "UTC")),
        weekdays=hours.weekday_set if hours else frozenset(range(5)),
        opens=hours.opens if hours else DEFAULT_OPENS,
        closes=hours.closes if hours else DEFAULT_CLOSES,
    )
    g._sla_rules = rules
    return rules


def schedule(service_request: ServiceRequest, rules: SLARules) -> None:
    """(Re)compute the stored due times from the filing time, priority and pauses."""
    target = rules.targets[service_request.priority]
    calendar = rules.calendar(service_request.priority)
    start = service_request.created_at
    paused = (service_request.sla_paused_seconds or 0) / 60
    service_request.first_response_due_at = calendar.add(
        start, target.first_response_minutes + paused
    )
    service_request.resolution_due_at = calendar.add(start, target.resolution_minutes + paused)
    if service_request.first_response_at is None:
        minutes = target.first_response_minutes
        service_request.sla_due_at = service_request.first_response_due_at
    else:
        minutes = target.resolution_minutes
        service_request.sla_due_at = service_request.resolution_due_at
    service_request.sla_warn_at = calendar.add(start, minutes * RISK_SHARE + paused)


def recompute_open(rules: SLARules) -> int:
    """Apply the current policies to every request whose clock still matters."""
    count = 0
    open_stages = [s.value for s in RUNNING_STAGES | {Stage.WAITING_ON_REQUESTER}]
    for service_request in db.session.scalars(
        select(ServiceRequest).where(ServiceRequest.stage.in_(open_stages))
    ):
        schedule(service_request, rules)
        count += 1
    db.session.flush()
    return count


def stage_changed(
    service_request: ServiceRequest, old: Stage, new: Stage, now: datetime, rules: SLARules
) -> None:
    """Stop the clocks when a request leaves IT's hands; restart them when it comes back."""
    if new in PAUSED_STAGES and old in RUNNING_STAGES:
        service_request.sla_paused_at = now
    elif new in RUNNING_STAGES and old in PAUSED_STAGES:
        if service_request.sla_paused_at is not None:
            calendar = rules.calendar(service_request.priority)
            minutes = calendar.minutes_between(service_request.sla_paused_at, now)
            service_request.sla_paused_seconds = (service_request.sla_paused_seconds or 0) + round(
                minutes * 60
            )
            service_request.sla_paused_at = None
        schedule(service_request, rules)


def state_of(service_request: ServiceRequest, now: datetime) -> SLAState:
    """Where the request's clock stands right now."""
    stage = service_request.stage_enum
    if stage in (Stage.RESOLVED, Stage.CLOSED):
        return SLAState.DONE
    if stage is Stage.WAITING_ON_REQUESTER or service_request.sla_due_at is None:
        return SLAState.PAUSED
    if now >= service_request.sla_due_at:
        return SLAState.BREACHED
    if service_request.sla_warn_at is not None and now >= service_request.sla_warn_at:
        return SLAState.AT_RISK
    return SLAState.ON_TRACK


def state_clause(state: SLAState | str, now: datetime) -> ColumnElement[bool]:
    """The same states as `state_of`, as a SQL condition for filtering."""
    state = SLAState(state)
    running = ServiceRequest.stage.in_([s.value for s in RUNNING_STAGES])
    due, warn = ServiceRequest.sla_due_at, ServiceRequest.sla_warn_at
    if state is SLAState.BREACHED:
        return and_(running, due <= now)
    if state is SLAState.AT_RISK:
        return and_(running, due > now, warn <= now)
    if state is SLAState.ON_TRACK:
        return and_(running, warn > now)
    if state is SLAState.PAUSED:
        return ServiceRequest.stage == Stage.WAITING_ON_REQUESTER.value
    return ServiceRequest.stage.in_([Stage.RESOLVED.value, Stage.CLOSED.value])


def describe(service_request: ServiceRequest, now: datetime) -> str:
    """Short words for a card: "Reply due in 40 min", "Resolution breached 2 h ago"."""
    state = state_of(service_request, now)
    if state in (SLAState.DONE, SLAState.PAUSED):
        return ""
    what = "Reply" if service_request.first_response_at is None else "Resolution"
    delta = service_request.sla_due_at - now
    if state is SLAState.BREACHED:
        return f"{what} breached {_short(-delta.total_seconds())} ago"
    return f"{what} due in {_short(delta.total_seconds())}"


def _short(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} d"
