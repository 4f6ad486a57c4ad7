"""A quiz result proposes a unit only when its questions cover every skill of the unit; a live
session of a few questions is practice (regression: four questions used to pass the unit)."""

import pytest
from sqlalchemy import select

from lms.catalog import queries
from lms.competence import queries as competence_queries
from lms.competence.models import Decision
from lms.live import service
from lms.quiz.models import Attempt
from lms.timeutil import utcnow
from lms.xapi.statements import XapiConfig
from tests.support import factories

XAPI = XapiConfig(base_iri="https://lms.example.org/xapi")


@pytest.fixture
def quiz(db_session):
    """Unit T1 of three skills; a passed quiz validates it on its own."""
    quiz = factories.make_quiz(
        db_session,
        skills=("T1-S1", "T1-S2", "T1-S3"),
        validation={
            "modalities": ["quiz"],
            "auto_validate_by_quiz": True,
            "description": {"fr": "Quiz", "en": "Quiz"},
            "evaluation_grid": {},
        },
        questions=[
            factories.question("T1-Q01", skills=["T1-S1"]),
            factories.question("T1-Q02", "true_false", skills=["T1-S2"]),
            factories.question("T1-Q03", skills=["T1-S1"]),
            factories.question("T1-Q04", "true_false", skills=["T1-S2"]),
            factories.question("T1-Q05", skills=["T1-S3"]),
        ],
    )
    db_session.commit()
    return quiz


def live_session(db_session, demo_cohort, quiz, count: int) -> Attempt:
    """The first ``count`` questions asked live, in an assessed session, and answered right by
    the first coach."""
    versions = queries.current_question_versions(db_session, quiz.module_code)[:count]
    live = service.schedule(
        db_session,
        trainer=demo_cohort["trainer"],
        cohort=demo_cohort["cohort"],
        quiz=quiz,
        module=quiz.module,
        scheduled_at=utcnow(),
        versions=versions,
        assessed=True,
    )
    service.open_session(db_session, live)
    participant = service.join(
        db_session,
        live,
        user=demo_cohort["coaches"][0],
        cohort=demo_cohort["cohort"],
        quiz=quiz,
        xapi=XAPI,
    )
    for version in versions:
        service.control(db_session, live, "next", expected=None, xapi=XAPI)
        right = "a" if version.definition["type"] == "single_choice" else "true"
        service.answer(db_session, live, participant, right)
    service.control(db_session, live, "end", expected=None, xapi=XAPI)
    db_session.commit()
    return participant.attempt


def test_a_live_session_of_four_questions_is_practice(
    db_session, demo_cohort, quiz, coach_client, trainer_client
):
    attempt = live_session(db_session, demo_cohort, quiz, 4)  # T1-S3 never asked
    assert attempt.state == "graded" and attempt.score == 1.0
    assert attempt.proposed_status == "practice"
    assert db_session.scalars(select(Decision)).all() == []
    coach = demo_cohort["coaches"][0]
    units = competence_queries.framework_columns(db_session)[0]
    cell = competence_queries.coach_cells(db_session, coach.id, units)["T1"]
    assert (cell.status, cell.passed, cell.best_score) == ("in_progress", False, None)
    assert competence_queries.latest_submitted_attempt(db_session, coach.id, "T1") is None

    result = coach_client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Entraînement (seuil de réussite de 70" in result and "Réussi (seuil" not in result
    assert "ces questions ne couvrent pas toutes les capacités" in result
    module_page = coach_client.get("/modules/T1/").get_data(as_text=True)
    assert "Quiz réussi" not in module_page
    drill_down = trainer_client.get(f"/trainer/coaches/{coach.id}").get_data(as_text=True)
    assert "Entraînement (ne couvre pas toutes les capacités" in drill_down


def test_a_live_session_covering_every_skill_proposes_the_unit(db_session, demo_cohort, quiz):
    attempt = live_session(db_session, demo_cohort, quiz, 5)
    assert attempt.proposed_status == "evidence_sufficient"
    (decision,) = db_session.scalars(select(Decision)).all()
    assert decision.automatic and decision.attempt_id == attempt.id
