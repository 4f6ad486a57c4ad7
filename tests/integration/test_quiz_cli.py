"""`flask quiz stats --quiz` on real attempts and `flask quiz close-overdue`."""

import json
from datetime import timedelta

from lms.quiz import service
from lms.timeutil import utcnow
from lms.xapi.statements import XapiConfig
from tests.support import factories

XAPI = XapiConfig(base_iri="https://lms.example.org/xapi")


def test_stats_of_real_attempts(runner, db_session):
    quiz = factories.make_quiz(db_session, attempts_allowed=0)
    answers = [["a", "a", "a", "a"], ["a", "b", "a", "b"], ["b", "b", "b", "a"]]
    for row in answers:
        coach = factories.make_user(db_session)
        attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
        for position, raw in enumerate(row, start=1):
            service.save_answer(db_session, attempt, position, raw)
        service.submit(db_session, attempt, xapi=XAPI)
    db_session.commit()
    result = runner.invoke(args=["quiz", "stats", "--quiz", str(quiz.id)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["quiz"]["n"] == 3
    assert figures["quiz"]["mean"] == (4 + 2 + 1) / 3
    facility = {q["id"]: q["facility"] for q in figures["questions"]}
    assert facility == {"T1-Q01": 2 / 3, "T1-Q02": 1 / 3, "T1-Q03": 2 / 3, "T1-Q04": 2 / 3}


def test_stats_needs_exactly_one_source(runner):
    result = runner.invoke(args=["quiz", "stats"])
    assert result.exit_code == 2 and "exactly one of --marks-csv FILE or --quiz ID" in result.output


def test_close_overdue_attempts_validates_where_the_rule_allows(runner, db_session):
    from lms.competence.service import standing_decision

    validation = {
        "modalities": ["quiz"],
        "auto_validate_by_quiz": True,
        "description": {"fr": "Quiz", "en": "Quiz"},
        "evaluation_grid": {},
    }
    quiz = factories.make_quiz(db_session, time_limit_minutes=5, validation=validation)
    coach = factories.make_user(db_session)
    attempt = service.start(
        db_session, user=coach, quiz=quiz, xapi=XAPI, now=utcnow() - timedelta(minutes=30)
    )
    for position in range(1, 5):
        service.save_answer(db_session, attempt, position, "a", now=attempt.started_at)
    db_session.commit()
    result = runner.invoke(args=["close-overdue-attempts"])
    assert result.exit_code == 0 and "closed 1 overdue attempt(s)" in result.output
    db_session.refresh(attempt)
    assert attempt.state == "graded" and attempt.autosubmitted and attempt.passed
    assert standing_decision(db_session, coach.id, "T1") is not None


def test_import_gift_into_the_real_bank(runner, db_session, tmp_path):
    from lms.catalog import queries

    factories.make_quiz(db_session, code="C1.1", skills=("C1.1-S1", "C1.1-S2"))
    db_session.commit()
    gift = tmp_path / "extra.gift"
    gift.write_text(
        "// [tag:C1.1-S1]\n::Mobilité::Un apprenti peut-il partir un an ?"
        "{T#Non.#Oui, au plus un an.####Au plus un an, jamais plus de la moitié du contrat.}\n\n"
        "// [tag:C1.1-S2]\n::Durée::Durée maximale en mois ?"
        "{#12####La loi de 2023 fixe un an au plus.}\n\n"
        "::Cassée::Question sans fin {=a ~b\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["quiz", "import-gift", str(gift), "--module", "C1.1"])
    assert result.exit_code == 0, result.output
    assert "extra.gift:7:" in result.output  # reported; the rest still imports
    versions = queries.current_question_versions(db_session, "C1.1")
    imported = [v.definition for v in versions if v.definition["source"].startswith("GIFT")]
    assert [d["type"] for d in imported] == ["true_false", "numerical"]
    assert imported[0]["text"] == {"fr": "Un apprenti peut-il partir un an ?"} | {
        "en": "Un apprenti peut-il partir un an ?"
    }


def test_import_gift_keeps_questions_that_share_a_name(runner, db_session, tmp_path):
    from lms.catalog import queries

    factories.make_quiz(db_session, code="C1.1", skills=("C1.1-S1", "C1.1-S2"))
    db_session.commit()
    gift = tmp_path / "same-name.gift"
    gift.write_text(
        "// [tag:C1.1-S1]\n::Durée::Un apprenti peut-il partir un an ? {T####Un an au plus.}\n\n"
        "// [tag:C1.1-S1]\n::Durée::Un apprenti peut-il partir deux ans ? {F####Un an au plus.}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["quiz", "import-gift", str(gift), "--module", "C1.1", "--json"])
    assert result.exit_code == 0, result.output
    assert (
        "same-name.gift:5: note: another question is already named 'Durée': imported as 'Durée-2'"
    ) in result.stderr
    figures = json.loads(result.stdout)
    assert (figures["questions"], figures["created"]) == (2, 2)
    assert figures["renamed"] == [
        {"line": 5, "message": "another question is already named 'Durée': imported as 'Durée-2'"}
    ]
    versions = queries.current_question_versions(db_session, "C1.1")
    imported = [v for v in versions if v.definition["source"].startswith("GIFT")]
    assert len({v.code for v in imported}) == 2
    assert [v.definition["answer"] for v in imported] == [True, False]

    plain = runner.invoke(args=["quiz", "import-gift", str(gift), "--module", "C1.1"])
    assert "1 sharing a name, given their own id" in plain.stdout
