"""Names sort as people read them: 2-1, 2-2, 2-10."""

from lms.competence.queries import natural_key


def test_runs_of_digits_compare_as_numbers_and_case_is_ignored():
    names = ["Coach 2-10", "coach 2-2", "Coach 10", "Coach 2-1", "Coach 9", "Adam", "adam 1"]
    assert sorted(names, key=natural_key) == [
        "Adam", "adam 1", "Coach 2-1", "coach 2-2", "Coach 2-10", "Coach 9", "Coach 10",
    ]  # fmt: skip
