"""The health score as a pure function: direction of each input, missing data, boundaries."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tracker.relationships.health import (
    HEALTHY,
    MISSING,
    TREND_STEP,
    WATCH,
    WEIGHTS,
    Health,
    Measures,
    assess,
    trend,
)

# Every input in the middle of its straight line, so a step either way shows.
BASE = Measures(
    sla_attainment=0.8,  # 80 points
    csat=4.0,  # 75
    reopen_rate=0.1,  # 60
    idea_age_days=60,  # 80
    risky_tools=1,  # 75
    days_since_touchpoint=45,  # 83.3
)

FIELD_OF = {
    "sla": "sla_attainment",
    "csat": "csat",
    "reopen": "reopen_rate",
    "ideas": "idea_age_days",
    "risky_tools": "risky_tools",
    "touchpoint": "days_since_touchpoint",
}


def points(health: Health) -> dict[str, float | None]:
    return {item.key: item.points for item in health.inputs}


def item(health: Health, key: str):
    return next(i for i in health.inputs if i.key == key)


def test_weights_sum_to_100_and_every_input_is_listed_once():
    assert sum(WEIGHTS.values()) == 100
    health = assess(BASE)
    assert [i.key for i in health.inputs] == list(WEIGHTS)
    assert [i.weight for i in health.inputs] == list(WEIGHTS.values())


def test_the_score_is_the_weighted_average_of_the_points_worked_by_hand():
    health = assess(BASE)
    assert points(health) == {
        "sla": 80.0, "csat": 75.0, "reopen": 60.0, "ideas": 80.0, "risky_tools": 75.0,
        "touchpoint": 83.3,
    }
    # 25*80 + 25*75 + 15*60 + 10*80 + 10*75 + 15*83.3 = 7574.5, over 100 weight.
    assert health.score == 76
    assert health.counted == 6
    assert health.weight_counted == 100
    assert health.band == "healthy"


@pytest.mark.parametrize(
    ("field", "worse", "better"),
    [
        ("sla_attainment", 0.6, 0.9),  # more resolved in time is better
        ("csat", 3.0, 4.5),  # happier answers are better
        ("reopen_rate", 0.2, 0.05),  # fewer reopened is better
        ("idea_age_days", 150, 60),  # younger ideas are better
        ("risky_tools", 3, 1),  # fewer unreviewed risky tools is better
        ("days_since_touchpoint", 100, 40),  # a recent touchpoint is better
    ],
)
def test_each_input_moves_the_score_the_right_way(field, worse, better):
    low = assess(replace(BASE, **{field: worse}))
    high = assess(replace(BASE, **{field: better}))
    assert high.score > low.score
    # The others stay put: only this input's points changed.
    changed = {k for k in WEIGHTS if points(low)[k] != points(high)[k]}
    assert changed == {next(k for k, f in FIELD_OF.items() if f == field)}


@pytest.mark.parametrize("key", list(WEIGHTS))
def test_a_missing_input_is_shown_as_missing_with_a_reason(key):
    health = assess(replace(BASE, **{FIELD_OF[key]: None}))
    missing = item(health, key)
    assert missing.missing
    assert missing.points is None
    assert missing.value is None
    assert missing.shown == MISSING[key]
    assert health.share(missing) is None
    assert health.counted == 5
    assert health.weight_counted == 100 - WEIGHTS[key]


def test_a_missing_input_is_left_out_not_counted_as_zero():
    measures = Measures(sla_attainment=1.0, reopen_rate=0.0, risky_tools=2)
    health = assess(measures)
    # (25*100 + 15*100 + 10*50) / (25 + 15 + 10) = 4500 / 50 = 90; as zeros it would be 45.
    assert health.score == 90
    assert health.counted == 3
    assert health.weight_counted == 50
    assert health.share(item(health, "sla")) == pytest.approx(0.5)
    assert health.share(item(health, "reopen")) == pytest.approx(0.3)
    assert health.share(item(health, "risky_tools")) == pytest.approx(0.2)


def test_dropping_an_input_renormalises_the_remaining_weights():
    without_csat = assess(replace(BASE, csat=None))
    # 25*80 + 15*60 + 10*80 + 10*75 + 15*83.3 = 5699.5 over 75 weight = 75.99.
    assert without_csat.score == 76
    with_csat_zero = assess(replace(BASE, csat=1.0))  # 0 points, but present
    assert with_csat_zero.score == 57  # 5699.5 / 100
    assert without_csat.score > with_csat_zero.score


def test_zero_is_data_not_missing():
    health = assess(Measures(sla_attainment=0.0, risky_tools=0, days_since_touchpoint=0,
                             reopen_rate=0.0))
    assert points(health)["sla"] == 0.0
    assert points(health)["risky_tools"] == 100.0
    assert points(health)["touchpoint"] == 100.0
    assert points(health)["reopen"] == 100.0
    assert item(health, "touchpoint").shown == "today"
    assert item(health, "risky_tools").shown == "0 waiting for review"
    assert health.counted == 4


def test_all_missing_means_no_score_and_an_unknown_band():
    health = assess(Measures())
    assert health.score is None
    assert health.band == "unknown"
    assert health.band_label == "Not enough data yet"
    assert health.counted == 0
    assert health.weight_counted == 0
    assert all(i.missing for i in health.inputs)
    assert all(health.share(i) is None for i in health.inputs)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("days_since_touchpoint", 0, 100.0),
        ("days_since_touchpoint", 30, 100.0),
        ("days_since_touchpoint", 75, 50.0),
        ("days_since_touchpoint", 120, 0.0),
        ("days_since_touchpoint", 400, 0.0),
        ("csat", 5.0, 100.0),
        ("csat", 3.0, 50.0),
        ("csat", 1.0, 0.0),
        ("sla_attainment", 1.0, 100.0),
        ("sla_attainment", 0.5, 50.0),
        ("sla_attainment", 0.0, 0.0),
        ("reopen_rate", 0.0, 100.0),
        ("reopen_rate", 0.125, 50.0),
        ("reopen_rate", 0.25, 0.0),
        ("reopen_rate", 0.6, 0.0),
        ("idea_age_days", 1, 100.0),
        ("idea_age_days", 30, 100.0),
        ("idea_age_days", 105, 50.0),
        ("idea_age_days", 180, 0.0),
        ("idea_age_days", 900, 0.0),
        ("risky_tools", 0, 100.0),
        ("risky_tools", 1, 75.0),
        ("risky_tools", 3, 25.0),
        ("risky_tools", 4, 0.0),
        ("risky_tools", 9, 0.0),
    ],
)
def test_points_at_the_ends_and_middle_of_each_line(field, value, expected):
    health = assess(Measures(**{field: value}))
    key = next(k for k, f in FIELD_OF.items() if f == field)
    assert points(health)[key] == expected
    # Alone, no input carries enough weight for a score.
    assert health.score is None


def _even(share: float) -> Measures:
    """SLA attainment and CSAT both worth `share` * 100 points: 50 of 100 weight."""
    return Measures(sla_attainment=share, csat=1 + 4 * share)


def test_a_score_needs_half_of_the_weight():
    assert assess(Measures(csat=4.0, reopen_rate=0.0)).score is None  # 40 of 100
    assert assess(Measures(csat=4.0, reopen_rate=0.0, days_since_touchpoint=10)
                  ).score == round((25 * 75 + 15 * 100 + 15 * 100) / 55)  # 55 of 100
    assert assess(_even(0.8)).score == 80  # exactly 50 of 100


@pytest.mark.parametrize(
    ("measures", "key", "shown"),
    [
        (Measures(sla_attainment=0.75), "sla", "75% in time"),
        (Measures(csat=4.0), "csat", "4.0 of 5"),
        (Measures(reopen_rate=0.25), "reopen", "25% reopened"),
        (Measures(idea_age_days=1), "ideas", "1 day on average"),
        (Measures(idea_age_days=42.4), "ideas", "42 days on average"),
        (Measures(risky_tools=2), "risky_tools", "2 waiting for review"),
        (Measures(days_since_touchpoint=1), "touchpoint", "1 day ago"),
        (Measures(days_since_touchpoint=45), "touchpoint", "45 days ago"),
    ],
)
def test_values_are_shown_in_words(measures, key, shown):
    assert item(assess(measures), key).shown == shown


@pytest.mark.parametrize(
    ("attainment", "band", "label"),
    [
        (1.0, "healthy", "Healthy"),
        (HEALTHY / 100, "healthy", "Healthy"),
        ((HEALTHY - 1) / 100, "watch", "Needs attention"),
        (WATCH / 100, "watch", "Needs attention"),
        ((WATCH - 1) / 100, "at_risk", "At risk"),
        (0.0, "at_risk", "At risk"),
    ],
)
def test_bands(attainment, band, label):
    health = assess(_even(attainment))
    assert health.band == band
    assert health.band_label == label


def _scored(score: int | None) -> Health:
    return Health(None, ()) if score is None else assess(_even(score / 100))


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        (70 + TREND_STEP, 70, "up"),
        (90, 70, "up"),
        (70 + TREND_STEP - 1, 70, "steady"),
        (70, 70, "steady"),
        (70 - TREND_STEP + 1, 70, "steady"),
        (70 - TREND_STEP, 70, "down"),
        (10, 70, "down"),
        (None, 70, ""),
        (70, None, ""),
        (None, None, ""),
    ],
)
def test_trend(now, before, expected):
    assert trend(_scored(now), _scored(before)) == expected


def test_trend_from_assessed_measures():
    before = assess(replace(BASE, csat=3.0))  # 25 * 50 instead of 25 * 75: 6.25 lower
    now = assess(BASE)
    assert trend(now, before) == "up"
    assert trend(before, now) == "down"
    assert trend(now, now) == "steady"
