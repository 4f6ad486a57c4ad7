"""Points of a live session and the histogram of a numerical question: pure functions."""

import pytest

from lms.live.service import points
from lms.quiz.types import Numerical


@pytest.mark.parametrize(
    ("fraction", "seconds", "window", "expected"),
    [
        (1.0, 3.0, None, 1000),  # no speed bonus: correctness only
        (0.5, 3.0, None, 500),
        (0.0, 0.0, 20.0, 0),
        (1.0, 0.0, 20.0, 1000),  # at once
        (1.0, 10.0, 20.0, 750),  # half the time gone
        (1.0, 20.0, 20.0, 500),  # as the time runs out
        (1.0, 45.0, 20.0, 500),  # never below half
        (0.5, 10.0, 20.0, 375),
        (1.0, None, 20.0, 1000),
    ],
)
def test_points_reward_correctness_then_speed(fraction, seconds, window, expected):
    assert points(fraction, seconds, window) == expected


QUESTION = {
    "type": "numerical",
    "text": {"fr": "Combien ?", "en": "How many?"},
    "skills": ["T1-S1"],
    "answers": [{"value": 12, "tolerance": 0.5, "fraction": 1}],
}


def test_a_numerical_question_shows_each_value_given():
    bars = Numerical.live_bars(QUESTION, [12.0, 10.0, 12.0, 12.5, None, 3.25])
    assert [(label["fr"], count, right) for label, count, right in bars] == [
        ("3,25", 1, False),
        ("10", 1, False),
        ("12", 2, True),
        ("12,5", 1, True),
    ]
    assert bars[0][0]["en"] == "3.25"


def test_many_values_make_equal_ranges_that_keep_every_answer():
    values = [float(v) for v in range(0, 40, 2)] + [12.2]
    bars = Numerical.live_bars(QUESTION, values)
    assert len(bars) == 8
    assert sum(count for _, count, _ in bars) == len(values)
    assert [label["en"] for label, _, right in bars if right] == ["9.5–14.2"]
    assert bars[0][0]["en"].startswith("0–") and bars[-1][0]["en"].endswith("–38")
