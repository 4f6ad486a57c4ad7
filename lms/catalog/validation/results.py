"""What validation returns: located errors and the content read, as frozen dataclasses."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ContentError:
    """One problem, located in a file relative to the content root."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class LangText:
    """A text in both languages."""

    fr: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.fr

    def as_dict(self) -> dict[str, str]:
        return {"fr": self.fr, "en": self.en}


EMPTY_TEXT = LangText("", "")


@dataclass(frozen=True)
class Skill:
    id: str
    unit: str
    kind: str
    label: LangText
    description: LangText
    position: int


@dataclass(frozen=True)
class Unit:
    id: str
    competence: str
    title: LangText
    activities: tuple[LangText, ...]
    skills: tuple[Skill, ...]
    position: int


@dataclass(frozen=True)
class Competence:
    id: str
    title: LangText
    units: tuple[str, ...]
    position: int


@dataclass(frozen=True)
class Framework:
    id: str
    version: str
    title: LangText
    description: LangText
    competences: tuple[Competence, ...]
    units: tuple[Unit, ...]

    @property
    def skills(self) -> tuple[Skill, ...]:
        return tuple(skill for unit in self.units for skill in unit.skills)

    def unit(self, unit_id: str) -> Unit | None:
        return next((unit for unit in self.units if unit.id == unit_id), None)


@dataclass(frozen=True)
class Objective:
    text: LangText
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Criterion:
    id: str
    label: LangText
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Level:
    id: str
    points: int
    label: LangText


@dataclass(frozen=True)
class EvaluationGrid:
    criteria: tuple[Criterion, ...]
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Validation:
    modalities: tuple[str, ...]
    auto_validate_by_quiz: bool
    description: LangText
    evaluation_grid: EvaluationGrid


@dataclass(frozen=True)
class Mastery:
    overall: float
    per_skill: float


@dataclass(frozen=True)
class Resource:
    title: LangText
    url: str


@dataclass(frozen=True)
class Lesson:
    """A lesson: its Markdown in both languages, the sanitised HTML and a hash of its content."""

    module: str
    slug: str
    title: LangText
    minutes: int
    position: int
    source: LangText
    html: LangText
    words_fr: int
    words_en: int
    content_hash: str

    def words(self, language: str) -> int:
        return self.words_en if language == "en" else self.words_fr


@dataclass(frozen=True)
class Document:
    """A downloadable document a module offers: its Markdown (case filled in) in both languages.

    ``lessons`` are the module's lessons that walk through it; the title is its first heading."""

    slug: str
    title: LangText
    source: LangText
    lessons: tuple[str, ...]


@dataclass(frozen=True)
class Module:
    code: str
    title: LangText
    summary: LangText
    duration_minutes: int
    delivery_modes: tuple[str, ...]
    webinar_url: str
    objectives: tuple[Objective, ...]
    validation: Validation
    mastery: Mastery
    trainer_notes: LangText
    resources: tuple[Resource, ...]
    lessons: tuple[Lesson, ...]
    content_hash: str
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class QuizSettings:
    attempts_allowed: int = 0
    grading_method: str = "highest"
    time_limit_minutes: int = 0
    pass_mark: float = 0.7
    shuffle_questions: bool = True
    shuffle_options: bool = True
    feedback_timing: str = "after_submission"
    questions_per_attempt: int = 0
    layout: str = "one_per_page"

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Question:
    """A question as written in its bank; ``definition`` is a fresh plain dict on every access."""

    id: str
    type: str
    module: str
    skills: tuple[str, ...]
    position: int
    canonical_json: str
    content_hash: str
    reused_from: str | None = None  # the question of another bank this entry refers to

    @property
    def definition(self) -> dict[str, Any]:
        return json.loads(self.canonical_json)


@dataclass(frozen=True)
class Quiz:
    module: str
    title: LangText
    settings: QuizSettings
    questions: tuple[Question, ...]
    content_hash: str


@dataclass(frozen=True)
class Content:
    """Everything the files describe, read-only, for the database loader."""

    framework: Framework
    modules: tuple[Module, ...]
    quizzes: tuple[Quiz, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for quiz in self.quizzes for question in quiz.questions)

    def module(self, code: str) -> Module | None:
        return next((module for module in self.modules if module.code == code), None)

    def quiz(self, code: str) -> Quiz | None:
        return next((quiz for quiz in self.quizzes if quiz.module == code), None)


@dataclass(frozen=True)
class NearDuplicate:
    """Two questions whose stems read almost the same (``ratio`` in [0, 1])."""

    question: str
    other: str
    ratio: float

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "other": self.other, "ratio": self.ratio}


@dataclass(frozen=True)
class BankCues:
    """The answer-cue figures of one question bank."""

    module: str
    single_choice: int
    key_only_longest: int
    true_false: int
    answer_true: int
    near_duplicates: tuple[NearDuplicate, ...]

    @property
    def key_only_longest_share(self) -> float | None:
        return self.key_only_longest / self.single_choice if self.single_choice else None

    @property
    def true_share(self) -> float | None:
        return self.answer_true / self.true_false if self.true_false else None

    def as_dict(self) -> dict[str, Any]:
        share, true_share = self.key_only_longest_share, self.true_share
        return {
            "module": self.module,
            "single_choice": self.single_choice,
            "key_only_longest": self.key_only_longest,
            "key_only_longest_share": None if share is None else round(share, 3),
            "true_false": self.true_false,
            "answer_true": self.answer_true,
            "true_share": None if true_share is None else round(true_share, 3),
            "near_duplicates": [pair.as_dict() for pair in self.near_duplicates],
        }


@dataclass
class Report:
    """The outcome of :func:`validate_tree`: all errors, and the content as far as it was read.

    ``warnings`` are the cue rules not yet enforced (``CUE_RULES_AS_WARNINGS``); ``cues`` the
    figures of each bank."""

    errors: list[ContentError]
    content: Content
    warnings: list[ContentError] = field(default_factory=list)
    cues: tuple[BankCues, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def canonical_json(value: Any) -> str:
    """One JSON text per value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
