"""Decision workflow on SQLite and PostgreSQL: decide, revoke, automatic and bulk decision."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.competence import service
from lms.competence.evidence import StoredFile
from lms.competence.models import Decision
from lms.quiz import service as quiz_service
from lms.xapi import statements as xs
from lms.xapi import vocabulary as v
from lms.xapi.models import Statement
from lms.xapi.statements import XapiConfig
from tests.support import factories

XAPI = XapiConfig(base_iri="https://lms.example.org/xapi")
LEVELS = [
    {"id": "insufficient", "points": 0, "label": {"fr": "Insuffisant", "en": "Insufficient"}},
    {"id": "partial", "points": 1, "label": {"fr": "Partiel", "en": "Partial"}},
    {"id": "mastered", "points": 2, "label": {"fr": "Maîtrisé", "en": "Mastered"}},
    {"id": "expert", "points": 3, "label": {"fr": "Expert", "en": "Expert"}},
]
GRID = {
    "criteria": [
        {"id": "accuracy", "label": {"fr": "Exactitude", "en": "Accuracy"}, "skills": ["T1-S1"]},
        {"id": "support", "label": {"fr": "Accompagnement", "en": "Support"}, "skills": ["T1-S2"]},
    ],
    "levels": LEVELS,
}


def validation_rule(*modalities: str, auto: bool = False) -> dict:
    label = {"fr": "Règle", "en": "Rule"}
    return {
        "modalities": list(modalities),
        "auto_validate_by_quiz": auto,
        "description": label,
        "evaluation_grid": GRID,
    }


@pytest.fixture
def world(db_session):
    trainer = factories.make_user(db_session, role="trainer")
    coaches = [factories.make_user(db_session) for _ in range(3)]
    factories.make_cohort(db_session, trainers=[trainer], coaches=coaches)
    quiz = factories.make_quiz(db_session, validation=validation_rule("quiz", "observation"))
    db_session.commit()
    return {"trainer": trainer, "coaches": coaches, "quiz": quiz}


def statements(session, verb: str) -> list[dict]:
    rows = session.scalars(select(Statement).where(Statement.verb == verb).order_by(Statement.seq))
    return [json.loads(row.text) for row in rows]


def test_validation_by_observation_records_evidence_and_emits_mastered(db_session, world):
    coach, trainer = world["coaches"][0], world["trainer"]
    attachment = StoredFile(
        path="evidence/abc.pdf", name="report.pdf", type="pdf", size=1234, sha256="cd" * 32
    )
    decision = service.decide(
        db_session,
        coach=coach,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
        rubric={"accuracy": "mastered", "support": "expert"},
        note="Ran the pre-departure briefing well.",
        attachment=attachment,
    )
    db_session.commit()
    assert (decision.decision, decision.rubric_points, decision.rubric_max) == (
        "validated",
        5.0,
        6.0,
    )
    assert decision.decided_by_id == trainer.id and decision.decided_at is not None
    assert decision.attachment_name == "report.pdf" and not decision.automatic

    [statement] = statements(db_session, v.VERB_MASTERED)
    assert statement["id"] == str(decision.statement_id)
    # Opaque accounts on the platform: no name, no e-mail address.
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://lms.example.org", "name": coach.xapi_account},
    }
    assert statement["context"]["instructor"]["account"]["name"] == trainer.xapi_account
    assert statement["object"]["id"] == "https://lms.example.org/xapi/units/T1"
    assert statement["result"]["success"] is True
    assert statement["result"]["score"]["scaled"] == pytest.approx(5 / 6, abs=1e-4)
    extensions = statement["result"]["extensions"]
    assert extensions["https://lms.example.org/xapi/profile/extensions/modality"] == "observation"
    evidence = extensions["https://lms.example.org/xapi/profile/extensions/evidence"]
    assert evidence["rubric"] == {"accuracy": "mastered", "support": "expert"}
    assert set(evidence) == {"decision", "automatic", "rubric", "note"}  # no database ids
    # The file as an xAPI attachment: what it is and its hash; its bytes stay with us.
    assert statement["attachments"] == [
        {
            "usageType": "https://lms.example.org/xapi/profile/attachment-types/evidence",
            "display": {"und": "report.pdf"},
            "contentType": "application/pdf",
            "length": 1234,
            "sha2": "cd" * 32,
            "fileUrl": f"https://lms.example.org/trainer/decisions/{decision.id}/attachment",
        }
    ]
    # T1 is the only unit of competence T: validating it satisfies the competence.
    [satisfied] = statements(db_session, v.VERB_SATISFIED)
    assert satisfied["object"]["id"] == "https://lms.example.org/xapi/competences/KT1"
    assert satisfied["context"]["statement"]["id"] == str(decision.statement_id)


def test_a_not_validated_decision_is_a_failed_mastery(db_session, world):
    coach, trainer = world["coaches"][0], world["trainer"]
    service.decide(
        db_session,
        coach=coach,
        unit_code="T1",
        modality="observation",
        validated=False,
        decided_by=trainer,
        xapi=XAPI,
        note="Not yet.",
    )
    db_session.commit()
    # A refusal is "failed" on the unit: whoever counts "mastered" counts no refusal.
    assert statements(db_session, v.VERB_MASTERED) == []
    [statement] = statements(db_session, v.VERB_FAILED)
    assert statement["object"]["id"] == "https://lms.example.org/xapi/units/T1"
    assert statement["result"]["success"] is False
    # A refusal does not block a later decision.
    later = service.decide(
        db_session,
        coach=coach,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
    )
    assert later.decision == "validated"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"modality": "jury"}, "cannot be validated by"),
        ({"rubric": {"accuracy": "mastered"}}, "every criterion"),
        ({"rubric": {"accuracy": "mastered", "support": "genius"}}, "Unknown level"),
        (
            {"rubric": {"accuracy": "partial", "support": "partial", "extra": "partial"}},
            "Unknown criterion",
        ),
        ({"unit_code": "ZZ"}, "Unknown unit"),
        ({"note": "x" * 4001}, "too long"),
    ],
)
def test_decisions_the_rules_refuse(db_session, world, changes, message):
    values = {
        "coach": world["coaches"][0],
        "unit_code": "T1",
        "modality": "observation",
        "validated": True,
        "decided_by": world["trainer"],
        "xapi": XAPI,
    }
    values.update(changes)
    with pytest.raises(service.DecisionError) as error:
        service.decide(db_session, **values)
    assert message in str(error.value)
    assert statements(db_session, v.VERB_MASTERED) == []


def test_only_trainers_decide_and_only_for_coaches(db_session, world):
    coach, other = world["coaches"][:2]
    with pytest.raises(service.DecisionError):
        service.decide(
            db_session,
            coach=coach,
            unit_code="T1",
            modality="observation",
            validated=True,
            decided_by=other,
            xapi=XAPI,
        )
    with pytest.raises(service.DecisionError):
        service.decide(
            db_session,
            coach=world["trainer"],
            unit_code="T1",
            modality="observation",
            validated=True,
            decided_by=world["trainer"],
            xapi=XAPI,
        )


def test_a_validated_unit_must_be_revoked_before_a_new_decision(db_session, world):
    coach, trainer = world["coaches"][0], world["trainer"]
    first = service.decide(
        db_session,
        coach=coach,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
    )
    with pytest.raises(service.DecisionError, match="already validated"):
        service.decide(
            db_session,
            coach=coach,
            unit_code="T1",
            modality="quiz",
            validated=True,
            decided_by=trainer,
            xapi=XAPI,
        )
    service.revoke_decision(db_session, first, revoked_by=trainer, xapi=XAPI, reason="Wrong coach")
    second = service.decide(
        db_session,
        coach=coach,
        unit_code="T1",
        modality="quiz",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
    )
    db_session.commit()
    history = db_session.scalars(
        select(Decision).where(Decision.coach_id == coach.id).order_by(Decision.id)
    ).all()
    assert [(row.id, row.is_standing) for row in history] == [(first.id, False), (second.id, True)]


def test_revoking_voids_the_statement_and_keeps_the_history(db_session, world):
    coach, trainer = world["coaches"][0], world["trainer"]
    decision = service.decide(
        db_session,
        coach=coach,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
    )
    db_session.commit()
    service.revoke_decision(
        db_session, decision, revoked_by=trainer, xapi=XAPI, reason="Evidence lost"
    )
    db_session.commit()
    assert decision.revoked_at is not None and decision.revoked_by_id == trainer.id
    assert decision.revoke_reason == "Evidence lost"
    voiding, competence_voiding = statements(db_session, v.VERB_VOIDED)
    assert voiding["id"] == str(decision.void_statement_id)
    assert voiding["context"]["extensions"] == {
        "https://lms.example.org/xapi/profile/extensions/reason": "Evidence lost"
    }
    # The competence it completed is no longer satisfied either.
    [satisfied] = statements(db_session, v.VERB_SATISFIED)
    assert competence_voiding["object"]["id"] == satisfied["id"]
    assert voiding["object"] == {"objectType": "StatementRef", "id": str(decision.statement_id)}
    assert voiding["actor"]["account"]["name"] == trainer.xapi_account
    original = db_session.scalar(
        select(Statement).where(Statement.id == str(decision.statement_id))
    )
    assert original.voided is True
    assert db_session.get(Decision, decision.id) is not None
    with pytest.raises(service.DecisionError, match="already been revoked"):
        service.revoke_decision(db_session, decision, revoked_by=trainer, xapi=XAPI)


def test_the_database_refuses_two_standing_decisions(db_session, world):
    coach, trainer = world["coaches"][0], world["trainer"]
    for _ in range(2):
        db_session.add(
            Decision(
                coach_id=coach.id,
                unit_code="T1",
                modality="jury",
                decision="validated",
                decided_by_id=trainer.id,
                statement_id=uuid.uuid4(),
            )
        )
    with pytest.raises(IntegrityError):
        db_session.flush()


def _passed_attempt(session, coach, quiz, answers=("a", "a", "a", "a")):
    attempt = quiz_service.start(session, user=coach, quiz=quiz, xapi=XAPI)
    for position, raw in enumerate(answers, start=1):
        quiz_service.save_answer(session, attempt, position, raw)
    quiz_service.submit(session, attempt, xapi=XAPI)
    return attempt


def test_a_module_whose_rule_allows_it_validates_on_a_passed_quiz(db_session):
    coach = factories.make_user(db_session)
    quiz = factories.make_quiz(
        db_session,
        code="T2",
        skills=("T2-S1", "T2-S2"),
        validation=validation_rule("quiz", "debriefing", auto=True),
    )
    attempt = _passed_attempt(db_session, coach, quiz)
    decision = service.decide_on_pass(db_session, attempt, XAPI)
    db_session.commit()
    assert decision is not None and decision.automatic and decision.modality == "quiz"
    assert decision.decided_by_id is None and decision.attempt_id == attempt.id
    [statement] = statements(db_session, v.VERB_MASTERED)
    # The quiz rule decided: no instructor stands for it; the evidence says so.
    assert "instructor" not in statement["context"]
    extensions = statement["result"]["extensions"]
    assert extensions["https://lms.example.org/xapi/profile/extensions/evidence"]["automatic"]
    assert statement["result"]["score"]["scaled"] == 1.0
    # Grading again (a regrade) does not validate twice.
    assert service.decide_on_pass(db_session, attempt, XAPI) is None


def test_the_quiz_result_is_only_proposed_when_the_rule_does_not_allow_it(db_session, world):
    attempt = _passed_attempt(db_session, world["coaches"][0], world["quiz"])
    assert attempt.passed and attempt.proposed_status == "evidence_sufficient"
    assert service.decide_on_pass(db_session, attempt, XAPI) is None
    assert db_session.scalars(select(Decision)).all() == []


def test_a_failed_quiz_does_not_validate_automatically(db_session):
    coach = factories.make_user(db_session)
    quiz = factories.make_quiz(
        db_session,
        code="T3",
        skills=("T3-S1", "T3-S2"),
        validation=validation_rule("quiz", auto=True),
    )
    attempt = _passed_attempt(db_session, coach, quiz, answers=("a", "b", "b", "b"))
    assert attempt.passed is False
    assert service.decide_on_pass(db_session, attempt, XAPI) is None


def test_bulk_validation_of_a_live_sessions_participants(db_session, world):
    trainer, coaches = world["trainer"], world["coaches"]
    service.decide(
        db_session,
        coach=coaches[0],
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
    )
    result = service.decide_for_many(
        db_session,
        coaches=coaches,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
        live_session_id=42,
        note="Role play in session",
    )
    db_session.commit()
    assert [row.coach_id for row in result.decided] == [coaches[1].id, coaches[2].id]
    assert [(coach.id, why) for coach, why in result.skipped] == [
        (coaches[0].id, "already validated")
    ]
    assert {row.live_session_id for row in result.decided} == {42}
    assert len(statements(db_session, v.VERB_MASTERED)) == 3


def test_score_rubric_sums_levels_over_the_best_level():
    scored = service.score_rubric(GRID, {"accuracy": "partial", "support": "insufficient"})
    assert (scored.points, scored.maximum, scored.fraction) == (1.0, 6.0, 1 / 6)
    with pytest.raises(service.DecisionError, match="no evaluation grid"):
        service.score_rubric({}, {"accuracy": "partial"})


def test_submitting_through_competence_validates_when_the_rule_allows_it(db_session):
    coach = factories.make_user(db_session)
    quiz = factories.make_quiz(
        db_session,
        code="T4",
        skills=("T4-S1", "T4-S2"),
        validation=validation_rule("quiz", auto=True),
    )
    attempt = quiz_service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    for position in range(1, 5):
        quiz_service.save_answer(db_session, attempt, position, "a")
    submitted, decision = service.submit_attempt(db_session, attempt, xapi=XAPI)
    db_session.commit()
    assert submitted.state == "graded" and submitted.passed
    assert decision is not None and decision.automatic and decision.attempt_id == attempt.id
    # A second submit (a double click) neither grades nor validates again.
    assert service.submit_attempt(db_session, attempt, xapi=XAPI)[1] is None
    assert len(statements(db_session, v.VERB_MASTERED)) == 1


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ((), "not_started"),
        (("validated", "validated"), "validated"),
        (("validated", "not_validated"), "not_validated"),
        (("validated", "evidence_sufficient"), "evidence_sufficient"),
        (("validated", "not_started"), "in_progress"),
        (("in_progress", "not_started"), "in_progress"),
        (("not_started", "not_started"), "not_started"),
    ],
)
def test_a_competence_status_follows_its_units(units, expected):
    from lms.competence.queries import competence_status

    assert competence_status(units) == expected


def test_a_jury_decision_carries_its_own_score_and_rests_on_the_attempt_result(db_session, world):
    coach, trainer = world["coaches"][0], world["trainer"]
    attempt = _passed_attempt(db_session, coach, world["quiz"])
    db_session.commit()
    [result] = statements(db_session, v.VERB_PASSED)
    service.decide(
        db_session,
        coach=coach,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
        attempt=attempt,
    )
    db_session.commit()
    [decision] = statements(db_session, v.VERB_MASTERED)
    # No rubric was scored: an observation does not borrow the quiz's score.
    assert "score" not in decision["result"]
    assert decision["context"]["statement"] == {"objectType": "StatementRef", "id": result["id"]}
    attempt_key = "https://lms.example.org/xapi/profile/extensions/attempt"
    assert decision["context"]["extensions"][attempt_key] == str(attempt.statement_id)
    assert result["context"]["extensions"][attempt_key] == str(attempt.statement_id)


def test_a_decision_after_a_regrade_rests_on_the_latest_result(db_session, world):
    coach, trainer = world["coaches"][0], world["trainer"]
    attempt = _passed_attempt(db_session, coach, world["quiz"])
    db_session.commit()
    [first] = statements(db_session, v.VERB_PASSED)
    # Two regrades after the first result: each is a ``scored`` statement of the attempt.
    for fraction in (0.0, 0.5):
        quiz_service.grade_manually(
            db_session, attempt.slots[0], grader=trainer, fraction=fraction, xapi=XAPI
        )
    db_session.commit()
    *_, latest = statements(db_session, v.VERB_SCORED)
    assert latest["result"]["score"]["raw"] == 3.5 and latest["id"] != first["id"]
    service.decide(
        db_session,
        coach=coach,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
        attempt=attempt,
    )
    db_session.commit()
    [decision] = statements(db_session, v.VERB_MASTERED)
    assert decision["context"]["statement"] == {"objectType": "StatementRef", "id": latest["id"]}


def test_completed_passed_and_failed_carry_the_coachs_finish_time(db_session, world):
    """Defect 6: an attempt's ``completed`` and result statements say when the coach finished
    (with the time they spent), never when a trainer graded it; the grading is ``scored``."""
    trainer = world["trainer"]
    essay_quiz = factories.make_quiz(
        db_session,
        code="T5",
        skills=("T5-S1",),
        questions=[
            factories.question("T5-Q01", skills=["T5-S1"]),
            factories.question("T5-Q02", "essay", skills=["T5-S1"]),
        ],
    )
    db_session.commit()
    started = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    finished, graded = started + timedelta(minutes=20), started + timedelta(days=2)
    attempts = {}
    for coach, quiz, answers in (
        (world["coaches"][0], essay_quiz, ("a", "Brief the host tutor first.")),
        (world["coaches"][1], world["quiz"], ("b", "b", "b", "b")),
    ):
        attempt = quiz_service.start(db_session, user=coach, quiz=quiz, xapi=XAPI, now=started)
        for position, raw in enumerate(answers, start=1):
            at = started + timedelta(minutes=5 * position)
            quiz_service.save_answer(db_session, attempt, position, raw, now=at)
        quiz_service.submit(db_session, attempt, xapi=XAPI, now=finished)
        attempts[coach.email] = attempt
    essay = attempts[world["coaches"][0].email]
    quiz_service.grade_manually(
        db_session, essay.slots[1], grader=trainer, fraction=1.0, xapi=XAPI, now=graded
    )
    db_session.commit()
    finish, later = xs.format_timestamp(finished), xs.format_timestamp(graded)
    for verb in (v.VERB_COMPLETED, v.VERB_PASSED, v.VERB_FAILED):
        for statement in statements(db_session, verb):
            assert statement["timestamp"] == finish, verb
            assert statement["result"]["duration"] == "PT20M", verb
    verbs = {row.verb for row in db_session.scalars(select(Statement))}
    assert {v.VERB_COMPLETED, v.VERB_PASSED, v.VERB_FAILED} <= verbs
    [scored] = statements(db_session, v.VERB_SCORED)
    assert scored["timestamp"] == later
    assert scored["context"]["instructor"]["account"]["name"] == trainer.xapi_account
