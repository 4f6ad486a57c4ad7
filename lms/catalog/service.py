"""Load validated content into the database, versioned, and import questions (GIFT).

Services flush and never commit: the caller commits once, so a load is one transaction.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.catalog import validation as v
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
from lms.timeutil import utcnow

KINDS = ("competences", "units", "skills", "modules", "lessons", "quizzes", "questions")


class ContentInvalid(ValueError):
    """The content has errors: nothing was written."""

    def __init__(self, errors: list[v.ContentError]) -> None:
        super().__init__(f"{len(errors)} content error(s); nothing was loaded")
        self.errors = errors


@dataclass
class Counts:
    created: int = 0
    updated: int = 0  # changed in place (framework, modules, quizzes, positions)
    new_versions: int = 0  # a lesson or question whose text changed
    retired: int = 0  # no longer in the files; kept, marked inactive
    unchanged: int = 0


@dataclass
class LoadSummary:
    """What a load or an import did, per kind of object."""

    counts: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in KINDS})

    @property
    def changed(self) -> bool:
        return any(
            c.created or c.updated or c.new_versions or c.retired for c in self.counts.values()
        )

    def lines(self) -> list[str]:
        out = []
        for kind, c in self.counts.items():
            parts = [
                f"{getattr(c, name)} {name.replace('_', ' ')}"
                for name in ("created", "updated", "new_versions", "retired", "unchanged")
                if getattr(c, name)
            ]
            if parts:
                out.append(f"{kind}: {', '.join(parts)}")
        return out


def _json(value: Any) -> Any:
    """Plain JSON data (dicts and lists) for a content dataclass or tuple."""

    def default(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return dataclasses.asdict(item)
        raise TypeError(f"not JSON data: {type(item).__name__}")

    return json.loads(json.dumps(value, default=default))


def _apply(row: Any, values: Mapping[str, Any]) -> bool:
    """Set the attributes that differ; True when something changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _sync(
    session: Session,
    counts: Counts,
    existing: dict[str, Any],
    code: str,
    make: type,
    values: Mapping[str, Any],
) -> tuple[Any, bool]:
    """Create or update the row with ``code``; count it; True when it was changed in place."""
    row = existing.get(code)
    if row is None:
        row = make(code=code, **values)
        session.add(row)
        existing[code] = row
        counts.created += 1
        return row, False
    if _apply(row, values):
        counts.updated += 1
        return row, True
    counts.unchanged += 1
    return row, False


def _retire(rows: Iterable[Any], keep: set[str], counts: Counts, key: str = "code") -> None:
    for row in rows:
        if getattr(row, key) not in keep and row.active:
            row.active = False
            counts.retired += 1


def load_content(session: Session, report: v.Report) -> LoadSummary:
    """Write validated content: unchanged files change nothing, edits become new versions.

    Raises :class:`ContentInvalid` before writing anything when the report has errors.
    """
    if not report.ok:
        raise ContentInvalid(report.errors)
    summary = LoadSummary()
    units = _load_framework(session, report.content.framework, summary.counts)
    modules = _load_modules(session, report.content.modules, units, summary.counts)
    _load_quizzes(session, report.content.quizzes, modules, summary.counts["quizzes"])
    questions = {row.code: row for row in session.scalars(select(Question))}
    counts = summary.counts["questions"]
    for question in report.content.questions:
        _sync_question(session, questions, modules[question.module], question, counts)
    _retire(questions.values(), {q.id for q in report.content.questions}, counts)
    session.flush()
    return summary


def preview_load(session: Session, report: v.Report) -> LoadSummary:
    """What :func:`load_content` would change: the same load, in a savepoint rolled back."""
    savepoint = session.begin_nested()
    try:
        return load_content(session, report)
    finally:
        savepoint.rollback()


def _load_framework(
    session: Session, framework: v.Framework, counts: dict[str, Counts]
) -> dict[str, Unit]:
    competences = {row.code: row for row in session.scalars(select(Competence))}
    for competence in framework.competences:
        values = {
            "title": competence.title.as_dict(),
            "position": competence.position,
            "active": True,
        }
        _sync(session, counts["competences"], competences, competence.id, Competence, values)
    _retire(competences.values(), {c.id for c in framework.competences}, counts["competences"])
    session.flush()

    competence_of = {unit: c.id for c in framework.competences for unit in c.units}
    units = {row.code: row for row in session.scalars(select(Unit))}
    skills = {row.code: row for row in session.scalars(select(Skill))}
    for unit in framework.units:
        values = {
            "competence_id": competences[competence_of[unit.id]].id,
            "title": unit.title.as_dict(),
            "activities": [text.as_dict() for text in unit.activities],
            "position": unit.position,
            "active": True,
        }
        row, _ = _sync(session, counts["units"], units, unit.id, Unit, values)
        session.flush()
        for skill in unit.skills:
            values = {
                "unit_id": row.id,
                "kind": skill.kind,
                "label": skill.label.as_dict(),
                "description": skill.description.as_dict(),
                "position": skill.position,
                "active": True,
            }
            _sync(session, counts["skills"], skills, skill.id, Skill, values)
    _retire(units.values(), {u.id for u in framework.units}, counts["units"])
    _retire(skills.values(), {s.id for s in framework.skills}, counts["skills"])
    session.flush()
    return units


def _load_modules(
    session: Session,
    modules_read: Iterable[v.Module],
    units: Mapping[str, Unit],
    counts: dict[str, Counts],
) -> dict[str, Module]:
    modules = {row.code: row for row in session.scalars(select(Module))}
    codes = set()
    for position, module in enumerate(modules_read):
        codes.add(module.code)
        values = {
            "unit_id": units[module.code].id,
            "title": module.title.as_dict(),
            "summary": module.summary.as_dict(),
            "duration_minutes": module.duration_minutes,
            "delivery_modes": list(module.delivery_modes),
            "webinar_url": module.webinar_url,
            "objectives": _json(module.objectives),
            "validation": _json(module.validation),
            "mastery": _json(module.mastery),
            "trainer_notes": module.trainer_notes.as_dict(),
            "resources": _json(module.resources),
            "documents": _json(module.documents),
            "position": position,
            "active": True,
            "content_hash": module.content_hash,
        }
        row, changed = _sync(session, counts["modules"], modules, module.code, Module, values)
        if changed:
            row.updated_at = utcnow()
        session.flush()
        _sync_lessons(session, row, module.lessons, counts["lessons"])
    _retire(modules.values(), codes, counts["modules"])
    return modules


def _load_quizzes(
    session: Session, quizzes_read: Iterable[v.Quiz], modules: Mapping[str, Module], counts: Counts
) -> None:
    quizzes = {row.module_code: row for row in session.scalars(select(Quiz))}
    for quiz in quizzes_read:
        row = quizzes.get(quiz.module)
        values = {
            "module_id": modules[quiz.module].id,
            "title": quiz.title.as_dict(),
            "settings": quiz.settings.as_dict(),
            "content_hash": quiz.content_hash,
        }
        if row is None:
            session.add(Quiz(module_code=quiz.module, **values))
            counts.created += 1
        elif _apply(row, values):
            row.updated_at = utcnow()
            counts.updated += 1
        else:
            counts.unchanged += 1


def _sync_lessons(session: Session, module: Module, lessons: Iterable[v.Lesson], counts: Counts):
    existing = {
        row.slug: row
        for row in session.scalars(select(Lesson).where(Lesson.module_id == module.id))
    }
    seen = set()
    for lesson in lessons:
        seen.add(lesson.slug)
        version_values = {
            "title": lesson.title.as_dict(),
            "minutes": lesson.minutes,
            "source_fr": lesson.source.fr,
            "source_en": lesson.source.en,
            "html_fr": lesson.html.fr,
            "html_en": lesson.html.en,
            "words_fr": lesson.words_fr,
            "words_en": lesson.words_en,
            "content_hash": lesson.content_hash,
        }
        row = existing.get(lesson.slug)
        if row is None:
            row = Lesson(module_id=module.id, slug=lesson.slug, position=lesson.position)
            row.current_version = 1
            session.add(row)
            session.flush()
            session.add(LessonVersion(lesson_id=row.id, number=1, **version_values))
            counts.created += 1
            continue
        moved = _apply(row, {"position": lesson.position, "active": True})
        if _new_version(
            session, row, LessonVersion, "lesson_id", lesson.content_hash, version_values
        ):
            counts.new_versions += 1
        elif moved:
            counts.updated += 1
        else:
            counts.unchanged += 1
    _retire(existing.values(), seen, counts, key="slug")


def _new_version(
    session: Session,
    row: Lesson | Question,
    version_model: type,
    parent_key: str,
    content_hash: str,
    values: Mapping[str, Any],
) -> bool:
    """Add a version when the current one has another hash; old versions stay untouched."""
    current = session.scalar(
        select(version_model).where(
            getattr(version_model, parent_key) == row.id,
            version_model.number == row.current_version,
        )
    )
    if current is not None and current.content_hash == content_hash:
        return False
    last = session.scalar(
        select(version_model.number)
        .where(getattr(version_model, parent_key) == row.id)
        .order_by(version_model.number.desc())
        .limit(1)
    )
    number = (last or 0) + 1
    session.add(version_model(**{parent_key: row.id}, number=number, **values))
    row.current_version = number
    return True


def _sync_question(
    session: Session,
    existing: dict[str, Question],
    module: Module,
    question: v.Question,
    counts: Counts,
    position: int | None = None,
) -> Question:
    version_values = {
        "type": question.type,
        "definition": question.definition,
        "content_hash": question.content_hash,
    }
    row = existing.get(question.id)
    position = question.position if position is None else position
    if row is None:
        row = Question(
            code=question.id,
            module_id=module.id,
            module_code=module.code,
            type=question.type,
            position=position,
            current_version=1,
        )
        session.add(row)
        session.flush()
        session.add(QuestionVersion(question_id=row.id, number=1, **version_values))
        existing[question.id] = row
        counts.created += 1
        return row
    moved = _apply(row, {"position": position, "active": True, "type": question.type})
    if _new_version(
        session, row, QuestionVersion, "question_id", question.content_hash, version_values
    ):
        counts.new_versions += 1
    elif moved:
        counts.updated += 1
    else:
        counts.unchanged += 1
    return row


_QUESTION_NUMBER = re.compile(r"-Q(\d+)$")


def import_questions(
    session: Session,
    module_code: str,
    questions: Iterable[Mapping[str, Any]],
    *,
    source: str = "import",
    question_types: Mapping[str, Any],
) -> LoadSummary:
    """Add or update questions of a module's bank (e.g. from GIFT), versioned like a load.

    A question without ``id`` gets the next free ``<module>-Qnn``. Everything is checked first;
    :class:`ContentInvalid` is raised, with nothing written, when anything is wrong. Questions of
    the bank that are not in ``questions`` are left as they are.
    """
    module = session.scalar(select(Module).where(Module.code == module_code))
    if module is None:
        raise ContentInvalid(
            [v.ContentError(source, 1, "module", f"unknown module '{module_code}'")]
        )
    existing = {
        row.code: row
        for row in session.scalars(select(Question).where(Question.module_code == module_code))
    }
    numbers = [int(m.group(1)) for code in existing if (m := _QUESTION_NUMBER.search(code))]
    next_number = max(numbers, default=0) + 1
    prepared = []
    for question in questions:
        question = dict(question)
        if not question.get("id"):
            question["id"] = f"{module_code}-Q{next_number:02d}"
            next_number += 1
        prepared.append(question)
    skill_units = {
        code: unit
        for code, unit in session.execute(
            select(Skill.code, Unit.code).join(Unit, Skill.unit_id == Unit.id).where(Skill.active)
        )
    }
    errors, checked = v.validate_questions(
        module_code, prepared, skill_units, source=source, question_types=question_types
    )
    if errors:
        raise ContentInvalid(errors)
    summary = LoadSummary()
    next_position = max((row.position for row in existing.values()), default=-1) + 1
    for question in checked:
        row = existing.get(question.id)
        position = row.position if row is not None else next_position
        if row is None:
            next_position += 1
        _sync_question(session, existing, module, question, summary.counts["questions"], position)
    session.flush()
    return summary
