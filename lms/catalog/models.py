"""Framework, modules, quizzes, and versioned lessons and questions, as loaded from the files."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import Base
from lms.timeutil import UTCDateTime, utcnow

SKILL_KINDS = ("knowledge", "know-how", "attitude")

# Language maps ({"fr": ..., "en": ...}) and the structured parts of a module are JSON: they are
# read whole, never queried into.


class Competence(Base):
    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    title: Mapped[dict] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    units: Mapped[list["Unit"]] = relationship(
        back_populates="competence", order_by="Unit.position"
    )


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id"), index=True)
    title: Mapped[dict] = mapped_column(JSON)
    activities: Mapped[list] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    competence: Mapped[Competence] = relationship(back_populates="units")
    skills: Mapped[list["Skill"]] = relationship(back_populates="unit", order_by="Skill.position")


class Skill(Base):
    """A skill of the framework; ``code`` (e.g. ``C4.2-S1``) is stable forever."""

    __tablename__ = "skills"
    __table_args__ = (
        CheckConstraint("kind IN ('knowledge', 'know-how', 'attitude')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit] = relationship(back_populates="skills")


class Module(Base):
    """The module teaching a unit; updated in place (lessons and questions carry the versions)."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[dict] = mapped_column(JSON)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    delivery_modes: Mapped[list] = mapped_column(JSON)
    webinar_url: Mapped[str] = mapped_column(String(500), default="")
    objectives: Mapped[list] = mapped_column(JSON)
    validation: Mapped[dict] = mapped_column(JSON)
    mastery: Mapped[dict] = mapped_column(JSON)  # {"overall": x, "per_skill": y}
    trainer_notes: Mapped[dict] = mapped_column(JSON)
    resources: Mapped[list] = mapped_column(JSON)
    # [{slug, title, source: {fr, en}, lessons}]: the downloadable documents, Markdown with the
    # running case filled in; PDFs are made from it on request.
    documents: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="module", order_by="Lesson.position"
    )
    quiz: Mapped["Quiz | None"] = relationship(back_populates="module", uselist=False)


class Lesson(Base):
    """A lesson of a module; its text lives in versions, ``current_version`` is the one shown."""

    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("module_id", "slug"),
        CheckConstraint("current_version >= 1", name="current_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)

    module: Mapped[Module] = relationship(back_populates="lessons")
    versions: Mapped[list["LessonVersion"]] = relationship(
        back_populates="lesson", order_by="LessonVersion.number"
    )
    current: Mapped["LessonVersion"] = relationship(
        primaryjoin="and_(Lesson.id == foreign(LessonVersion.lesson_id), "
        "Lesson.current_version == foreign(LessonVersion.number))",
        viewonly=True,
        uselist=False,
    )


class LessonVersion(Base):
    """One frozen state of a lesson: Markdown as written and the sanitised HTML shown."""

    __tablename__ = "lesson_versions"
    __table_args__ = (
        UniqueConstraint("lesson_id", "number"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON)
    minutes: Mapped[int] = mapped_column(Integer)
    source_fr: Mapped[str] = mapped_column(Text)
    source_en: Mapped[str] = mapped_column(Text)
    html_fr: Mapped[str] = mapped_column(Text)
    html_en: Mapped[str] = mapped_column(Text)
    words_fr: Mapped[int] = mapped_column(Integer)
    words_en: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="versions")

    def html(self, language: str) -> str:
        """The sanitised HTML in ``language`` (French unless ``en``)."""
        return self.html_en if language == "en" else self.html_fr

    def source(self, language: str) -> str:
        return self.source_en if language == "en" else self.source_fr


class Quiz(Base):
    """The quiz of a module: title and settings (an attempt freezes the settings it starts with)."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), unique=True)
    module_code: Mapped[str] = mapped_column(String(10), unique=True)
    title: Mapped[dict] = mapped_column(JSON)
    settings: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship(back_populates="quiz")


class Question(Base):
    """A question of a module's bank; ``code`` (e.g. ``C4.2-Q01``) is stable forever."""

    __tablename__ = "questions"
    __table_args__ = (CheckConstraint("current_version >= 1", name="current_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    module_code: Mapped[str] = mapped_column(String(10), index=True)
    type: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)

    module: Mapped[Module] = relationship()
    versions: Mapped[list["QuestionVersion"]] = relationship(
        back_populates="question", order_by="QuestionVersion.number"
    )
    current: Mapped["QuestionVersion"] = relationship(
        primaryjoin="and_(Question.id == foreign(QuestionVersion.question_id), "
        "Question.current_version == foreign(QuestionVersion.number))",
        viewonly=True,
        uselist=False,
    )


class QuestionVersion(Base):
    """One frozen definition of a question; attempts point at the version they were given."""

    __tablename__ = "question_versions"
    __table_args__ = (
        UniqueConstraint("question_id", "number"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="versions")

    @property
    def code(self) -> str:
        return self.question.code

    @property
    def skills(self) -> list[str]:
        return list(self.definition.get("skills", []))
