"""Validate the content files: every problem at once, as ``file:line: field: message``."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms.catalog.markdown import count_words, first_block, raw_html_lines, render_markdown
from lms.catalog.yamlfile import (
    LineDict,
    LineList,
    join_path,
    load_yaml,
    to_plain,
    with_lines,
)

LANGUAGES = ("fr", "en")
FRAMEWORK_DIR = "content/framework"
MODULES_DIR = "content/modules"
QUIZZES_DIR = "quizzes"
COMPETENCES_FILE = f"{FRAMEWORK_DIR}/competences.yaml"

COMPETENCE_ID = re.compile(r"^C[1-9][0-9]*$")
UNIT_ID = re.compile(r"^(C[1-9][0-9]*)(?:\.[1-9][0-9]*)?$")
SKILL_ID = re.compile(r"^(C[1-9][0-9]*(?:\.[1-9][0-9]*)?)-S[1-9][0-9]*$")
QUESTION_ID = re.compile(r"^(C[1-9][0-9]*(?:\.[1-9][0-9]*)?)-Q[0-9]{2,}$")
FRAMEWORK_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SHORT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
URL = re.compile(r"^https?://[^\s/]+\S*$")
LESSON_FILE = re.compile(r"^(?P<slug>.+)\.(?P<lang>[a-z]{2})\.md$")

SKILL_KINDS = ("knowledge", "know-how", "attitude")
DELIVERY_MODES = ("asynchronous", "synchronous")
VALIDATION_MODALITIES = ("quiz", "test", "observation", "jury", "debriefing")
GRADING_METHODS = ("highest", "average", "first", "last")
FEEDBACK_TIMINGS = ("immediate", "after_submission", "after_close")
LAYOUTS = ("one_per_page", "all_on_one_page")

ACTIVITIES_PER_UNIT = (3, 6)
SKILLS_PER_UNIT = (4, 8)
MIN_LESSONS = 3
LESSON_WORDS = (300, 1200)
SKILL_LABEL_MAX_WORDS = 12
MIN_QUESTIONS_PER_SKILL = 3

QUESTION_KEYS = ("id", "type", "skills", "source", "text", "feedback")

# --------------------------------------------------------------------------- results


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


@dataclass
class Report:
    """The outcome of :func:`validate_tree`: all errors, and the content as far as it was read."""

    errors: list[ContentError]
    content: Content

    @property
    def ok(self) -> bool:
        return not self.errors


def canonical_json(value: Any) -> str:
    """One JSON text per value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- helpers


class _File:
    """Error sink for one file, with typed accessors that report and never raise."""

    def __init__(self, errors: list[ContentError], name: str) -> None:
        self.errors = errors
        self.name = name

    def error(self, line: int, path: str, message: str) -> None:
        self.errors.append(ContentError(self.name, max(line, 1), path, message))

    def at(self, node: LineDict, key: str, path: str, message: str) -> None:
        """An error about ``key`` of ``node``, at the key's line."""
        self.error(node.line_of(key), join_path(path, key), message)

    # -- structure

    def mapping(self, value: Any, line: int, path: str) -> LineDict | None:
        if isinstance(value, LineDict):
            return value
        self.error(line, path, f"must be a mapping, got {_kind(value)}")
        return None

    def keys(
        self,
        node: LineDict,
        path: str,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        required = tuple(required)
        allowed = required + tuple(optional)
        for key in node:
            if key not in allowed:
                self.error(node.line_of(key), join_path(path, key), _unexpected(key, allowed))
        for key in required:
            if key not in node:
                self.error(node.line, join_path(path, key), "is required")

    def sub(self, node: LineDict, key: str, path: str) -> LineDict | None:
        if key not in node:
            return None
        return self.mapping(node[key], node.line_of(key), join_path(path, key))

    def items(
        self,
        node: LineDict,
        key: str,
        path: str,
        *,
        bounds: tuple[int, int | None] = (0, None),
        what: str = "item",
    ) -> list[tuple[int, Any, int, str]]:
        """Items of a list value as (index, value, line, path); reports type and count."""
        if key not in node:
            return []
        value, line, here = node[key], node.line_of(key), join_path(path, key)
        if not isinstance(value, LineList):
            self.error(line, here, f"must be a list, got {_kind(value)}")
            return []
        low, high = bounds
        if len(value) < low or (high is not None and len(value) > high):
            expected = f"{low} to {high}" if high is not None else f"at least {low}"
            self.error(line, here, f"has {_count(len(value), what)}; expected {expected}")
        return [(i, item, value.line_of(i), join_path(here, i)) for i, item in enumerate(value)]

    # -- scalars

    def text(self, node: LineDict, key: str, path: str) -> LangText | None:
        """The language map under ``key``, if present."""
        if key not in node:
            return None
        return self.lang_map(node[key], node.line_of(key), join_path(path, key))

    def lang_map(self, value: Any, line: int, here: str) -> LangText | None:
        """A language map with a non-empty ``fr`` and ``en``."""
        if not isinstance(value, LineDict):
            self.error(
                line, here, f"must be a language map {{fr: ..., en: ...}}, got {_kind(value)}"
            )
            return None
        for lang in value:
            if lang not in LANGUAGES:
                self.error(value.line_of(lang), join_path(here, lang), _unexpected(lang, LANGUAGES))
        found: dict[str, str] = {}
        for lang in LANGUAGES:
            text = value.get(lang)
            if lang not in value:
                self.error(line, here, f"missing translation '{lang}'")
            elif not isinstance(text, str):
                # YAML reads a bare `No` or `2024` as a boolean or a number.
                hint = " (quote it)" if isinstance(text, int | float | bool) else ""
                message = f"must be text, got {_kind(text)}{hint}"
                self.error(value.line_of(lang), join_path(here, lang), message)
            elif not text.strip():
                self.error(value.line_of(lang), join_path(here, lang), "empty translation")
            else:
                found[lang] = text.strip()
        if len(found) != len(LANGUAGES):
            return None
        return LangText(found["fr"], found["en"])

    def string(
        self,
        node: LineDict,
        key: str,
        path: str,
        *,
        pattern: re.Pattern[str] | None = None,
        example: str = "",
        allow_empty: bool = False,
    ) -> str | None:
        if key not in node:
            return None
        value, line, here = node[key], node.line_of(key), join_path(path, key)
        if not isinstance(value, str):
            hint = " (quote it)" if isinstance(value, int | float | bool) else ""
            self.error(line, here, f"must be text, got {_kind(value)}{hint}")
            return None
        if not value.strip() and not allow_empty:
            self.error(line, here, "must not be empty")
            return None
        if pattern is not None and value and not pattern.match(value):
            like = f" like {example}" if example else ""
            self.error(line, here, f"'{value}' is not a valid id{like}")
            return None
        return value

    def url(self, node: LineDict, key: str, path: str, *, allow_empty: bool = False) -> str | None:
        value = self.string(node, key, path, allow_empty=allow_empty)
        if value and not URL.match(value):
            self.error(node.line_of(key), join_path(path, key), f"'{value}' is not an http(s) URL")
            return None
        return value

    def integer(
        self, node: LineDict, key: str, path: str, *, minimum: int | None = None
    ) -> int | None:
        if key not in node:
            return None
        value, line, here = node[key], node.line_of(key), join_path(path, key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(line, here, f"must be a whole number, got {_kind(value)}")
            return None
        if minimum is not None and value < minimum:
            self.error(line, here, f"must be at least {minimum}, got {value}")
            return None
        return value

    def fraction(self, node: LineDict, key: str, path: str, *, zero_allowed: bool) -> float | None:
        """A number in (0, 1], or [0, 1] when ``zero_allowed``."""
        if key not in node:
            return None
        value, line, here = node[key], node.line_of(key), join_path(path, key)
        interval = "[0, 1]" if zero_allowed else "(0, 1]"
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(line, here, f"must be a number in {interval}, got {_kind(value)}")
            return None
        if not (0 <= value <= 1) or (value == 0 and not zero_allowed):
            self.error(line, here, f"must be a number in {interval}, got {value}")
            return None
        return float(value)

    def boolean(self, node: LineDict, key: str, path: str) -> bool | None:
        if key not in node:
            return None
        value = node[key]
        if not isinstance(value, bool):
            self.error(
                node.line_of(key),
                join_path(path, key),
                f"must be true or false, got {_kind(value)}",
            )
            return None
        return value

    def choice(
        self, node: LineDict, key: str, path: str, allowed: tuple[str, ...], what: str
    ) -> str | None:
        if key not in node:
            return None
        value, line, here = node[key], node.line_of(key), join_path(path, key)
        if not isinstance(value, str) or value not in allowed:
            self.error(line, here, _unknown(what, value, allowed))
            return None
        return value

    def choices(
        self, node: LineDict, key: str, path: str, allowed: tuple[str, ...], what: str
    ) -> tuple[str, ...]:
        chosen: list[str] = []
        for _, value, line, here in self.items(node, key, path, bounds=(1, None), what="value"):
            if not isinstance(value, str) or value not in allowed:
                self.error(line, here, _unknown(what, value, allowed))
            elif value in chosen:
                self.error(line, here, f"'{value}' is listed twice")
            else:
                chosen.append(value)
        return tuple(chosen)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 40 else "a long text"
    return f"'{value}'"


def _count(number: int, what: str) -> str:
    return f"{number} {what}{'' if number == 1 else 's'}"


def _suggest(word: str, allowed: tuple[str, ...], cutoff: float) -> str | None:
    # A shortened or lengthened name ("duration" for "duration_minutes") beats a fuzzy match.
    prefixed = [name for name in allowed if name.startswith(word) or word.startswith(name)]
    if len(prefixed) == 1:
        return prefixed[0]
    close = difflib.get_close_matches(word, allowed, n=1, cutoff=cutoff)
    return close[0] if close else None


def _unexpected(key: Any, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    close = _suggest(str(key), allowed, 0.6)
    if close:
        return f"unexpected key; did you mean '{close}'?"
    return f"unexpected key; expected one of: {', '.join(allowed)}"


def _unknown(what: str, value: Any, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    shown = f"'{value}'" if isinstance(value, str) else _kind(value)
    # Stricter than for keys: a value close to a valid one is a typo, not another intent.
    close = _suggest(value, allowed, 0.75) if isinstance(value, str) and value else None
    hint = f"; did you mean '{close}'?" if close else f"; expected one of: {', '.join(allowed)}"
    return f"unknown {what} {shown}{hint}"


def _where(errors_file: str, file: str, line: int) -> str:
    return f"line {line}" if errors_file == file else f"{file}:{line}"


_SEGMENT = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def line_of_path(node: Any, path: str, default: int) -> int:
    """Line of the deepest node reachable along a field path such as ``options[1].fraction``."""
    line = default
    for match in _SEGMENT.finditer(path):
        index, key = match.groups()
        if key is not None and key.isdigit() and isinstance(node, LineList):
            index, key = key, None
        if index is not None and isinstance(node, LineList) and int(index) < len(node):
            line = node.line_of(int(index))
            node = node[int(index)]
        elif key is not None and isinstance(node, LineDict) and key in node:
            line = node.line_of(key)
            node = node[key]
        else:
            break
    return line


def _read_top(f: _File, path: Path) -> LineDict | None:
    """The top mapping of a YAML file; reading problems are reported."""
    document = load_yaml(path)
    for problem in document.problems:
        f.error(problem.line, problem.field, problem.message)
    if document.data is None:
        if not document.problems:
            f.error(1, "(document)", "empty file")
        return None
    return f.mapping(document.data, 1, "(document)")


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


# --------------------------------------------------------------------------- validation


@dataclass
class _SkillRef:
    unit: str
    file: str
    line: int
    path: str


@dataclass
class _State:
    root: Path
    question_types: Mapping[str, Any]
    errors: list[ContentError] = field(default_factory=list)
    skills: dict[str, _SkillRef] = field(default_factory=dict)
    question_ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    module_lines: dict[str, int] = field(default_factory=dict)
    questions_per_skill: dict[str, int] = field(default_factory=dict)

    def file(self, name: str) -> _File:
        return _File(self.errors, name)


def validate_tree(root: Path, *, question_types: Mapping[str, Any]) -> Report:
    """Read the framework, modules and question banks under ``root``; write nothing.

    ``question_types`` is the registry of question types (name -> class with a ``schema`` and
    ``definition_errors``), given by the caller: the catalog sits below the quiz package.
    """
    root = Path(root)
    state = _State(root, question_types)
    framework, listed_units = _read_framework(state)
    modules = _read_modules(state, framework, listed_units)
    # Module folders, not parsed modules: a broken module.yaml must not also break its bank.
    module_dirs = {p.parent.name for p in (root / MODULES_DIR).glob("*/module.yaml")}
    quizzes = _read_quizzes(state, framework, module_dirs)
    _check_module_banks(state, modules, quizzes)
    _check_skill_coverage(state)
    state.errors.sort(key=lambda error: (error.file, error.line))
    return Report(state.errors, Content(framework, tuple(modules), tuple(quizzes)))


# -- framework


def _read_framework(state: _State) -> tuple[Framework, dict[str, tuple[str, int, str]]]:
    root = state.root
    f = state.file(COMPETENCES_FILE)
    empty = Framework("", "", EMPTY_TEXT, EMPTY_TEXT, (), ())
    listed: dict[str, tuple[str, int, str]] = {}  # unit -> (competence, line, path)
    path = root / COMPETENCES_FILE
    if not path.is_file():
        f.error(1, "file", "missing: the framework needs its list of competences")
        return empty, listed
    top = _read_top(f, path)
    if top is None:
        return empty, listed
    f.keys(top, "", ("framework", "competences"))

    fw_id, version, title, description = "", "", EMPTY_TEXT, EMPTY_TEXT
    head = f.sub(top, "framework", "")
    if head is not None:
        f.keys(head, "framework", ("id", "version", "title", "description"))
        fw_id = (
            f.string(head, "id", "framework", pattern=FRAMEWORK_ID, example="atma-mobility-coach")
            or ""
        )
        version = f.string(head, "version", "framework") or ""
        title = f.text(head, "title", "framework") or EMPTY_TEXT
        description = f.text(head, "description", "framework") or EMPTY_TEXT

    competences: list[Competence] = []
    seen_competences: dict[str, int] = {}
    for position, item, line, here in f.items(
        top, "competences", "", bounds=(1, None), what="competence"
    ):
        node = f.mapping(item, line, here)
        if node is None:
            continue
        f.keys(node, here, ("id", "title", "units"))
        cid = f.string(node, "id", here, pattern=COMPETENCE_ID, example="C4")
        title_c = f.text(node, "title", here)
        if cid and cid in seen_competences:
            f.at(
                node,
                "id",
                here,
                f"duplicate competence id '{cid}' (first on line {seen_competences[cid]})",
            )
            cid = None
        elif cid:
            seen_competences[cid] = node.line_of("id")
        units: list[str] = []
        for _, unit_id, uline, upath in f.items(node, "units", here, bounds=(1, None), what="unit"):
            if not isinstance(unit_id, str) or not UNIT_ID.match(unit_id):
                f.error(uline, upath, f"{_kind(unit_id)} is not a valid unit id like C4.2")
                continue
            if cid and UNIT_ID.match(unit_id).group(1) != cid:
                f.error(uline, upath, f"unit {unit_id} cannot belong to competence {cid}")
            if unit_id in listed:
                f.error(
                    uline,
                    upath,
                    f"duplicate unit id '{unit_id}' (first on line {listed[unit_id][1]})",
                )
                continue
            listed[unit_id] = (cid or "", uline, upath)
            units.append(unit_id)
        if cid:
            competences.append(Competence(cid, title_c or EMPTY_TEXT, tuple(units), position))

    unit_files = {
        p.stem: p
        for p in sorted((root / FRAMEWORK_DIR).glob("*.yaml"))
        if p.name != "competences.yaml"
    }
    for unit_id, (_, line, upath) in listed.items():
        if unit_id not in unit_files:
            f.error(line, upath, f"unit {unit_id} has no file {FRAMEWORK_DIR}/{unit_id}.yaml")

    units_read: list[Unit] = []
    for stem, unit_path in unit_files.items():
        unit = _read_unit(state, unit_path, stem, listed)
        if unit is not None:
            units_read.append(unit)
    order = list(listed)
    units_read.sort(key=lambda u: order.index(u.id) if u.id in order else len(order))
    units_read = [
        Unit(u.id, u.competence, u.title, u.activities, u.skills, position)
        for position, u in enumerate(units_read)
    ]
    return Framework(
        fw_id, version, title, description, tuple(competences), tuple(units_read)
    ), listed


def _read_unit(
    state: _State, path: Path, stem: str, listed: Mapping[str, tuple[str, int, str]]
) -> Unit | None:
    f = state.file(_rel(state.root, path))
    top = _read_top(f, path)
    if top is None:
        return None
    f.keys(top, "", ("unit",))
    node = f.sub(top, "unit", "")
    if node is None:
        return None
    f.keys(node, "unit", ("id", "competence", "title", "activities", "skills"))
    unit_id = f.string(node, "id", "unit", pattern=UNIT_ID, example="C4.2")
    if unit_id and unit_id != stem:
        f.error(
            node.line_of("id"), "unit.id", f"'{unit_id}' does not match the file name {stem}.yaml"
        )
        unit_id = None
    if stem not in listed:
        f.error(node.line_of("id"), "unit.id", f"unit {stem} is not listed in {COMPETENCES_FILE}")
    competence = f.string(node, "competence", "unit", pattern=COMPETENCE_ID, example="C4")
    expected = listed.get(stem, ("", 0, ""))[0]
    if competence and expected and competence != expected:
        f.error(
            node.line_of("competence"),
            "unit.competence",
            f"'{competence}' differs from {COMPETENCES_FILE}, which puts {stem} under {expected}",
        )
    title = f.text(node, "title", "unit")
    activities = []
    for _, item, line, here in f.items(
        node, "activities", "unit", bounds=ACTIVITIES_PER_UNIT, what="activity"
    ):
        text = f.lang_map(item, line, here)
        if text:
            activities.append(text)

    skills: list[Skill] = []
    for position, item, line, here in f.items(
        node, "skills", "unit", bounds=SKILLS_PER_UNIT, what="skill"
    ):
        skill_node = f.mapping(item, line, here)
        if skill_node is None:
            continue
        f.keys(skill_node, here, ("id", "kind", "label", "description"))
        sid = f.string(skill_node, "id", here, pattern=SKILL_ID, example=f"{stem}-S1")
        if sid and SKILL_ID.match(sid).group(1) != stem:
            f.at(skill_node, "id", here, f"skill id '{sid}' must start with {stem}-S")
            sid = None
        kind = f.choice(skill_node, "kind", here, SKILL_KINDS, "skill kind")
        label = f.text(skill_node, "label", here)
        if label:
            for lang in LANGUAGES:
                words = len(label.get(lang).split())
                if words > SKILL_LABEL_MAX_WORDS:
                    f.error(
                        skill_node.line_of("label"),
                        join_path(join_path(here, "label"), lang),
                        f"{words} words; a label has at most {SKILL_LABEL_MAX_WORDS}",
                    )
        description = f.text(skill_node, "description", here)
        if sid is None:
            continue
        if sid in state.skills:
            first = state.skills[sid]
            f.at(
                skill_node,
                "id",
                here,
                f"duplicate skill id '{sid}' (first on {_where(f.name, first.file, first.line)})",
            )
            continue
        state.skills[sid] = _SkillRef(stem, f.name, skill_node.line_of("id"), join_path(here, "id"))
        state.questions_per_skill[sid] = 0
        skills.append(
            Skill(sid, stem, kind or "", label or EMPTY_TEXT, description or EMPTY_TEXT, position)
        )
    if unit_id is None:
        return None
    return Unit(unit_id, competence or "", title or EMPTY_TEXT, tuple(activities), tuple(skills), 0)


def _skill_refs(
    state: _State, f: _File, node: LineDict, key: str, path: str, unit: str
) -> tuple[str, ...]:
    """A non-empty list of skills of ``unit`` that exist in the framework."""
    found: list[str] = []
    for _, sid, line, here in f.items(node, key, path, bounds=(1, None), what="skill"):
        if not isinstance(sid, str) or not SKILL_ID.match(sid):
            f.error(line, here, f"{_kind(sid)} is not a valid skill id like {unit}-S1")
        elif sid not in state.skills:
            f.error(line, here, f"unknown skill '{sid}': not in {FRAMEWORK_DIR}/{unit}.yaml")
        elif state.skills[sid].unit != unit:
            f.error(
                line, here, f"skill '{sid}' belongs to unit {state.skills[sid].unit}, not {unit}"
            )
        elif sid in found:
            f.error(line, here, f"skill '{sid}' is listed twice")
        else:
            found.append(sid)
    return tuple(found)


# -- modules


def _read_modules(
    state: _State, framework: Framework, listed: Mapping[str, tuple[str, int, str]]
) -> list[Module]:
    root = state.root
    modules_dir = root / MODULES_DIR
    dirs = sorted(p for p in modules_dir.iterdir() if p.is_dir()) if modules_dir.is_dir() else []
    found = {p.name for p in dirs}
    competences = state.file(COMPETENCES_FILE)
    for unit_id, (_, line, upath) in listed.items():
        if unit_id not in found:
            competences.error(
                line, upath, f"unit {unit_id} has no module {MODULES_DIR}/{unit_id}/module.yaml"
            )
    modules: list[Module] = []
    for directory in dirs:
        module = _read_module(state, directory, listed)
        if module is not None:
            modules.append(module)
    order = list(listed)
    modules.sort(key=lambda m: order.index(m.code) if m.code in order else len(order))
    return modules


def _read_module(
    state: _State, directory: Path, listed: Mapping[str, tuple[str, int, str]]
) -> Module | None:
    name = f"{MODULES_DIR}/{directory.name}/module.yaml"
    f = state.file(name)
    path = directory / "module.yaml"
    if not path.is_file():
        f.error(1, "file", "missing: every module folder has a module.yaml")
        return None
    top = _read_top(f, path)
    if top is None:
        return None
    f.keys(top, "", ("module",))
    node = f.sub(top, "module", "")
    if node is None:
        return None
    m = "module"
    f.keys(
        node,
        m,
        ("code", "title", "summary", "duration_minutes", "delivery_modes", "webinar_url",
         "objectives", "validation", "mastery", "trainer_notes", "lessons"),
        ("resources",),
    )  # fmt: skip
    code = f.string(node, "code", m, pattern=UNIT_ID, example="C4.2")
    unit = directory.name
    if code and code != unit:
        f.error(
            node.line_of("code"), "module.code", f"'{code}' does not match the folder name {unit}"
        )
    if unit not in listed:
        f.error(
            node.line_of("code"),
            "module.code",
            f"unit {unit} is not in the framework ({COMPETENCES_FILE})",
        )
    title = f.text(node, "title", m)
    summary = f.text(node, "summary", m)
    duration = f.integer(node, "duration_minutes", m, minimum=1)
    delivery = f.choices(node, "delivery_modes", m, DELIVERY_MODES, "delivery mode")
    webinar = f.url(node, "webinar_url", m, allow_empty=True)
    trainer_notes = f.text(node, "trainer_notes", m)

    objectives = []
    for _, item, line, here in f.items(node, "objectives", m, bounds=(1, None), what="objective"):
        obj = f.mapping(item, line, here)
        if obj is None:
            continue
        f.keys(obj, here, ("text", "skills"))
        text = f.text(obj, "text", here)
        skills = _skill_refs(state, f, obj, "skills", here, unit)
        objectives.append(Objective(text or EMPTY_TEXT, skills))

    validation = _read_validation(state, f, node, unit)
    mastery = Mastery(0.0, 0.0)
    mastery_node = f.sub(node, "mastery", m)
    if mastery_node is not None:
        f.keys(mastery_node, "module.mastery", ("overall", "per_skill"))
        overall = f.fraction(mastery_node, "overall", "module.mastery", zero_allowed=False)
        per_skill = f.fraction(mastery_node, "per_skill", "module.mastery", zero_allowed=True)
        mastery = Mastery(overall or 0.0, per_skill or 0.0)

    resources = []
    for _, item, line, here in f.items(node, "resources", m, what="resource"):
        res = f.mapping(item, line, here)
        if res is None:
            continue
        f.keys(res, here, ("title", "url"))
        rtitle = f.text(res, "title", here)
        rurl = f.url(res, "url", here)
        if rtitle and rurl:
            resources.append(Resource(rtitle, rurl))

    lessons = _read_lessons(state, f, node, directory)
    if code is None or code != unit:
        return None
    state.module_lines[code] = node.line_of("code")
    return Module(
        code=code,
        title=title or EMPTY_TEXT,
        summary=summary or EMPTY_TEXT,
        duration_minutes=duration or 0,
        delivery_modes=delivery,
        webinar_url=webinar or "",
        objectives=tuple(objectives),
        validation=validation,
        mastery=mastery,
        trainer_notes=trainer_notes or EMPTY_TEXT,
        resources=tuple(resources),
        lessons=tuple(lessons),
        content_hash=content_hash(to_plain(node)),
    )


def _read_validation(state: _State, f: _File, module: LineDict, unit: str) -> Validation:
    here = "module.validation"
    empty = Validation((), False, EMPTY_TEXT, EvaluationGrid((), ()))
    node = f.sub(module, "validation", "module")
    if node is None:
        return empty
    f.keys(node, here, ("modalities", "auto_validate_by_quiz", "description", "evaluation_grid"))
    modalities = f.choices(node, "modalities", here, VALIDATION_MODALITIES, "validation modality")
    auto = f.boolean(node, "auto_validate_by_quiz", here)
    if auto and modalities and "quiz" not in modalities:
        f.error(
            node.line_of("auto_validate_by_quiz"),
            f"{here}.auto_validate_by_quiz",
            "is true but 'quiz' is not among the modalities",
        )
    description = f.text(node, "description", here)
    grid = EvaluationGrid((), ())
    grid_node = f.sub(node, "evaluation_grid", here)
    if grid_node is not None:
        grid = _read_grid(state, f, grid_node, f"{here}.evaluation_grid", unit)
    return Validation(modalities, bool(auto), description or EMPTY_TEXT, grid)


def _read_grid(state: _State, f: _File, node: LineDict, path: str, unit: str) -> EvaluationGrid:
    f.keys(node, path, ("criteria", "levels"))
    criteria: list[Criterion] = []
    seen: dict[str, int] = {}
    for _, item, line, here in f.items(node, "criteria", path, bounds=(1, None), what="criterion"):
        crit = f.mapping(item, line, here)
        if crit is None:
            continue
        f.keys(crit, here, ("id", "label", "skills"))
        cid = f.string(crit, "id", here, pattern=SHORT_ID, example="relevance")
        if cid and cid in seen:
            f.at(crit, "id", here, f"duplicate criterion id '{cid}' (first on line {seen[cid]})")
        elif cid:
            seen[cid] = crit.line_of("id")
        label = f.text(crit, "label", here)
        skills = _skill_refs(state, f, crit, "skills", here, unit)
        criteria.append(Criterion(cid or "", label or EMPTY_TEXT, skills))
    levels: list[Level] = []
    seen_levels: dict[str, int] = {}
    previous: int | None = None
    for _, item, line, here in f.items(node, "levels", path, bounds=(2, None), what="level"):
        lev = f.mapping(item, line, here)
        if lev is None:
            continue
        f.keys(lev, here, ("id", "points", "label"))
        lid = f.string(lev, "id", here, pattern=SHORT_ID, example="mastered")
        if lid and lid in seen_levels:
            f.at(lev, "id", here, f"duplicate level id '{lid}' (first on line {seen_levels[lid]})")
        elif lid:
            seen_levels[lid] = lev.line_of("id")
        points = f.integer(lev, "points", here, minimum=0)
        if points is not None and points > 3:
            f.at(lev, "points", here, f"must be between 0 and 3, got {points}")
        elif points is not None and previous is not None and points <= previous:
            f.at(
                lev,
                "points",
                here,
                f"levels must be in ascending order of points ({points} after {previous})",
            )
        if points is not None:
            previous = points
        label = f.text(lev, "label", here)
        levels.append(Level(lid or "", points or 0, label or EMPTY_TEXT))
    return EvaluationGrid(tuple(criteria), tuple(levels))


def _read_lessons(state: _State, f: _File, node: LineDict, directory: Path) -> list[Lesson]:
    unit = directory.name
    lessons_dir = directory / "lessons"
    lessons: list[Lesson] = []
    listed_files: set[str] = set()
    seen: dict[str, int] = {}
    for position, item, line, here in f.items(
        node, "lessons", "module", bounds=(MIN_LESSONS, None), what="lesson"
    ):
        entry = f.mapping(item, line, here)
        if entry is None:
            continue
        f.keys(entry, here, ("slug", "title", "minutes"))
        slug = f.string(entry, "slug", here, pattern=SLUG, example="before-departure")
        title = f.text(entry, "title", here)
        minutes = f.integer(entry, "minutes", here, minimum=1)
        if slug is None:
            continue
        if slug in seen:
            f.at(
                entry, "slug", here, f"duplicate lesson slug '{slug}' (first on line {seen[slug]})"
            )
            continue
        seen[slug] = entry.line_of("slug")
        sources: dict[str, str] = {}
        for lang in LANGUAGES:
            file_name = f"{slug}.{lang}.md"
            listed_files.add(file_name)
            lesson_path = lessons_dir / file_name
            if not lesson_path.is_file():
                f.at(entry, "slug", here, f"lesson file lessons/{file_name} is missing")
                continue
            source = _read_markdown(state, lesson_path)
            if source is not None:
                sources[lang] = source
        if len(sources) != len(LANGUAGES):
            continue
        words = {lang: count_words(sources[lang]) for lang in LANGUAGES}
        for lang in LANGUAGES:
            low, high = LESSON_WORDS
            if not low <= words[lang] <= high:
                md = state.file(_rel(state.root, lessons_dir / f"{slug}.{lang}.md"))
                md.error(
                    1, "markdown", f"{words[lang]} words; a lesson has {low} to {high:,} words"
                )
        source_text = LangText(sources["fr"], sources["en"])
        hashed = {
            "slug": slug,
            "title": title.as_dict() if title else None,
            "minutes": minutes,
            "source": source_text.as_dict(),
        }
        lessons.append(
            Lesson(
                module=unit,
                slug=slug,
                title=title or EMPTY_TEXT,
                minutes=minutes or 0,
                position=position,
                source=source_text,
                html=LangText(render_markdown(sources["fr"]), render_markdown(sources["en"])),
                words_fr=words["fr"],
                words_en=words["en"],
                content_hash=content_hash(hashed),
            )
        )
    if lessons_dir.is_dir():
        for extra in sorted(lessons_dir.iterdir()):
            if extra.is_file() and extra.name not in listed_files:
                md = state.file(_rel(state.root, extra))
                match = LESSON_FILE.match(extra.name)
                if match and match.group("lang") not in LANGUAGES:
                    md.error(
                        1,
                        "file",
                        f"unknown language '{match.group('lang')}'; expected one of: fr, en",
                    )
                else:
                    md.error(1, "file", f"not a lesson of {MODULES_DIR}/{unit}/module.yaml")
    return lessons


def _read_markdown(state: _State, path: Path) -> str | None:
    md = state.file(_rel(state.root, path))
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        md.error(1, "markdown", "not valid UTF-8 text")
        return None
    except OSError as error:
        md.error(1, "markdown", f"cannot read: {error.strerror}")
        return None
    if not source.strip():
        md.error(1, "markdown", "empty lesson")
        return None
    if source.lstrip("\ufeff").startswith("---"):
        md.error(1, "markdown", "front matter is not allowed; the title lives in module.yaml")
    else:
        kind, level, line = first_block(source)
        if kind != "heading_open" or level != 2:
            md.error(line, "markdown", "a lesson starts with a '## ' heading")
    for line in raw_html_lines(source):
        md.error(line, "markdown", "raw HTML is not allowed (it would be shown as text)")
    return source


# -- quizzes


def _read_quizzes(state: _State, framework: Framework, modules: set[str]) -> list[Quiz]:
    quizzes_dir = state.root / QUIZZES_DIR
    paths = sorted(quizzes_dir.glob("*.yaml")) if quizzes_dir.is_dir() else []
    types = state.question_types
    quizzes = []
    for path in paths:
        quiz = _read_quiz(state, path, modules, types)
        if quiz is not None:
            quizzes.append(quiz)
    order = [unit.id for unit in framework.units]
    quizzes.sort(key=lambda q: order.index(q.module) if q.module in order else len(order))
    return quizzes


def _read_quiz(
    state: _State, path: Path, modules: set[str], types: Mapping[str, Any]
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
        f.keys(head, "quiz", ("module", "title", "settings"))
        code = f.string(head, "module", "quiz", pattern=UNIT_ID, example="C4.2")
        if code and code != unit:
            f.error(
                head.line_of("module"),
                "quiz.module",
                f"'{code}' does not match the file name {unit}.yaml",
            )
        elif code and code not in modules:
            f.error(
                head.line_of("module"),
                "quiz.module",
                f"unknown module '{code}': no {MODULES_DIR}/{code}/module.yaml",
            )
        title = f.text(head, "title", "quiz")
        settings_node = f.sub(head, "settings", "quiz")
        if settings_node is not None:
            settings = _read_settings(f, settings_node)

    questions: list[Question] = []
    skills_in_bank: set[str] = set()
    for position, item, line, here in f.items(
        top, "questions", "", bounds=(1, None), what="question"
    ):
        question = _read_question(state, f, item, line, here, unit, types, position)
        if question is not None:
            questions.append(question)
            skills_in_bank.update(question.skills)

    if head is not None and isinstance(head.get("settings"), LineDict):
        node = head["settings"]
        wanted = settings.questions_per_attempt
        if "questions_per_attempt" in node and isinstance(wanted, int) and wanted > 0:
            at = node.line_of("questions_per_attempt")
            field_path = "quiz.settings.questions_per_attempt"
            bank = len(top.get("questions") or []) if isinstance(top.get("questions"), list) else 0
            if wanted > bank:
                f.error(
                    at,
                    field_path,
                    f"{wanted} is more than the {_count(bank, 'question')} of the bank",
                )
            elif wanted < len(skills_in_bank):
                f.error(
                    at,
                    field_path,
                    f"{wanted} questions cannot represent each of the "
                    f"{len(skills_in_bank)} skills of the bank",
                )

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
    qtype = node.get("type")
    known_type = isinstance(qtype, str) and qtype in types
    if known_type:
        required, optional = types[qtype].schema.keys()
        f.keys(node, here, QUESTION_KEYS + required, optional)
    else:
        f.keys(node, here, QUESTION_KEYS, tuple(k for k in node if k not in QUESTION_KEYS))
        if "type" in node:
            f.at(node, "type", here, _unknown("question type", qtype, sorted(types)))

    qid = f.string(node, "id", here, pattern=QUESTION_ID, example=f"{unit}-Q01")
    if qid and QUESTION_ID.match(qid).group(1) != unit:
        f.at(node, "id", here, f"question id '{qid}' must start with {unit}-Q")
        qid = None
    if qid and qid in state.question_ids:
        first_file, first_line = state.question_ids[qid]
        f.at(
            node,
            "id",
            here,
            f"duplicate question id '{qid}' (first on {_where(f.name, first_file, first_line)})",
        )
        qid = None
    elif qid:
        state.question_ids[qid] = (f.name, node.line_of("id"))
    skills = _skill_refs(state, f, node, "skills", here, unit)
    f.string(node, "source", here)
    f.text(node, "text", here)
    f.text(node, "feedback", here)
    if known_type:
        _check_type_fields(state, f, node, here, types[qtype].schema, unit)
    if known_type:
        # The type re-checks some structure already reported above; say each thing once.
        reported = {error.field for error in f.errors if error.file == f.name}
        for sub_path, message in types[qtype].definition_errors(to_plain(node)):
            target = (
                f"{here}.{sub_path}"
                if sub_path and not sub_path.startswith("[")
                else here + sub_path
            )
            if target not in reported:
                f.error(line_of_path(node, sub_path, node.line), target, message)
    for sid in skills:
        state.questions_per_skill[sid] = state.questions_per_skill.get(sid, 0) + 1
    if qid is None or not known_type:
        return None
    plain = to_plain(node)
    canonical = canonical_json(plain)
    return Question(
        id=qid,
        type=qtype,
        module=unit,
        skills=skills,
        position=position,
        canonical_json=canonical,
        content_hash=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    )


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


# -- cross-file checks


def _check_module_banks(state: _State, modules: list[Module], quizzes: list[Quiz]) -> None:
    banks = {quiz.module for quiz in quizzes}
    for module in modules:
        if (
            module.code not in banks
            and not (state.root / QUIZZES_DIR / f"{module.code}.yaml").exists()
        ):
            f = state.file(f"{MODULES_DIR}/{module.code}/module.yaml")
            f.error(
                state.module_lines.get(module.code, 1),
                "module.code",
                f"module {module.code} has no question bank {QUIZZES_DIR}/{module.code}.yaml",
            )


def _check_skill_coverage(state: _State) -> None:
    for sid, ref in state.skills.items():
        count = state.questions_per_skill.get(sid, 0)
        if count < MIN_QUESTIONS_PER_SKILL:
            state.file(ref.file).error(
                ref.line,
                ref.path,
                f"skill {sid} has {_count(count, 'question')}; "
                f"at least {MIN_QUESTIONS_PER_SKILL} are required",
            )
