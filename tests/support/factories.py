"""Test data builders: ``make_<thing>(session, **overrides)``, each flushing but not committing."""

import itertools

from argon2 import PasswordHasher

from lms.auth import service
from lms.auth.models import Cohort, User

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)
# Cheap parameters keep the suite fast; the production hasher is tested in test_auth_service.
_fast_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)


def make_user(session, *, role: str = "coach", **overrides) -> User:
    number = next(_counter)
    values = {
        "email": f"{role}{number}@example.org",
        "display_name": f"{role.title()} {number}",
        "role": role,
        "language": "fr",
    }
    values.update(overrides)
    user = service.create_user(session, **values)
    user.password_hash = _fast_hash
    session.flush()
    return user


def make_cohort(session, *, name: str | None = None, trainers=(), coaches=()) -> Cohort:
    cohort = service.create_cohort(session, name or f"Cohort {next(_counter)}")
    for trainer in trainers:
        service.assign_trainer(cohort, trainer)
    for coach in coaches:
        service.enrol_coach(cohort, coach)
    session.flush()
    return cohort


def question(code: str, qtype: str = "single_choice", skills=("T1-S1",), **fields) -> dict:
    """A question definition in the content format, with sensible defaults per type."""
    text = {"fr": f"Question {code}", "en": f"Question {code}"}
    definition = {
        "id": code,
        "type": qtype,
        "skills": list(skills),
        "source": "test",
        "text": text,
        "feedback": {"fr": "Parce que.", "en": "Because."},
    }
    defaults = {
        "single_choice": {
            "options": [
                {"id": "a", "text": {"fr": "A", "en": "A"}, "fraction": 1},
                {"id": "b", "text": {"fr": "B", "en": "B"}, "fraction": 0},
            ]
        },
        "true_false": {"answer": True},
        "numerical": {"answers": [{"value": 12, "tolerance": 0, "fraction": 1}]},
        "essay": {"grader_info": {"fr": "Critères", "en": "Criteria"}},
        "ordering": {
            "scoring": "partial",
            "items": [{"id": f"i{n}", "text": {"fr": f"É{n}", "en": f"S{n}"}} for n in range(1, 4)],
        },
        "matching": {
            "pairs": [
                {
                    "id": f"p{n}",
                    "left": {"fr": f"G{n}", "en": f"L{n}"},
                    "right": {"fr": f"D{n}", "en": f"R{n}"},
                }
                for n in range(1, 4)
            ]
        },
    }
    definition.update(defaults.get(qtype, {}))
    definition.update(fields)
    return definition


def make_quiz(
    session,
    *,
    code: str = "T1",
    questions=None,
    skills=("T1-S1", "T1-S2"),
    mastery=None,
    validation=None,
    **settings,
):
    """A module with its unit, skills and quiz, built directly (no content files)."""
    from lms.catalog.models import Competence, Module, Question, QuestionVersion, Quiz, Skill, Unit

    label = {"fr": code, "en": code}
    competence = Competence(code=f"K{code}", title=label, position=1)
    unit = Unit(code=code, competence=competence, title=label, activities=[], position=1)
    for position, skill in enumerate(skills, start=1):
        unit.skills.append(
            Skill(code=skill, kind="knowledge", label=label, description=label, position=position)
        )
    module = Module(
        code=code,
        unit=unit,
        title=label,
        summary=label,
        duration_minutes=60,
        delivery_modes=["asynchronous"],
        objectives=[],
        trainer_notes=label,
        resources=[],
        validation=validation
        or {
            "modalities": ["quiz"],
            "auto_validate_by_quiz": False,
            "description": label,
            "evaluation_grid": {},
        },
        mastery=mastery or {"overall": 0.7, "per_skill": 0.5},
        position=1,
        content_hash="x",
    )
    quiz_settings = {
        "attempts_allowed": 3,
        "grading_method": "highest",
        "time_limit_minutes": 0,
        "pass_mark": 0.7,
        "shuffle_questions": False,
        "shuffle_options": False,
        "feedback_timing": "after_submission",
        "questions_per_attempt": 0,
        "layout": "one_per_page",
    }
    quiz_settings.update(settings)
    quiz = Quiz(
        module=module, module_code=code, title=label, settings=quiz_settings, content_hash="x"
    )
    session.add_all([competence, unit, module, quiz])
    if questions is None:
        questions = [
            question(f"{code}-Q0{n}", skills=[skills[n % len(skills)]]) for n in range(1, 5)
        ]
    for position, definition in enumerate(questions, start=1):
        row = Question(
            code=definition["id"],
            module=module,
            module_code=code,
            type=definition["type"],
            position=position,
        )
        row.versions.append(
            QuestionVersion(
                number=1, type=definition["type"], definition=definition, content_hash=str(position)
            )
        )
        session.add(row)
    session.flush()
    return quiz
