"""Loading the content files into the database: idempotent, versioned, all or nothing."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.catalog import queries
from lms.catalog.models import (
    Competence,
    Lesson,
    LessonVersion,
    Module,
    Question,
    QuestionVersion,
    Quiz,
    Skill,
    Unit,
)
from lms.catalog.service import ContentInvalid, import_questions, load_content
from lms.catalog.validation import validate_tree
from lms.quiz.types import QUESTION_TYPES

FIXTURE = Path(__file__).parents[1] / "unit" / "catalog_fixtures" / "valid"
QUIZ = "quizzes/C1.1.yaml"
MODELS = (Competence, Unit, Skill, Module, Lesson, LessonVersion, Quiz, Question, QuestionVersion)
LOADED = {
    "competences": 1, "units": 1, "skills": 4, "modules": 1, "lessons": 3,
    "lesson_versions": 3, "quizzes": 1, "questions": 14, "question_versions": 14,
}  # fmt: skip


@pytest.fixture
def tree(tmp_path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "tree")
    return tmp_path / "tree"


def question_by_code(session, code: str) -> Question | None:
    return session.scalar(select(Question).where(Question.code == code))


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def row_counts(session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in MODELS
    }


def load(session, root: Path):
    summary = load_content(session, validate_tree(root, question_types=QUESTION_TYPES))
    session.commit()
    return summary


def test_loading_unchanged_files_again_changes_nothing(db_session, tree):
    first = load(db_session, tree)
    assert first.counts["questions"].created == 14
    assert row_counts(db_session) == LOADED
    hashes = {v.id: v.content_hash for v in db_session.scalars(select(QuestionVersion))}

    again = load(db_session, tree)
    assert not again.changed
    assert again.counts["questions"].unchanged == 14
    assert again.counts["lessons"].unchanged == 3
    assert row_counts(db_session) == LOADED
    assert {v.id: v.content_hash for v in db_session.scalars(select(QuestionVersion))} == hashes


def test_loaded_content_is_what_the_pages_and_the_quiz_read(db_session, tree):
    load(db_session, tree)
    module = queries.module_by_code(db_session, "C1.1")
    assert module.title == {
        "fr": "Élaborer un projet de mobilité",
        "en": "Develop a mobility project",
    }
    assert module.mastery == {"overall": 0.7, "per_skill": 0.5}
    assert module.quiz.settings["pass_mark"] == 0.7
    assert queries.unit_skill_ids(db_session, "C1.1") == [f"C1.1-S{n}" for n in range(1, 5)]
    lessons = queries.lessons(db_session, "C1.1")
    assert [lesson.slug for lesson, _ in lessons] == ["project-formats", "budget", "partners"]
    _, budget = lessons[1]
    assert "<table>" in budget.html("en") and budget.html("fr").startswith("<h2>Le budget</h2>")
    versions = queries.current_question_versions(db_session, "C1.1")
    assert [v.code for v in versions] == [f"C1.1-Q{n:02d}" for n in range(1, 15)]
    assert versions[0].definition["options"][0] == {
        "id": "a", "text": {"fr": "Projet court", "en": "Short-term project"}, "fraction": 1,
    }  # fmt: skip
    assert [c.code for c in queries.competences(db_session)] == ["C1"]


def test_an_edit_becomes_a_new_version_and_the_old_one_is_kept(db_session, tree):
    load(db_session, tree)
    before = question_by_code(db_session, "C1.1-Q01").current
    before_id, before_text = before.id, before.definition["text"]["en"]

    edit(tree, QUIZ, "Which format suits a newcomer?", "Which format suits a first project?")
    budget = "content/modules/C1.1/lessons/budget.en.md"
    edit(tree, budget, "## The budget", "## The mobility budget")
    summary = load(db_session, tree)

    assert summary.counts["questions"].new_versions == 1
    assert summary.counts["questions"].unchanged == 13
    assert summary.counts["lessons"].new_versions == 1
    question = question_by_code(db_session, "C1.1-Q01")
    assert question.current_version == 2
    assert [v.number for v in question.versions] == [1, 2]
    old = db_session.get(QuestionVersion, before_id)
    assert old.definition["text"]["en"] == before_text  # an attempt started before keeps it
    assert question.current.definition["text"]["en"] == "Which format suits a first project?"
    lesson = db_session.scalar(select(Lesson).where(Lesson.slug == "budget"))
    assert lesson.current_version == 2
    assert lesson.current.html("en").startswith("<h2>The mobility budget</h2>")
    assert lesson.versions[0].html("en").startswith("<h2>The budget</h2>")
    counts = row_counts(db_session)
    assert counts["question_versions"] == 15 and counts["lesson_versions"] == 4

    assert not load(db_session, tree).changed  # the edit is loaded once


def test_invalid_content_writes_nothing(db_session, tree):
    broken = tree.parent / "broken"
    shutil.copytree(tree, broken)
    edit(broken, "content/modules/C1.1/module.yaml", "    overall: 0.7\n", "    overall: 1.5\n")
    report = validate_tree(broken, question_types=QUESTION_TYPES)
    assert not report.ok
    with pytest.raises(ContentInvalid) as raised:
        load_content(db_session, report)
    assert [str(e) for e in raised.value.errors] == [
        "content/modules/C1.1/module.yaml:26: module.mastery.overall: "
        "must be a number in (0, 1], got 1.5"
    ]
    db_session.commit()
    assert set(row_counts(db_session).values()) == {0}

    load(db_session, tree)
    edit(broken, QUIZ, "Which format suits a newcomer?", "Which format suits a first project?")
    with pytest.raises(ContentInvalid):
        load_content(db_session, validate_tree(broken, question_types=QUESTION_TYPES))
    db_session.commit()
    assert row_counts(db_session) == LOADED
    assert question_by_code(db_session, "C1.1-Q01").current_version == 1


def test_a_question_removed_from_its_bank_is_retired_not_deleted(db_session, tree):
    load(db_session, tree)
    text = (tree / QUIZ).read_text(encoding="utf-8")
    start, end = text.index("  - id: C1.1-Q05\n"), text.index("  - id: C1.1-Q06\n")
    (tree / QUIZ).write_text(text[:start] + text[end:], encoding="utf-8")
    summary = load(db_session, tree)
    assert summary.counts["questions"].retired == 1
    question = question_by_code(db_session, "C1.1-Q05")
    assert question.active is False and len(question.versions) == 1
    codes = [v.code for v in queries.current_question_versions(db_session, "C1.1")]
    assert "C1.1-Q05" not in codes and len(codes) == 13


def test_import_questions_adds_and_versions(db_session, tree):
    load(db_session, tree)
    edited = question_by_code(db_session, "C1.1-Q03").current.definition
    edited["text"] = {"fr": "Le plan Erasmus est-il requis ?", "en": "Is an Erasmus Plan required?"}
    new = {
        "type": "true_false", "skills": ["C1.1-S2"], "source": "GIFT import",
        "text": {"fr": "Le voyage vert ajoute des jours.", "en": "Green travel adds days."},
        "feedback": {"fr": "Oui.", "en": "Yes."}, "answer": True,
    }  # fmt: skip
    summary = import_questions(
        db_session, "C1.1", [edited, new], source="bank.gift", question_types=QUESTION_TYPES
    )
    db_session.commit()
    counts = summary.counts["questions"]
    assert (counts.created, counts.new_versions) == (1, 1)
    added = question_by_code(db_session, "C1.1-Q15")
    assert added.position == 14 and added.current.definition["answer"] is True
    assert question_by_code(db_session, "C1.1-Q03").current_version == 2

    bad = dict(new, type="true_or_false")
    with pytest.raises(ContentInvalid) as raised:
        import_questions(
            db_session, "C1.1", [bad], source="bank.gift", question_types=QUESTION_TYPES
        )
    assert [str(e) for e in raised.value.errors] == [
        "bank.gift:1: questions[0].type: unknown question type 'true_or_false'; "
        "did you mean 'true_false'?"
    ]
    db_session.commit()
    assert question_by_code(db_session, "C1.1-Q16") is None


def test_flask_content_load(runner, tree):
    result = runner.invoke(args=["content", "load", "--root", str(tree)])
    assert result.exit_code == 0, result.output
    assert "questions: 14 created" in result.output
    assert result.output.endswith("content loaded\n")
    result = runner.invoke(args=["content", "load", "--root", str(tree)])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("content unchanged\n")

    edit(tree, QUIZ, "    pass_mark: 0.7\n", "    pass_mark: 0\n")
    result = runner.invoke(args=["content", "load", "--root", str(tree)])
    assert result.exit_code == 1
    assert "quizzes/C1.1.yaml:8: quiz.settings.pass_mark" in result.stderr
    assert "nothing was loaded" in result.stderr
