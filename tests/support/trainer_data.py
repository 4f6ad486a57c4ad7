"""Builders of trainer-side test data: graded attempts, statements and decisions, row by row."""

import uuid
from datetime import timedelta

from lms.competence.models import Decision
from lms.quiz.models import GRADED, Attempt, Registration
from lms.timeutil import utcnow
from lms.xapi import outbox
from lms.xapi import statements as xs
from tests.support import factories

XAPI = xs.XapiConfig(base_iri="https://lms.example.org/xapi")

LEVELS = [
    {"id": "insufficient", "points": 0, "label": {"fr": "Insuffisant", "en": "Insufficient"}},
    {"id": "partial", "points": 1, "label": {"fr": "Partiel", "en": "Partial"}},
    {"id": "mastered", "points": 2, "label": {"fr": "Maîtrisé", "en": "Mastered"}},
    {"id": "expert", "points": 3, "label": {"fr": "Expert", "en": "Expert"}},
]


def grid(code: str) -> dict:
    return {
        "criteria": [
            {
                "id": "accuracy",
                "label": {"fr": "Exactitude", "en": "Accuracy"},
                "skills": [f"{code}-S1"],
            },
            {
                "id": "support",
                "label": {"fr": "Accompagnement", "en": "Support"},
                "skills": [f"{code}-S2"],
            },
        ],
        "levels": LEVELS,
    }


def rule(code: str, *modalities: str, auto: bool = False) -> dict:
    return {
        "modalities": list(modalities or ("quiz", "observation")),
        "auto_validate_by_quiz": auto,
        "description": {"fr": "Règle", "en": "Rule"},
        "evaluation_grid": grid(code),
    }


def make_units(session, codes=("T1", "T2")) -> dict:
    """A module, unit and quiz per code (an essay last in each bank)."""
    quizzes = {}
    for code in codes:
        skills = (f"{code}-S1", f"{code}-S2")
        questions = [
            factories.question(f"{code}-Q0{n}", skills=[skills[n % 2]]) for n in range(1, 4)
        ] + [factories.question(f"{code}-Q04", "essay", skills=list(skills))]
        quizzes[code] = factories.make_quiz(
            session,
            code=code,
            skills=skills,
            questions=questions,
            validation=rule(code, "quiz", "observation"),
        )
    return quizzes


def add_progress(session, coach, quiz, *, score: float = 0.8, validated_by=None, days_ago=1):
    """A graded attempt, its registration, a launched statement and optionally a decision."""
    moment = utcnow() - timedelta(days=days_ago)
    registration = Registration(user_id=coach.id, module_code=quiz.module_code)
    session.add(registration)
    session.flush()
    session.add(
        Attempt(
            user_id=coach.id,
            quiz_id=quiz.id,
            module_code=quiz.module_code,
            number=1,
            registration=registration.registration_uuid,
            state=GRADED,
            settings=quiz.settings,
            started_at=moment,
            submitted_at=moment,
            marks=score * 4,
            max_marks=4.0,
            score=score,
            passed=score >= 0.7,
            proposed_status="evidence_sufficient" if score >= 0.7 else "not_yet_sufficient",
        )
    )
    outbox.record(
        session,
        xs.module_launched(
            XAPI,
            statement_id=uuid.uuid4(),
            timestamp=moment,
            actor=xs.Actor(email=coach.email, name=coach.display_name),
            module=xs.ModuleRef(code=quiz.module_code, title={"fr": "M", "en": "M"}),
            registration=registration.registration_uuid,
        ),
        user_id=coach.id,
    )
    if validated_by is not None:
        session.add(
            Decision(
                coach_id=coach.id,
                unit_code=quiz.module_code,
                modality="observation",
                decision="validated",
                decided_by_id=validated_by.id,
                decided_at=moment,
                statement_id=uuid.uuid4(),
            )
        )
    session.flush()


def populate(session, cohort, quizzes: dict, count: int, trainer) -> list:
    """``count`` coaches in ``cohort``, each with the same kind of progress in every unit."""
    coaches = []
    for number in range(count):
        coach = factories.make_user(session, display_name=f"Coach {number:04d}")
        cohort.coaches.append(coach)
        for index, quiz in enumerate(quizzes.values()):
            add_progress(
                session,
                coach,
                quiz,
                score=0.5 + 0.1 * (number % 5),
                validated_by=trainer if index == 0 and number % 3 == 0 else None,
            )
        coaches.append(coach)
    session.flush()
    return coaches


def access_world(session, demo_cohort, upload_dir) -> dict:
    """URL values of the trainer routes for the route × role matrix: a unit with its quiz, an
    essay waiting for grading and a decision with an attachment, all for a coach of the cohort."""
    from lms.competence import evidence, service
    from lms.quiz import service as quiz_service

    coach, trainer = demo_cohort["coaches"][1], demo_cohort["trainer"]
    quiz = make_units(session, codes=("T1",))["T1"]
    attempt = quiz_service.start(session, user=coach, quiz=quiz, xapi=XAPI)
    quiz_service.save_answer(session, attempt, 4, "My essay")
    quiz_service.submit(session, attempt, xapi=XAPI)
    stored = evidence.store(upload_dir, "observation.pdf", b"%PDF-1.7\n%%EOF\n")
    decision = service.decide(
        session,
        coach=coach,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
        attachment=stored,
    )
    session.commit()
    return {
        "slot_id": attempt.slots[3].id,
        "decision_id": decision.id,
        "unit_code": "T1",
        "quiz_id": quiz.id,
    }
