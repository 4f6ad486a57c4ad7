"""A ninth question type, defined in a test package, works end to end once registered.

Content validation, the coach's pages, scoring, the review, GIFT and the `answered` statement
all go through the registry: no other file knows the type.
"""

import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog.validation import validate_tree
from lms.quiz import types
from lms.quiz.gift import write_gift
from lms.quiz.models import AttemptSlot
from lms.xapi import vocabulary as v
from lms.xapi.models import Statement
from tests.support import factories
from tests.support.toy_question_type import Estimate
from tests.support.web import csrf_token

FIXTURE = Path(__file__).parents[1] / "unit" / "catalog_fixtures" / "valid"
QUIZ = "quizzes/C1.1.yaml"
ESTIMATE = """\
  - id: C1.1-Q90
    type: estimate
    skills: [C1.1-S1]
    source: "toy"
    text: {fr: "Combien de partenaires ?", en: "How many partners?"}
    feedback: {fr: "Entre 10 et 20.", en: "Between 10 and 20."}
    hint: {fr: "un nombre entier", en: "a whole number"}
    low: %(low)s
    high: 20
"""


def post(client, path: str, data: dict | None = None):
    return client.post(path, data={"csrf_token": csrf_token(client, "/")} | (data or {}))


def visible_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).strip()


@pytest.fixture
def toy_type():
    types.register(Estimate)
    yield Estimate
    types.unregister(Estimate.name)


def bank_with_estimate(tmp_path, low="10") -> Path:
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE, root)
    bank = root / QUIZ
    text = bank.read_text(encoding="utf-8")
    bank.write_text(text.rstrip("\n") + "\n" + ESTIMATE % {"low": low}, encoding="utf-8")
    return root


def estimate_line(root: Path) -> int:
    lines = (root / QUIZ).read_text(encoding="utf-8").splitlines()
    return lines.index("  - id: C1.1-Q90") + 1


def test_content_validation_accepts_a_bank_using_the_toy_type(toy_type, tmp_path):
    report = validate_tree(bank_with_estimate(tmp_path), question_types=types.QUESTION_TYPES)
    assert report.errors == []
    assert "C1.1-Q90" in {question.id for question in report.content.questions}


def test_content_validation_reports_the_toy_types_own_errors(toy_type, tmp_path):
    root = bank_with_estimate(tmp_path, low="25")
    (root / QUIZ).write_text(
        (root / QUIZ).read_text(encoding="utf-8") + "    colour: blue\n", encoding="utf-8"
    )
    errors = [
        str(error)
        for error in validate_tree(root, question_types=types.QUESTION_TYPES).errors
        if "questions[14]" in error.field
    ]
    line = estimate_line(root)
    assert f"{QUIZ}:{line + 8}: questions[14].high: must not be below low (25)" in errors
    assert any(e.startswith(f"{QUIZ}:{line + 9}: questions[14].colour: ") for e in errors)


def test_an_unregistered_type_is_an_error_the_author_sees(tmp_path):
    errors = validate_tree(bank_with_estimate(tmp_path), question_types=types.QUESTION_TYPES)
    line = estimate_line(tmp_path / "tree")
    assert any(
        str(e).startswith(f"{QUIZ}:{line + 1}: questions[14].type: unknown question type")
        for e in errors.errors
    )


def test_gift_export_says_it_cannot_hold_the_toy_type(toy_type):
    definition = factories.question("T1-Q01", "estimate", low=10, high=20)
    problems = []
    assert "not exported" in write_gift([definition], "en", problems=problems)
    assert [(p.line, p.message) for p in problems] == [
        (1, "T1-Q01: not exported: estimate questions cannot be written in GIFT")
    ]


def test_a_coach_answers_the_toy_type_and_it_is_scored_reviewed_and_recorded(
    toy_type, coach_client, db_session
):
    estimate = factories.question("T1-Q01", "estimate", low=10, high=20, hint={"en": "people"})
    factories.make_quiz(db_session, questions=[estimate])
    db_session.commit()
    started = post(coach_client, "/modules/T1/quiz/start")
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])

    page = coach_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'data-toy="estimate"' in page and 'name="q1"' in page

    unreadable = post(
        coach_client,
        f"/attempts/{attempt_id}",
        {"shown": "1", "page": "1", "q1": "twelve", "goto": "summary"},
    )
    assert "Enter a whole number." in visible_text(unreadable)
    post(
        coach_client,
        f"/attempts/{attempt_id}",
        {"shown": "1", "page": "1", "q1": "15", "goto": "summary"},
    )
    submitted = post(coach_client, f"/attempts/{attempt_id}/submit")
    assert submitted.headers["Location"].endswith(f"/attempts/{attempt_id}/result")

    slot = db_session.scalar(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id))
    db_session.refresh(slot)
    assert slot.grade.fraction == 1.0

    review = visible_text(coach_client.get(f"/attempts/{attempt_id}/review"))
    assert re.search(r"Question 1 .* 15 .* 10 – 20", review)

    answered = db_session.scalars(select(Statement).where(Statement.verb == v.VERB_ANSWERED))
    statement = json.loads(next(iter(answered)).text)
    definition = statement["object"]["definition"]
    assert definition["interactionType"] == "numeric"
    assert definition["correctResponsesPattern"] == ["10[:]20"]
    assert statement["result"]["response"] == "15"
