"""The quiz item analysis on 10,000 attempts × 30 questions, in process (best of 5)."""

import time

import numpy as np

from benchmarks.harness import result
from lms.quiz.statistics import compute_statistics, flag_questions

ATTEMPTS = 10_000
QUESTIONS = 30
GOAL_SECONDS, BASELINE_SECONDS = 0.05, 0.0138
REPEATS = 5
SEED = 20240


def make_marks(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Marks driven by a latent ability, so the figures look like a real quiz's."""
    max_marks = rng.choice([1.0, 1.0, 1.0, 2.0, 3.0], size=QUESTIONS)
    ability = rng.normal(0.0, 1.0, size=(ATTEMPTS, 1))
    difficulty = rng.normal(0.0, 1.0, size=(1, QUESTIONS))
    probability = 1.0 / (1.0 + np.exp(-(ability - difficulty)))
    right = rng.random((ATTEMPTS, QUESTIONS)) < probability
    partial = rng.integers(0, 2, size=(ATTEMPTS, QUESTIONS)) * 0.5
    marks = np.where(right, 1.0, partial * (max_marks > 1)) * max_marks
    return marks, max_marks


def figure() -> dict:
    marks, max_marks = make_marks(np.random.default_rng(SEED))
    ids = [f"Q{j + 1:02d}" for j in range(QUESTIONS)]
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        stats = compute_statistics(marks, max_marks, ids)
        timings.append(time.perf_counter() - start)
    return result(
        "item_analysis", min(timings), "s", GOAL_SECONDS, BASELINE_SECONDS,
        attempts=ATTEMPTS, questions=QUESTIONS, best_of=REPEATS,
        flags=len(flag_questions(stats)), cic_percent=round(stats.quiz.cic, 2),
    )  # fmt: skip
