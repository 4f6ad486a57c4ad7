"""Attempts, their frozen questions, every answer as given, grades and skill scores."""

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import Base
from lms.timeutil import UTCDateTime, utcnow

OPEN, NEEDS_GRADING, GRADED = "open", "needs_grading", "graded"
# The key of an attempt's frozen settings that marks it as practice.
PRACTICE_SETTING = "practice"


class Registration(Base):
    """One coach's enrolment in one module: the xAPI ``context.registration`` of their events."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("user_id", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_code: Mapped[str] = mapped_column(String(10))
    registration_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        CheckConstraint("state IN ('open', 'needs_grading', 'graded')", name="state"),
        CheckConstraint("(state = 'open') = (submitted_at IS NULL)", name="submitted_iff_not_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    module_code: Mapped[str] = mapped_column(String(10), index=True)
    number: Mapped[int] = mapped_column(Integer)
    registration: Mapped[uuid.UUID] = mapped_column(Uuid)
    state: Mapped[str] = mapped_column(String(16), default=OPEN)
    settings: Mapped[dict] = mapped_column(JSON)  # the quiz settings frozen at start
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    autosubmitted: Mapped[bool] = mapped_column(default=False)
    live_session_id: Mapped[int | None] = mapped_column(Integer, index=True)
    marks: Mapped[float | None] = mapped_column(Float)
    max_marks: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)  # marks / max_marks in [0, 1]
    passed: Mapped[bool | None]
    proposed_status: Mapped[str | None] = mapped_column(String(24))
    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    # When the retention period deleted the answers, essays and comments (the scores stay).
    answers_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slots: Mapped[list["AttemptSlot"]] = relationship(
        back_populates="attempt", order_by="AttemptSlot.position", cascade="all, delete-orphan"
    )
    skill_scores: Mapped[list["SkillScore"]] = relationship(
        cascade="all, delete-orphan", order_by="SkillScore.skill_id"
    )

    @property
    def is_open(self) -> bool:
        return self.state == OPEN

    @property
    def practice(self) -> bool:
        """Taken as practice (a practice live session): its result never counts for the unit."""
        return bool(self.settings.get(PRACTICE_SETTING))


class AttemptSlot(Base):
    """A question of an attempt: its frozen version, its position and option order."""

    __tablename__ = "attempt_slots"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    option_order: Mapped[list | None] = mapped_column(JSON)
    max_mark: Mapped[float] = mapped_column(Float, default=1.0)
    flagged: Mapped[bool] = mapped_column(default=False)

    attempt: Mapped[Attempt] = relationship(back_populates="slots")
    question_version = relationship("QuestionVersion")
    answers: Mapped[list["Answer"]] = relationship(
        order_by="Answer.id", cascade="all, delete-orphan"
    )
    grades: Mapped[list["Grade"]] = relationship(order_by="Grade.id", cascade="all, delete-orphan")

    @property
    def answer(self) -> "Answer | None":
        return self.answers[-1] if self.answers else None

    @property
    def grade(self) -> "Grade | None":
        return self.grades[-1] if self.grades else None


class Answer(Base):
    """A response exactly as the coach gave it; never updated, the latest one counts."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("attempt_slots.id", ondelete="CASCADE"), index=True
    )
    raw: Mapped[object | None] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Grade(Base):
    """The grading of a slot: automatic, or by a trainer with a rubric; regrades add rows."""

    __tablename__ = "grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("attempt_slots.id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"))
    fraction: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16))
    feedback: Mapped[list] = mapped_column(JSON, default=list)
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rubric: Mapped[dict | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SkillScore(Base):
    """Earned and maximum marks of an attempt on one skill (recomputed on each grading)."""

    __tablename__ = "skill_scores"
    __table_args__ = (UniqueConstraint("attempt_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    skill_id: Mapped[str] = mapped_column(String(16), index=True)
    earned: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)
