"""Question banks: quiz settings and questions, their type-specific fields through the registry."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lms.catalog.validation.files import (
    _count,
    _File,
    _kind,
    _read_top,
    _rel,
    _SkillRef,
    _State,
    _unknown,
    _where,
    line_of_path,
)
from lms.catalog.validation.framework import _skill_refs
from lms.catalog.validation.modules import _read_grid
from lms.catalog.validation.results import (
    EMPTY_TEXT,
    ContentError,
    Framework,
    LangText,
    Question,
    Quiz,
    QuizSettings,
    canonical_json,
    content_hash,
)
from lms.catalog.validation.rules import (
    FEEDBACK_TIMINGS,
    GRADING_METHODS,
    LAYOUTS,
    MODULES_DIR,
    QUESTION_ID,
    QUESTION_KEYS,
    QUESTION_OPTIONAL_KEYS,
    QUIZZES_DIR,
    REFERENCE_KEYS,
    SHORT_ID,
    UNIT_ID,
)
from lms.catalog.yamlfile import (
    LineDict,
    to_plain,
    with_lines,
)


@dataclass(frozen=True)
class _Reference:
    """A bank entry ``{id, ref, skills}``: the question ``ref`` of another bank, reused."""

    id: str
    target: str
    skills: tuple[str, ...]
    position: int
    file: str
    line: int
    path: str


def _read_quizzes(state: _State, framework: Framework, modules: set[str]) -> list[Quiz]:
    quizzes_dir = state.root / QUIZZES_DIR
    paths = sorted(quizzes_dir.glob("*.yaml")) if quizzes_dir.is_dir() else []
    types = state.question_types
    read: list[tuple[Quiz, list[_Reference]]] = []
    for path in paths:
        references: list[_Reference] = []
        quiz = _read_quiz(state, path, modules, types, references)
        if quiz is not None:
            read.append((quiz, references))
    quizzes = _resolve_references(state, read)
    order = [unit.id for unit in framework.units]
    quizzes.sort(key=lambda q: order.index(q.module) if q.module in order else len(order))
    return quizzes


def _read_quiz(
    state: _State,
    path: Path,
    modules: set[str],
    types: Mapping[str, Any],
    references: list[_Reference],
) -> Quiz | None:
    f = state.file(_rel(state.root, path))
    unit = path.stem
    top = _read_top(f, path)
    if top is None:
        return None
    f.keys(top, "", ("quiz", "questions"))
    head = f.sub(top, "quiz", "")
    title, settings, code = None, QuizSettings(), None
    if head is not None:
        code, title, settings = _read_quiz_head(f, head, unit, modules)
    questions = []
    if "questions" in top:
        state.bank_lines[unit] = top.line_of("questions")
    for position, item, line, here in f.items(
        top, "questions", "", bounds=(1, None), what="question"
    ):
        if isinstance(item, LineDict) and "ref" in item:
            reference = _read_reference(state, f, item, here, unit, position)
            if reference is not None:
                references.append(reference)
        elif (
            question := _read_question(state, f, item, line, here, unit, types, position)
        ) is not None:
            questions.append(question)
    if head is not None and isinstance(head.get("settings"), LineDict):
        skills = {skill for entry in [*questions, *references] for skill in entry.skills}
        _check_questions_per_attempt(f, head["settings"], settings, top, skills)
    if code is None or code != unit:
        return None
    return Quiz(
        module=unit,
        title=title or EMPTY_TEXT,
        settings=settings,
        questions=tuple(questions),
        content_hash=content_hash(
            {"title": title.as_dict() if title else None, "settings": settings.as_dict()}
        ),
    )


def _read_reference(
    state: _State, f: _File, node: LineDict, here: str, unit: str, position: int
) -> _Reference | None:
    f.keys(node, here, REFERENCE_KEYS)
    qid = _question_id(state, f, node, here, unit)
    target = f.string(node, "ref", here, pattern=QUESTION_ID, example="C1.1-Q01")
    skills = _skill_refs(state, f, node, "skills", here, unit)
    for sid in skills:
        state.questions_per_skill[sid] = state.questions_per_skill.get(sid, 0) + 1
    if qid is None or target is None or not skills:
        return None
    line = node.line_of("ref")
    state.stems[qid] = (f.name, line, f"{here}.ref")
    return _Reference(qid, target, skills, position, f.name, line, f"{here}.ref")


def _resolve_references(state: _State, read: list[tuple[Quiz, list[_Reference]]]) -> list[Quiz]:
    """Each reference becomes a question of its own bank: the referenced question's content
    under the reference's id and skills."""
    declared = {question.id: question for quiz, _ in read for question in quiz.questions}
    referring = {reference.id for _, references in read for reference in references}
    quizzes = []
    for quiz, references in read:
        resolved = list(quiz.questions)
        for reference in references:
            target = declared.get(reference.target)
            f = state.file(reference.file)
            if target is None:
                why = "is itself a reference" if reference.target in referring else "is unknown"
                f.error(reference.line, reference.path, f"question '{reference.target}' {why}")
            elif target.module == quiz.module:
                f.error(
                    reference.line,
                    reference.path,
                    f"question '{reference.target}' is in this bank already",
                )
            else:
                resolved.append(_reused(target, reference, quiz.module))
        resolved.sort(key=lambda question: question.position)
        quizzes.append(replace(quiz, questions=tuple(resolved)))
    return quizzes


def _reused(target: Question, reference: _Reference, module: str) -> Question:
    definition = target.definition | {"id": reference.id, "skills": list(reference.skills)}
    canonical = canonical_json(definition)
    return Question(
        id=reference.id,
        type=target.type,
        module=module,
        skills=reference.skills,
        position=reference.position,
        canonical_json=canonical,
        content_hash=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        reused_from=target.id,
    )


def _read_quiz_head(
    f: _File, head: LineDict, unit: str, modules: set[str]
) -> tuple[str | None, LangText | None, QuizSettings]:
    """(module code, title, settings) of the ``quiz:`` mapping."""
    f.keys(head, "quiz", ("module", "title", "settings"))
    code = f.string(head, "module", "quiz", pattern=UNIT_ID, example="C4.2")
    if code and code != unit:
        message = f"'{code}' does not match the file name {unit}.yaml"
        f.error(head.line_of("module"), "quiz.module", message)
    elif code and code not in modules:
        message = f"unknown module '{code}': no {MODULES_DIR}/{code}/module.yaml"
        f.error(head.line_of("module"), "quiz.module", message)
    title = f.text(head, "title", "quiz")
    settings_node = f.sub(head, "settings", "quiz")
    settings = _read_settings(f, settings_node) if settings_node is not None else QuizSettings()
    return code, title, settings


def _check_questions_per_attempt(
    f: _File, node: LineDict, settings: QuizSettings, top: LineDict, skills_in_bank: set[str]
) -> None:
    """A drawn subset must fit in the bank and can represent every skill of the bank."""
    wanted = settings.questions_per_attempt
    if "questions_per_attempt" not in node or not isinstance(wanted, int) or wanted <= 0:
        return
    at = node.line_of("questions_per_attempt")
    field_path = "quiz.settings.questions_per_attempt"
    bank = len(top["questions"]) if isinstance(top.get("questions"), list) else 0
    if wanted > bank:
        f.error(at, field_path, f"{wanted} is more than the {_count(bank, 'question')} of the bank")
    elif wanted < len(skills_in_bank):
        f.error(
            at,
            field_path,
            f"{wanted} questions cannot represent each of the "
            f"{len(skills_in_bank)} skills of the bank",
        )


def _read_settings(f: _File, node: LineDict) -> QuizSettings:
    s = "quiz.settings"
    f.keys(node, s, tuple(QuizSettings.__dataclass_fields__))
    defaults = QuizSettings()
    values = {
        "attempts_allowed": f.integer(node, "attempts_allowed", s, minimum=0),
        "grading_method": f.choice(node, "grading_method", s, GRADING_METHODS, "grading method"),
        "time_limit_minutes": f.integer(node, "time_limit_minutes", s, minimum=0),
        "pass_mark": f.fraction(node, "pass_mark", s, zero_allowed=False),
        "shuffle_questions": f.boolean(node, "shuffle_questions", s),
        "shuffle_options": f.boolean(node, "shuffle_options", s),
        "feedback_timing": f.choice(
            node, "feedback_timing", s, FEEDBACK_TIMINGS, "feedback timing"
        ),
        "questions_per_attempt": f.integer(node, "questions_per_attempt", s, minimum=0),
        "layout": f.choice(node, "layout", s, LAYOUTS, "layout"),
    }
    return QuizSettings(
        **{key: getattr(defaults, key) if value is None else value for key, value in values.items()}
    )


def _read_question(
    state: _State,
    f: _File,
    item: Any,
    line: int,
    here: str,
    unit: str,
    types: Mapping[str, Any],
    position: int,
) -> Question | None:
    node = f.mapping(item, line, here)
    if node is None:
        return None
    kind = _question_kind(f, node, here, types)
    qid = _question_id(state, f, node, here, unit)
    skills = _skill_refs(state, f, node, "skills", here, unit)
    f.string(node, "source", here)
    f.boolean(node, "scenario", here)
    f.text(node, "text", here)
    f.text(node, "feedback", here)
    if qid is not None and "text" in node:
        state.stems[qid] = (f.name, node.line_of("text"), f"{here}.text")
    if kind is not None:
        _check_type_fields(state, f, node, here, kind.schema, unit)
        _report_definition_errors(f, node, here, kind)
    for sid in skills:
        state.questions_per_skill[sid] = state.questions_per_skill.get(sid, 0) + 1
    if qid is None or kind is None:
        return None
    canonical = canonical_json(to_plain(node))
    return Question(
        id=qid,
        type=node["type"],
        module=unit,
        skills=skills,
        position=position,
        canonical_json=canonical,
        content_hash=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    )


def _question_kind(f: _File, node: LineDict, here: str, types: Mapping[str, Any]) -> Any:
    """The registered type of the question (its keys checked), or None, reported."""
    qtype = node.get("type")
    if isinstance(qtype, str) and qtype in types:
        required, optional = types[qtype].schema.keys()
        f.keys(node, here, QUESTION_KEYS + required, QUESTION_OPTIONAL_KEYS + optional)
        return types[qtype]
    f.keys(node, here, QUESTION_KEYS, tuple(k for k in node if k not in QUESTION_KEYS))
    if "type" in node:
        f.at(node, "type", here, _unknown("question type", qtype, sorted(types)))
    return None


def _question_id(state: _State, f: _File, node: LineDict, here: str, unit: str) -> str | None:
    qid = f.string(node, "id", here, pattern=QUESTION_ID, example=f"{unit}-Q01")
    if qid and QUESTION_ID.match(qid).group(1) != unit:
        f.at(node, "id", here, f"question id '{qid}' must start with {unit}-Q")
        return None
    if qid and qid in state.question_ids:
        where = _where(f.name, *state.question_ids[qid])
        f.at(node, "id", here, f"duplicate question id '{qid}' (first on {where})")
        return None
    if qid:
        state.question_ids[qid] = (f.name, node.line_of("id"))
    return qid


def _report_definition_errors(f: _File, node: LineDict, here: str, kind: Any) -> None:
    # The type re-checks some structure already reported above; say each thing once.
    reported = {error.field for error in f.errors if error.file == f.name}
    for sub_path, message in kind.definition_errors(to_plain(node)):
        target = (
            f"{here}.{sub_path}" if sub_path and not sub_path.startswith("[") else here + sub_path
        )
        if target not in reported:
            f.error(line_of_path(node, sub_path, node.line), target, message)


def validate_questions(
    module_code: str,
    questions: Iterable[Mapping[str, Any]],
    skill_units: Mapping[str, str],
    *,
    source: str = "import",
    question_types: Mapping[str, Any],
) -> tuple[list[ContentError], list[Question]]:
    """Check questions that come from elsewhere than a bank file (a GIFT import).

    ``skill_units`` maps each known skill to its unit. Errors name ``source`` as their file and
    the question's number (1-based) as their line.
    """
    types = question_types
    state = _State(Path("."), types)
    for skill_id, unit in skill_units.items():
        state.skills[skill_id] = _SkillRef(unit, source, 1, "")
    f = state.file(source)
    read: list[Question] = []
    for position, question in enumerate(questions):
        node = with_lines(to_plain(question), position + 1)
        here = f"questions[{position}]"
        checked = _read_question(state, f, node, position + 1, here, module_code, types, position)
        if checked is not None:
            read.append(checked)
    return state.errors, read


def _check_type_fields(
    state: _State, f: _File, node: LineDict, here: str, schema, unit: str
) -> None:
    """Structure of the type-specific fields (its ``schema``); the type checks their meaning."""
    ids: dict[str, int] = {}
    texts = [(node, key, here) for key in schema.texts]  # (node, key, path) of language maps
    for key in schema.booleans:
        f.boolean(node, key, here)
    for key, (allowed, what) in schema.choices.items():
        f.choice(node, key, here, allowed, what)
    for key, entries in schema.entries.items():
        for entry, path in _entries(f, node, key, here, entries, ids):
            texts += [(entry, text_key, path) for text_key in entries.texts]
    for key in schema.grids:
        grid = f.sub(node, key, here)
        if grid is not None:
            _read_grid(state, f, grid, f"{here}.{key}", unit)
    for owner, key, path in texts:
        f.text(owner, key, path)


def _entries(
    f: _File, node: LineDict, key: str, here: str, spec, ids: dict[str, int]
) -> Iterator[tuple[LineDict, str]]:
    """The entries of a list field that are mappings, their keys and ids checked."""
    for _, item, line, path in f.items(node, key, here):
        entry = f.mapping(item, line, path)
        if entry is None:
            continue
        f.keys(entry, path, spec.required, spec.optional)
        if "id" in spec.required:
            _check_entry_id(f, entry, path, ids)
        for string_key in spec.strings:
            f.string(entry, string_key, path)
        yield entry, path


def _check_entry_id(f: _File, entry: LineDict, path: str, ids: dict[str, int]) -> None:
    oid = entry.get("id")
    if isinstance(oid, bool) or not isinstance(oid, str | int) or not SHORT_ID.match(str(oid)):
        f.at(entry, "id", path, f"{_kind(oid)} is not a valid id (letters, digits, - or _)")
    elif str(oid) in ids:
        first = ids[str(oid)]
        f.at(entry, "id", path, f"duplicate id '{oid}' in this question (first on line {first})")
    else:
        ids[str(oid)] = entry.line_of("id")
