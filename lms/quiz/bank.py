"""What the quiz engine reads from the catalogue: quizzes, modules and current question versions."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.catalog.models import Module, Question, QuestionVersion, Quiz, Skill, Unit


def quiz_by_id(session: Session, quiz_id: int) -> Quiz:
    return session.get_one(Quiz, quiz_id)


def quiz_for_module(session: Session, module_code: str) -> Quiz | None:
    return session.scalar(select(Quiz).where(Quiz.module_code == module_code))


def module_by_code(session: Session, code: str) -> Module:
    return session.scalars(select(Module).where(Module.code == code)).one()


def current_question_versions(session: Session, module_code: str) -> list[QuestionVersion]:
    """The bank as it is now: active questions at their current version, in file order."""
    return list(
        session.scalars(
            select(QuestionVersion)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(
                Question.module_code == module_code,
                Question.active.is_(True),
                QuestionVersion.number == Question.current_version,
            )
            .order_by(Question.position)
        )
    )


def unit_skill_ids(session: Session, unit_code: str) -> list[str]:
    return list(
        session.scalars(
            select(Skill.code)
            .join(Unit, Unit.id == Skill.unit_id)
            .where(Unit.code == unit_code, Skill.active.is_(True))
            .order_by(Skill.position)
        )
    )
