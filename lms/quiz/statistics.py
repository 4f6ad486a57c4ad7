"""Item analysis of a quiz as Moodle computes it: test statistics and per-question statistics."""

# Formulas follow Moodle's quiz statistics report (quiz_statistics\calculator and
# core_question\statistics\questions\calculator), described in Moodle's developer page
# "Quiz statistics calculations", so that trainers can read the figures with Moodle's guidance.
# Units are those Moodle computes and stores:
# - quiz mean, median, sd and standard_error in marks (an attempt total is the sum of its
#   question marks; max_total gives the scale); cic and error_ratio in percent;
#   skewness and kurtosis without unit;
# - question facility in 0-1 (mean mark / max mark), sd of mark / max mark,
#   discrimination_index, discriminative_efficiency and effective_weight in percent.
# Variances are sample variances (divided by n - 1). A figure that the data leave undefined
# (too few attempts, no variance) is None, never a division by zero.

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FACILITY_TOO_LOW = 0.2
FACILITY_TOO_HIGH = 0.95


@dataclass(frozen=True)
class QuizStatistics:
    """Statistics of the attempt totals."""

    n: int
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    cic: float | None
    error_ratio: float | None
    standard_error: float | None
    max_total: float


@dataclass(frozen=True)
class QuestionStatistics:
    """Item statistics of one question (one column of the marks matrix)."""

    id: str
    max_mark: float
    facility: float | None
    sd: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    effective_weight: float | None


@dataclass(frozen=True)
class Statistics:
    """The quiz figures and one entry per question, in column order."""

    quiz: QuizStatistics
    questions: list[QuestionStatistics]


@dataclass(frozen=True)
class QuestionFlag:
    """A question whose figures call for a look by the author."""

    question: str
    code: str  # too_hard | too_easy | negative_discrimination
    value: float


def _none_if_nan(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def compute_statistics(
    marks: Sequence[Sequence[float]] | np.ndarray,
    max_marks: Sequence[float] | np.ndarray,
    question_ids: Sequence[str] | None = None,
) -> Statistics:
    """Item analysis of ``marks`` (attempts × questions) given each question's maximum mark."""
    maxima = np.asarray(max_marks, dtype=float).reshape(-1)
    p = maxima.size
    x = np.asarray(marks, dtype=float)
    if x.size == 0:
        x = x.reshape(0, p)
    if x.ndim != 2 or x.shape[1] != p:
        raise ValueError(f"marks must be a matrix with {p} columns, got shape {x.shape}")
    if not np.all(np.isfinite(x)) or not np.all(np.isfinite(maxima)):
        raise ValueError("marks and maximum marks must be finite numbers")
    ids = list(question_ids) if question_ids is not None else [str(i + 1) for i in range(p)]
    if len(ids) != p:
        raise ValueError(f"{len(ids)} question ids for {p} questions")

    totals = x.sum(axis=1)
    questions, sum_of_mark_variance = _question_statistics(x, totals, maxima, ids)
    quiz = _quiz_statistics(totals, p, sum_of_mark_variance, maxima)
    return Statistics(quiz=quiz, questions=questions)


def _question_statistics(
    x: np.ndarray, totals: np.ndarray, maxima: np.ndarray, ids: list[str]
) -> tuple[list[QuestionStatistics], float | None]:
    """Per-question statistics, as Moodle's question calculator walks the latest steps."""
    s, p = x.shape
    if s == 0:
        questions = [
            QuestionStatistics(ids[j], float(maxima[j]), None, None, None, None, None)
            for j in range(p)
        ]
        return questions, None

    mark_average = x.mean(axis=0)
    others = totals[:, None] - x  # the rest of the test, for each question
    other_average = others.mean(axis=0)
    dx = x - mark_average
    do = others - other_average
    dt = totals - totals.mean()

    # A column of equal values has no variance; its computed mean may be off by one ulp,
    # so constant columns are detected exactly rather than by a small float threshold.
    constant_mark = np.ptp(x, axis=0) == 0
    constant_other = np.ptp(others, axis=0) == 0

    facility = np.full(p, np.nan)
    nonzero_max = maxima != 0
    facility[nonzero_max] = mark_average[nonzero_max] / maxima[nonzero_max]

    if s < 2:
        questions = [
            QuestionStatistics(
                ids[j], float(maxima[j]), _none_if_nan(facility[j]), None, None, None, None
            )
            for j in range(p)
        ]
        return questions, None

    denominator = s - 1
    mark_variance = np.where(constant_mark, 0.0, (dx * dx).sum(axis=0) / denominator)
    other_variance = np.where(constant_other, 0.0, (do * do).sum(axis=0) / denominator)
    covariance = np.where(constant_mark | constant_other, 0.0, (dx * do).sum(axis=0) / denominator)
    # Largest covariance these marks could have with these other marks: both sorted alike.
    sorted_dx = np.sort(x, axis=0) - mark_average
    sorted_do = np.sort(others, axis=0) - other_average
    covariance_max = np.where(
        constant_mark | constant_other, 0.0, (sorted_dx * sorted_do).sum(axis=0) / denominator
    )
    covariance_overall = np.where(constant_mark, 0.0, (dx * dt[:, None]).sum(axis=0) / denominator)

    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.where(nonzero_max, np.sqrt(mark_variance) / maxima, np.nan)
        product = mark_variance * other_variance
        discrimination = np.where(product > 0, 100 * covariance / np.sqrt(product), np.nan)
        efficiency = np.where(covariance_max != 0, 100 * covariance / covariance_max, np.nan)

    # Moodle: effective weight = sqrt(cov(mark, total)) over the sum of those square roots,
    # questions with a negative covariance excluded (their weight is undefined).
    positive = covariance_overall >= 0
    roots = np.sqrt(np.where(positive, covariance_overall, 0.0))
    root_sum = roots.sum()
    weight = np.where(positive & (root_sum > 0), 100 * roots / (root_sum or 1.0), np.nan)

    questions = [
        QuestionStatistics(
            id=ids[j],
            max_mark=float(maxima[j]),
            facility=_none_if_nan(facility[j]),
            sd=_none_if_nan(sd[j]),
            discrimination_index=_none_if_nan(discrimination[j]),
            discriminative_efficiency=_none_if_nan(efficiency[j]),
            effective_weight=_none_if_nan(weight[j]),
        )
        for j in range(p)
    ]
    return questions, float(mark_variance.sum())


def _quiz_statistics(
    totals: np.ndarray, p: int, sum_of_mark_variance: float | None, maxima: np.ndarray
) -> QuizStatistics:
    """Test statistics, as Moodle's quiz calculator computes them from the attempt totals."""
    s = totals.size
    max_total = float(maxima.sum())
    figures: dict[str, float | None] = dict.fromkeys(
        ("mean", "median", "sd", "skewness", "kurtosis", "cic", "error_ratio", "standard_error")
    )
    if s > 0:
        figures["mean"] = float(totals.mean())
        figures["median"] = float(np.median(totals))
    if s > 1:
        constant = np.ptp(totals) == 0
        d = totals - totals.mean()
        power2 = 0.0 if constant else float((d**2).sum())
        power3 = 0.0 if constant else float((d**3).sum())
        power4 = 0.0 if constant else float((d**4).sum())
        figures["sd"] = (power2 / (s - 1)) ** 0.5
        # Moodle computes the higher moments, and the internal consistency with them,
        # only from three attempts on.
        if s > 2:
            m2, m3, m4 = power2 / s, power3 / s, power4 / s
            k2 = s * m2 / (s - 1)
            k3 = s * s * m3 / ((s - 1) * (s - 2))
            if k2 != 0:
                figures["skewness"] = k3 / k2**1.5
                if s > 3:
                    k4 = (
                        s
                        * s
                        * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2)
                        / ((s - 1) * (s - 2) * (s - 3))
                    )
                    figures["kurtosis"] = k4 / (k2 * k2)
                if p > 1 and sum_of_mark_variance is not None:
                    cic = (100 * p / (p - 1)) * (1 - sum_of_mark_variance / k2)
                    figures["cic"] = cic
                    # Alpha cannot exceed 100 %; a rounding excess must not make the root fail.
                    error_ratio = 100 * max(0.0, 1 - cic / 100) ** 0.5
                    figures["error_ratio"] = error_ratio
                    figures["standard_error"] = error_ratio * figures["sd"] / 100
    return QuizStatistics(n=s, max_total=max_total, **figures)


def flag_questions(stats: Statistics) -> list[QuestionFlag]:
    """Questions too hard (facility < 0.2), too easy (> 0.95) or discriminating negatively."""
    flags = []
    for question in stats.questions:
        if question.facility is not None and question.facility < FACILITY_TOO_LOW:
            flags.append(QuestionFlag(question.id, "too_hard", question.facility))
        if question.facility is not None and question.facility > FACILITY_TOO_HIGH:
            flags.append(QuestionFlag(question.id, "too_easy", question.facility))
        if question.discrimination_index is not None and question.discrimination_index < 0:
            flags.append(
                QuestionFlag(question.id, "negative_discrimination", question.discrimination_index)
            )
    return flags


def statistics_as_dict(stats: Statistics) -> dict:
    """The figures as plain JSON-ready values (the CLI's and the API's output)."""
    quiz = stats.quiz
    return {
        "quiz": {
            "n": quiz.n,
            "mean": quiz.mean,
            "median": quiz.median,
            "sd": quiz.sd,
            "skewness": quiz.skewness,
            "kurtosis": quiz.kurtosis,
            "cic": quiz.cic,
            "error_ratio": quiz.error_ratio,
            "standard_error": quiz.standard_error,
        },
        "questions": [
            {
                "id": q.id,
                "facility": q.facility,
                "sd": q.sd,
                "discrimination_index": q.discrimination_index,
                "discriminative_efficiency": q.discriminative_efficiency,
                "effective_weight": q.effective_weight,
            }
            for q in stats.questions
        ],
    }
