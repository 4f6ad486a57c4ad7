"""Read-only catalog queries: the framework, modules, current lessons and questions, quizzes."""

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, selectinload

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


def competences(session: Session) -> list[Competence]:
    """Active competences in framework order, with their units and skills loaded."""
    query = (
        select(Competence)
        .where(Competence.active)
        .order_by(Competence.position)
        .options(selectinload(Competence.units).selectinload(Unit.skills))
    )
    return list(session.scalars(query))


def skills_by_code(session: Session) -> dict[str, Skill]:
    return {skill.code: skill for skill in session.scalars(select(Skill).where(Skill.active))}


def unit_skill_ids(session: Session, unit_code: str) -> list[str]:
    """Codes of the active skills of a unit (a module's code is its unit's), in order."""
    query = (
        select(Skill.code)
        .join(Unit, Skill.unit_id == Unit.id)
        .where(Unit.code == unit_code, Skill.active)
        .order_by(Skill.position)
    )
    return list(session.scalars(query))


def modules(session: Session) -> list[Module]:
    """Active modules in framework order."""
    return list(session.scalars(select(Module).where(Module.active).order_by(Module.position)))


def module_by_code(session: Session, code: str) -> Module | None:
    return session.scalar(select(Module).where(Module.code == code))


def lessons(session: Session, module_code: str) -> list[tuple[Lesson, LessonVersion]]:
    """The active lessons of a module in reading order, each with its current version."""
    query = (
        select(Lesson, LessonVersion)
        .join(Module, Lesson.module_id == Module.id)
        .join(
            LessonVersion,
            and_(
                LessonVersion.lesson_id == Lesson.id,
                LessonVersion.number == Lesson.current_version,
            ),
        )
        .where(Module.code == module_code, Lesson.active)
        .order_by(Lesson.position)
    )
    return [(lesson, version) for lesson, version in session.execute(query)]


def quiz_by_id(session: Session, quiz_id: int) -> Quiz | None:
    return session.get(Quiz, quiz_id)


def quiz_for_module(session: Session, module_code: str) -> Quiz | None:
    return session.scalar(select(Quiz).where(Quiz.module_code == module_code))


def current_question_versions(session: Session, module_code: str) -> list[QuestionVersion]:
    """The current version of each active question of a module's bank, in bank order."""
    query = (
        select(QuestionVersion)
        .join(
            Question,
            and_(
                QuestionVersion.question_id == Question.id,
                QuestionVersion.number == Question.current_version,
            ),
        )
        .where(Question.module_code == module_code, Question.active)
        .order_by(Question.position)
        .options(selectinload(QuestionVersion.question))
    )
    return list(session.scalars(query))
