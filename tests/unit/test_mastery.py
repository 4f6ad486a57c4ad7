"""Per-skill marks and the proposed competence status, computed by hand."""

import pytest

from lms.quiz.mastery import (
    EVIDENCE_SUFFICIENT,
    IN_PROGRESS,
    NOT_STARTED,
    NOT_YET_SUFFICIENT,
    GradedQuestion,
    MasteryRule,
    grade_over_attempts,
    proposed_status,
    skill_marks,
)

RULE = MasteryRule(overall=0.7, per_skill=0.5)


def q(skills, mark, max_mark=1.0):
    return GradedQuestion(tuple(skills), mark, max_mark)


def test_a_question_counts_for_each_of_its_skills():
    marks = {
        m.skill: (m.earned, m.maximum) for m in skill_marks([q(["S1", "S2"], 0.5), q(["S1"], 1.0)])
    }
    assert marks == {"S1": (1.5, 2.0), "S2": (0.5, 1.0)}


def test_ungraded_questions_are_left_out_of_skill_marks():
    assert [m.skill for m in skill_marks([q(["S1"], None), q(["S2"], 1.0)])] == ["S2"]


def test_statuses():
    assert proposed_status([], RULE, ["S1"]) == NOT_STARTED
    assert proposed_status([q(["S1"], 1.0), q(["S2"], None)], RULE, ["S1", "S2"]) == IN_PROGRESS
    # 3/4 = 75 % overall, S1 2/2, S2 1/2 = 50 % → sufficient (boundaries are inclusive)
    graded = [q(["S1"], 1.0), q(["S1"], 1.0), q(["S2"], 1.0), q(["S2"], 0.0)]
    assert proposed_status(graded, RULE, ["S1", "S2"]) == EVIDENCE_SUFFICIENT


def test_a_weak_skill_blocks_sufficiency_despite_a_good_total():
    # 8/10 = 80 % overall, but S3 0/2 = 0 % < 50 %
    graded = [q(["S1"], 1.0)] * 4 + [q(["S2"], 1.0)] * 4 + [q(["S3"], 0.0)] * 2
    assert proposed_status(graded, RULE, ["S1", "S2", "S3"]) == NOT_YET_SUFFICIENT


def test_a_low_total_is_not_sufficient():
    graded = [q(["S1"], 0.6), q(["S2"], 0.6)]  # 60 % < 70 %
    assert proposed_status(graded, RULE, ["S1", "S2"]) == NOT_YET_SUFFICIENT


@pytest.mark.parametrize(
    ("method", "expected"), [("highest", 0.9), ("average", 0.6), ("first", 0.4), ("last", 0.5)]
)
def test_grading_methods(method, expected):
    assert grade_over_attempts([0.4, 0.9, 0.5], method) == pytest.approx(expected)


def test_grading_method_edge_cases():
    assert grade_over_attempts([], "highest") is None
    with pytest.raises(ValueError, match="unknown grading method"):
        grade_over_attempts([0.5], "median")
