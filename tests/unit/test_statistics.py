"""Quiz item analysis checked against a matrix worked out by hand and against Moodle's loops."""

import json
import math
import random

import pytest
from flask import Flask

from lms.quiz.cli import quiz_cli
from lms.quiz.statistics import (
    QuestionFlag,
    compute_statistics,
    flag_questions,
    statistics_as_dict,
)

# Four attempts, three questions; q3 is worth 2 marks.
#
#            q1  q2  q3 | total  d = total - mean
#   A1        1   1   2 |   4        2
#   A2        1   0   1 |   2        0
#   A3        0   1   0 |   1       -1
#   A4        0   0   1 |   1       -1
#
# Test statistics (s = 4, p = 3):
#   mean = 8 / 4 = 2; median = (1 + 2) / 2 = 1.5
#   power2 = 4 + 0 + 1 + 1 = 6 ; power3 = 8 + 0 - 1 - 1 = 6 ; power4 = 16 + 0 + 1 + 1 = 18
#   sd = sqrt(6 / 3) = sqrt(2)
#   m2 = 6/4 = 1.5 ; m3 = 6/4 = 1.5 ; m4 = 18/4 = 4.5
#   k2 = 4 * 1.5 / 3 = 2 ; k3 = 16 * 1.5 / (3 * 2) = 4 ; skewness = 4 / 2^1.5 = sqrt(2)
#   k4 = 16 * (5 * 4.5 - 3 * 3 * 1.5^2) / (3 * 2 * 1) = 16 * 2.25 / 6 = 6 ; kurtosis = 6 / 4 = 1.5
#   item variances (n - 1 = 3): q1 = 1/3, q2 = 1/3, q3 = (1 + 0 + 1 + 0) / 3 = 2/3 ; sum = 4/3
#   CIC = 100 * 3/2 * (1 - (4/3) / 2) = 150 * 1/3 = 50 %
#   error ratio = 100 * sqrt(1 - 0.5) = 70.7107 % ; standard error = 0.707107 * sqrt(2) = 1 mark
#
# q1: marks 1 1 0 0 (mean 0.5, dx = .5 .5 -.5 -.5); rest of test 3 1 1 1 (mean 1.5,
#     do = 1.5 -.5 -.5 -.5, variance (2.25 + 3 * .25) / 3 = 1)
#     facility 0.5 ; sd = sqrt(1/3) = 0.57735
#     cov = (.75 - .25 + .25 + .25) / 3 = 1/3 ; DI = 100 * (1/3) / sqrt(1/3 * 1) = 57.735 %
#     sorted: dx -.5 -.5 .5 .5 with do -.5 -.5 -.5 1.5 -> (.25 + .25 - .25 + .75) / 3 = 1/3
#     DE = 100 * (1/3) / (1/3) = 100 % ; cov with total = (1 + 0 + .5 + .5) / 3 = 2/3
# q2: marks 1 0 1 0 (dx = .5 -.5 .5 -.5); rest 3 2 0 1 (mean 1.5, do = 1.5 .5 -1.5 -.5)
#     cov = (.75 - .25 - .75 + .25) / 3 = 0 -> DI = 0 %, DE = 0 %
#     cov with total = (1 - 0 - .5 + .5) / 3 = 1/3
# q3: marks 2 1 0 1 (mean 1, dx = 1 0 -1 0); rest 2 1 1 0 (mean 1, do = 1 0 0 -1, var 2/3)
#     facility 1 / 2 = 0.5 ; sd = sqrt(2/3) / 2 = 0.408248
#     cov = 1/3 ; DI = 100 * (1/3) / sqrt(2/3 * 2/3) = 50 %
#     sorted: dx -1 0 0 1 with do -1 0 0 1 -> 2/3 ; DE = 100 * (1/3) / (2/3) = 50 %
#     cov with total = (2 + 0 + 1 + 0) / 3 = 1
# Effective weights: sqrt(2/3) = 0.816497, sqrt(1/3) = 0.577350, sqrt(1) = 1 ; sum 2.393847
#     q1 = 34.1081 %, q2 = 24.1181 %, q3 = 41.7738 %
MARKS = [[1, 1, 2], [1, 0, 1], [0, 1, 0], [0, 0, 1]]
MAX = [1, 1, 2]
IDS = ["q1", "q2", "q3"]


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def test_quiz_figures_match_the_hand_computation():
    quiz = compute_statistics(MARKS, MAX, IDS).quiz
    assert quiz.n == 4
    assert quiz.max_total == 4
    assert quiz.mean == approx(2)
    assert quiz.median == approx(1.5)
    assert quiz.sd == approx(math.sqrt(2))
    assert quiz.skewness == approx(math.sqrt(2))
    assert quiz.kurtosis == approx(1.5)
    assert quiz.cic == approx(50)
    assert quiz.error_ratio == approx(100 * math.sqrt(0.5))
    assert quiz.standard_error == approx(1)


def test_question_figures_match_the_hand_computation():
    q1, q2, q3 = compute_statistics(MARKS, MAX, IDS).questions
    assert (q1.id, q2.id, q3.id) == ("q1", "q2", "q3")
    assert q1.facility == approx(0.5)
    assert q1.sd == approx(math.sqrt(1 / 3))
    assert q1.discrimination_index == approx(100 * math.sqrt(1 / 3))
    assert q1.discriminative_efficiency == approx(100)
    assert q2.discrimination_index == approx(0)
    assert q2.discriminative_efficiency == approx(0)
    assert q3.facility == approx(0.5)
    assert q3.sd == approx(math.sqrt(2 / 3) / 2)
    assert q3.discrimination_index == approx(50)
    assert q3.discriminative_efficiency == approx(50)
    roots = [math.sqrt(2 / 3), math.sqrt(1 / 3), 1.0]
    for question, root in zip((q1, q2, q3), roots, strict=True):
        assert question.effective_weight == approx(100 * root / sum(roots))
    assert q1.effective_weight == pytest.approx(34.1081, abs=1e-4)
    assert q2.effective_weight == pytest.approx(24.1181, abs=1e-4)
    assert q3.effective_weight == pytest.approx(41.7738, abs=1e-4)


def moodle_loops(marks, maxima):
    """A line-by-line transcription of Moodle's walkers, in plain Python, to compare with."""
    s, p = len(marks), len(maxima)
    summarks = [sum(row) for row in marks]
    overall_average = sum(summarks) / s
    result = []
    sumofmarkvariance = 0.0
    sumofcovariancewithoverallmark = 0.0
    for j in range(p):
        column = [row[j] for row in marks]
        others = [summarks[i] - column[i] for i in range(s)]
        markaverage = sum(column) / s
        othermarkaverage = sum(others) / s
        markarray, othermarksarray = sorted(column), sorted(others)
        sums = dict.fromkeys(("mv", "omv", "cov", "covmax", "covall"), 0.0)
        for i in range(s):
            md = column[i] - markaverage
            od = others[i] - othermarkaverage
            sums["mv"] += md**2
            sums["omv"] += od**2
            sums["cov"] += md * od
            sums["covmax"] += (markarray[i] - markaverage) * (othermarksarray[i] - othermarkaverage)
            sums["covall"] += md * (summarks[i] - overall_average)
        mv, omv = sums["mv"] / (s - 1), sums["omv"] / (s - 1)
        cov, covmax = sums["cov"] / (s - 1), sums["covmax"] / (s - 1)
        covall = sums["covall"] / (s - 1)
        sumofmarkvariance += mv
        if covall >= 0:
            sumofcovariancewithoverallmark += math.sqrt(covall)
        result.append(
            {
                "facility": markaverage / maxima[j],
                "sd": math.sqrt(mv) / maxima[j],
                "di": 100 * cov / math.sqrt(mv * omv) if mv * omv else None,
                "de": 100 * cov / covmax if covmax else None,
                "covall": covall,
            }
        )
    for item in result:
        covall = item.pop("covall")
        item["ew"] = (
            100 * math.sqrt(covall) / sumofcovariancewithoverallmark if covall >= 0 else None
        )
    power2 = sum((t - overall_average) ** 2 for t in summarks)
    k2 = power2 / (s - 1)
    cic = 100 * p / (p - 1) * (1 - sumofmarkvariance / k2)
    return result, cic


def test_random_matrix_agrees_with_a_transcription_of_moodles_loops():
    rng = random.Random(20240)
    maxima = [1, 2, 1, 3, 1, 0.5, 1, 1]
    marks = []
    for _ in range(57):
        ability = rng.random()
        marks.append([round(m * min(1.0, max(0.0, rng.gauss(ability, 0.3))), 1) for m in maxima])
    stats = compute_statistics(marks, maxima)
    expected, cic = moodle_loops(marks, maxima)
    assert stats.quiz.cic == pytest.approx(cic, rel=1e-9)
    for question, reference in zip(stats.questions, expected, strict=True):
        assert question.facility == pytest.approx(reference["facility"], rel=1e-9)
        assert question.sd == pytest.approx(reference["sd"], rel=1e-9)
        assert question.discrimination_index == pytest.approx(reference["di"], rel=1e-9)
        assert question.discriminative_efficiency == pytest.approx(reference["de"], rel=1e-9)
        assert question.effective_weight == pytest.approx(reference["ew"], rel=1e-9)
    assert sum(q.effective_weight for q in stats.questions) == pytest.approx(100)


def test_no_attempt_gives_only_undefined_figures():
    stats = compute_statistics([], [1, 1])
    assert stats.quiz.n == 0
    assert stats.quiz.mean is None and stats.quiz.sd is None and stats.quiz.cic is None
    assert [q.id for q in stats.questions] == ["1", "2"]
    assert all(q.facility is None and q.discrimination_index is None for q in stats.questions)


def test_one_attempt_has_a_mean_but_no_spread():
    stats = compute_statistics([[1, 0.5]], [1, 1])
    assert stats.quiz.mean == 1.5 and stats.quiz.median == 1.5
    assert stats.quiz.sd is None and stats.quiz.skewness is None
    assert stats.questions[1].facility == 0.5
    assert stats.questions[1].sd is None
    assert stats.questions[1].discrimination_index is None


def test_two_attempts_have_a_deviation_but_no_moments_like_moodle():
    stats = compute_statistics([[1, 1], [0, 1]], [1, 1])
    assert stats.quiz.sd == pytest.approx(math.sqrt(0.5))
    assert stats.quiz.skewness is None and stats.quiz.kurtosis is None
    assert stats.quiz.cic is None


def test_three_attempts_have_skewness_but_no_kurtosis():
    stats = compute_statistics([[1, 1], [0, 1], [0, 0]], [1, 1])
    assert stats.quiz.skewness is not None
    assert stats.quiz.kurtosis is None
    assert stats.quiz.cic is not None


def test_everyone_with_the_same_total_leaves_moments_and_cic_undefined():
    stats = compute_statistics([[1, 0], [0, 1], [1, 0], [0, 1]], [1, 1])
    assert stats.quiz.sd == 0
    assert stats.quiz.skewness is None and stats.quiz.cic is None
    assert stats.quiz.error_ratio is None and stats.quiz.standard_error is None


def test_a_question_everyone_got_right_has_no_discrimination():
    marks = [[1, 1, 0.1], [1, 0, 0.1], [1, 1, 0.1], [1, 0, 0.1], [1, 1, 0.1]]
    stats = compute_statistics(marks, [1, 1, 1])
    easy, _, constant = stats.questions
    assert easy.facility == 1.0 and easy.sd == 0.0
    assert easy.discrimination_index is None
    assert easy.discriminative_efficiency is None
    assert easy.effective_weight == 0.0
    # 0.1 is not exact in binary: the mean of a constant column must still give no variance.
    assert constant.sd == 0.0 and constant.discrimination_index is None


def test_single_question_quiz_has_no_internal_consistency():
    stats = compute_statistics([[1], [0], [1], [1]], [1])
    assert stats.quiz.cic is None
    assert stats.questions[0].discrimination_index is None  # the rest of the test is empty


def test_zero_maximum_mark_leaves_facility_undefined():
    stats = compute_statistics([[1, 0], [0, 0], [1, 0]], [1, 0])
    assert stats.questions[1].facility is None and stats.questions[1].sd is None


def test_negative_marks_are_allowed():
    stats = compute_statistics([[1, -0.5], [0, 1], [1, 1], [0, -0.5]], [1, 1])
    assert stats.questions[1].facility == pytest.approx(0.25)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="3 columns"):
        compute_statistics([[1, 1]], [1, 1, 1])
    with pytest.raises(ValueError, match="question ids"):
        compute_statistics([[1, 1]], [1, 1], ["a"])
    with pytest.raises(ValueError, match="finite"):
        compute_statistics([[1, float("nan")]], [1, 1])


def test_flags_for_hard_easy_and_negatively_discriminating_questions():
    # q1 always right, q2 right only for the best, q3 right only for the weakest three;
    # q4 to q6 follow the total.
    marks = [
        [1, 1, 0, 1, 1, 1],
        [1, 0, 0, 1, 1, 1],
        [1, 0, 0, 1, 1, 0],
        [1, 0, 1, 1, 0, 0],
        [1, 0, 1, 0, 0, 0],
        [1, 0, 1, 0, 0, 0],
    ]
    stats = compute_statistics(marks, [1] * 6, ["q1", "q2", "q3", "q4", "q5", "q6"])
    assert flag_questions(stats) == [
        QuestionFlag("q1", "too_easy", 1.0),
        QuestionFlag("q2", "too_hard", pytest.approx(1 / 6)),
        QuestionFlag("q3", "negative_discrimination", pytest.approx(-89.4427191)),
    ]
    # A question that pulls against the total has no effective weight (Moodle shows none).
    assert stats.questions[2].effective_weight is None
    assert stats.questions[1].discrimination_index > 0


def test_dict_output_has_the_cli_keys():
    output = statistics_as_dict(compute_statistics(MARKS, MAX, IDS))
    assert list(output["quiz"]) == [
        "n",
        "mean",
        "median",
        "sd",
        "skewness",
        "kurtosis",
        "cic",
        "error_ratio",
        "standard_error",
    ]
    assert list(output["questions"][0]) == [
        "id",
        "facility",
        "sd",
        "discrimination_index",
        "discriminative_efficiency",
        "effective_weight",
    ]


# --- flask quiz stats --------------------------------------------------------------------------


@pytest.fixture
def quiz_runner(tmp_path):
    app = Flask(__name__)
    app.config.update(TESTING=True, CONTENT_ROOT=tmp_path)
    app.cli.add_command(quiz_cli)
    return app.test_cli_runner()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_stats_prints_one_json_object(quiz_runner, tmp_path):
    csv_file = write(
        tmp_path,
        "marks.csv",
        "attempt,q1,q2,q3\nmax,1,1,2\nA1,1,1,2\nA2,1,0,1\n\nA3,0,1,0\nA4,0,0,1\n",
    )
    result = quiz_runner.invoke(args=["quiz", "stats", "--marks-csv", str(csv_file)])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["quiz"]["n"] == 4
    assert output["quiz"]["cic"] == pytest.approx(50)
    assert output["quiz"]["standard_error"] == pytest.approx(1)
    assert [q["id"] for q in output["questions"]] == IDS
    assert output["questions"][2]["discrimination_index"] == pytest.approx(50)


def test_cli_stats_default_max_and_semicolons(quiz_runner, tmp_path):
    csv_file = write(tmp_path, "marks.csv", "attempt;Q1;Q2\na;1;0,5\nb;0;1\nc;1;1\n")
    result = quiz_runner.invoke(args=["quiz", "stats", "--marks-csv", str(csv_file)])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["questions"][1]["facility"] == pytest.approx(2.5 / 3)
    assert output["quiz"]["kurtosis"] is None  # three attempts: Moodle gives no kurtosis


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("", 1, "empty file"),
        ("student,q1\na,1\n", 1, "the header must be attempt"),
        ("attempt,q1,q1\n", 1, "duplicate question id 'q1'"),
        ("attempt,q1,q2\na,1,1\nb,1\n", 3, "expected 3 cells"),
        ("attempt,q1,q2\na,1,x\n", 2, "'x' is not a number"),
        ("attempt,q1,q2\nmax,1,0\n", 2, "maximum mark of q2 must be positive"),
        ("attempt,q1,q2\na,1,1\nmax,1,1\n", 3, "the max row must come right after the header"),
        ("attempt,q1,q2\nmax,1,2\na,1,3\n", 3, "mark 3 of q2 is above its maximum 2"),
        ("attempt,q1\n\na,inf\n", 3, "not a finite number"),
    ],
)
def test_cli_stats_bad_csv_is_a_usage_error_with_file_and_line(
    quiz_runner, tmp_path, content, line, message
):
    csv_file = write(tmp_path, "marks.csv", content)
    result = quiz_runner.invoke(args=["quiz", "stats", "--marks-csv", str(csv_file)])
    assert result.exit_code == 2
    assert f"{csv_file}:{line}: " in result.output
    assert message in result.output
