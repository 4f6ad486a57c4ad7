"""Time the quiz item analysis on 10,000 attempts × 30 questions against the 1-second goal."""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.quiz.statistics import compute_statistics, flag_questions  # noqa: E402

ATTEMPTS = 10_000
QUESTIONS = 30
GOAL_SECONDS = 1.0
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


def main() -> None:
    marks, max_marks = make_marks(np.random.default_rng(SEED))
    ids = [f"Q{j + 1:02d}" for j in range(QUESTIONS)]
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        stats = compute_statistics(marks, max_marks, ids)
        timings.append(time.perf_counter() - start)
    best = min(timings)

    quiz = stats.quiz
    print(f"quiz statistics: {ATTEMPTS} attempts x {QUESTIONS} questions, seed {SEED}")
    print(
        f"  mean {quiz.mean:.3f} / {quiz.max_total:g}  median {quiz.median:.3f}  "
        f"sd {quiz.sd:.3f}  skewness {quiz.skewness:.3f}  kurtosis {quiz.kurtosis:.3f}"
    )
    print(
        f"  CIC {quiz.cic:.2f} %  error ratio {quiz.error_ratio:.2f} %  "
        f"standard error {quiz.standard_error:.3f}"
    )
    for question in stats.questions[:3]:
        print(
            f"  {question.id}: facility {question.facility:.3f}  "
            f"DI {question.discrimination_index:.1f} %  "
            f"DE {question.discriminative_efficiency:.1f} %  "
            f"weight {question.effective_weight:.2f} %"
        )
    print(f"  flags: {len(flag_questions(stats))}")
    print(
        f"best of {REPEATS}: {best * 1000:.1f} ms "
        f"(all: {', '.join(f'{t * 1000:.1f}' for t in timings)} ms); "
        f"goal {GOAL_SECONDS:g} s; ratio to goal {best / GOAL_SECONDS:.3f}"
    )
    if best > GOAL_SECONDS:
        sys.exit(1)


if __name__ == "__main__":
    main()
