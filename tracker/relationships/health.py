"""The relationship health score: 0-100, with every input, its weight and its value shown.

Each input is turned into points from 0 to 100 by a simple straight line, then the score
is the weighted average of the inputs that have data. An input without data (no request
resolved in the period, no satisfaction answer, no open idea, no tool registered, no
touchpoint logged) is shown as missing and left out: it neither helps nor hurts, and the
remaining weights count for more. Below half of the total weight there is no score: a
number made of one or two inputs would say more than it knows.

    Input                          Weight  0 points at            100 points at
    SLA attainment                   25    0 % resolved in time   100 %
    Satisfaction (CSAT, 1-5)         25    1.0 average            5.0 average
    Reopen rate                      15    25 % or more reopened  none reopened
    Age of open ideas (average)      10    180 days or older      30 days or younger
    Unreviewed high-risk tools       10    4 or more              none
    Days since the last touchpoint   15    120 days or more       30 days or fewer
"""

from __future__ import annotations

from dataclasses import dataclass

WEIGHTS = {
    "sla": 25,
    "csat": 25,
    "reopen": 15,
    "ideas": 10,
    "risky_tools": 10,
    "touchpoint": 15,
}

LABELS = {
    "sla": "SLA attainment",
    "csat": "Satisfaction (CSAT)",
    "reopen": "Reopen rate",
    "ideas": "Age of open ideas",
    "risky_tools": "Unreviewed high-risk tools",
    "touchpoint": "Days since the last touchpoint",
}

RULES = {
    "sla": "100 points at 100 % in time, 0 at 0 %",
    "csat": "100 points at 5.0, 0 at 1.0",
    "reopen": "100 points with none reopened, 0 at 25 % or more",
    "ideas": "100 points up to 30 days, 0 at 180 days or more",
    "risky_tools": "100 points with none, 25 fewer for each",
    "touchpoint": "100 points up to 30 days, 0 at 120 days or more",
}

MISSING = {
    "sla": "No request resolved in this period",
    "csat": "No satisfaction answers in this period",
    "reopen": "No request resolved in this period",
    "ideas": "No open ideas",
    "risky_tools": "No tools registered yet",
    "touchpoint": "No touchpoint logged yet",
}

HEALTHY, WATCH = 75, 50
MIN_WEIGHT = 50  # the inputs with data must carry at least this much weight for a score
TREND_STEP = 3  # points of change before the arrow moves


@dataclass(frozen=True)
class Measures:
    """The raw figures behind a score; None where there is no data."""

    sla_attainment: float | None = None  # share 0..1 of requests resolved in time
    csat: float | None = None  # average 1..5
    reopen_rate: float | None = None  # share 0..1 of resolved requests reopened
    idea_age_days: float | None = None  # average age of open ideas
    risky_tools: int | None = None  # unreviewed high or critical tools
    days_since_touchpoint: int | None = None


@dataclass(frozen=True)
class Input:
    key: str
    weight: int
    value: float | None
    shown: str  # the value in words, or why it is missing
    points: float | None  # 0..100

    @property
    def label(self) -> str:
        return LABELS[self.key]

    @property
    def rule(self) -> str:
        return RULES[self.key]

    @property
    def missing(self) -> bool:
        return self.points is None


@dataclass(frozen=True)
class Health:
    score: int | None
    inputs: tuple[Input, ...]

    @property
    def band(self) -> str:
        if self.score is None:
            return "unknown"
        if self.score >= HEALTHY:
            return "healthy"
        return "watch" if self.score >= WATCH else "at_risk"

    @property
    def band_label(self) -> str:
        return {
            "healthy": "Healthy",
            "watch": "Needs attention",
            "at_risk": "At risk",
            "unknown": "Not enough data yet",
        }[self.band]

    @property
    def counted(self) -> int:
        return sum(1 for i in self.inputs if not i.missing)

    @property
    def weight_counted(self) -> int:
        return sum(i.weight for i in self.inputs if not i.missing)

    def share(self, item: Input) -> float | None:
        """How much of the score this input carries, after missing inputs drop out."""
        if item.missing or self.score is None:
            return None
        return item.weight / self.weight_counted


def _line(value: float, zero_at: float, full_at: float) -> float:
    """Points on a straight line between the value worth 0 and the value worth 100."""
    share = (value - zero_at) / (full_at - zero_at)
    return round(max(0.0, min(1.0, share)) * 100, 1)


def _days(value: float) -> str:
    days = round(value)
    return "today" if days == 0 else f"{days} day" + ("" if days == 1 else "s")


def assess(measures: Measures) -> Health:
    m = measures
    raw = {
        "sla": (m.sla_attainment, lambda v: _line(v, 0, 1), lambda v: f"{v:.0%} in time"),
        "csat": (m.csat, lambda v: _line(v, 1, 5), lambda v: f"{v:.1f} of 5"),
        "reopen": (m.reopen_rate, lambda v: _line(v, 0.25, 0), lambda v: f"{v:.0%} reopened"),
        "ideas": (m.idea_age_days, lambda v: _line(v, 180, 30), lambda v: f"{_days(v)} on average"),
        "risky_tools": (m.risky_tools, lambda v: max(0.0, 100.0 - 25 * v),
                        lambda v: f"{v:.0f} waiting for review"),
        "touchpoint": (m.days_since_touchpoint, lambda v: _line(v, 120, 30),
                       lambda v: f"{_days(v)} ago" if round(v) else "today"),
    }
    inputs = []
    for key, (value, points, words) in raw.items():
        if value is None:
            inputs.append(Input(key, WEIGHTS[key], None, MISSING[key], None))
        else:
            inputs.append(Input(key, WEIGHTS[key], value, words(value), points(value)))
    score = _weighted(inputs)
    return Health(None if score is None else round(score), tuple(inputs))


def _weighted(inputs, keys=None) -> float | None:
    counted = [i for i in inputs if i.points is not None and (keys is None or i.key in keys)]
    total = sum(i.weight for i in counted)
    if not counted or (keys is None and total < MIN_WEIGHT):
        return None
    return sum(i.weight * i.points for i in counted) / total


def trend(now: Health, before: Health) -> str:
    """"up", "down", "steady", or "" when the two ends can't be compared.

    Only the inputs with data at both ends are compared, so a first satisfaction answer
    or a first touchpoint doesn't read as a change in the relationship.
    """
    if now.score is None or before.score is None:
        return ""
    common = {i.key for i in now.inputs if not i.missing} & {
        i.key for i in before.inputs if not i.missing
    }
    then, current = _weighted(before.inputs, common), _weighted(now.inputs, common)
    if then is None or current is None:
        return ""
    if current - then >= TREND_STEP:
        return "up"
    if then - current >= TREND_STEP:
        return "down"
    return "steady"
