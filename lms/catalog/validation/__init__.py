"""Validate the content files: every problem at once, as ``file:line: field: message``.

The steps live in the modules of this package; the question types are given by the caller
(the catalog sits below the quiz package)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lms.catalog.validation.banks import _read_quizzes, validate_questions
from lms.catalog.validation.cues import check_cues
from lms.catalog.validation.files import _count, _State
from lms.catalog.validation.framework import _read_framework
from lms.catalog.validation.modules import _read_modules
from lms.catalog.validation.results import (
    BankCues,
    Content,
    ContentError,
    Framework,
    Lesson,
    Module,
    Question,
    Quiz,
    Report,
    canonical_json,
    content_hash,
)
from lms.catalog.validation.rules import (
    LANGUAGES,
    MIN_QUESTIONS_PER_SKILL,
    MODULES_DIR,
    QUIZZES_DIR,
)
from lms.catalog.validation.running_case import read_case

__all__ = [
    "LANGUAGES",
    "BankCues",
    "Content",
    "ContentError",
    "Framework",
    "Lesson",
    "Module",
    "Question",
    "Quiz",
    "Report",
    "canonical_json",
    "content_hash",
    "validate_questions",
    "validate_tree",
]


def validate_tree(root: Path, *, question_types: Mapping[str, Any]) -> Report:
    """Read the framework, modules and question banks under ``root``; write nothing.

    ``question_types`` is the registry of question types (name -> class with a ``schema`` and
    ``definition_errors``), given by the caller: the catalog sits below the quiz package.
    """
    root = Path(root)
    state = _State(root, question_types)
    framework, listed_units = _read_framework(state)
    state.case = read_case(state)
    modules = _read_modules(state, framework, listed_units)
    # Module folders, not parsed modules: a broken module.yaml must not also break its bank.
    module_dirs = {p.parent.name for p in (root / MODULES_DIR).glob("*/module.yaml")}
    quizzes = _read_quizzes(state, framework, module_dirs)
    _check_module_banks(state, modules, quizzes)
    _check_skill_coverage(state)
    cues = check_cues(state, quizzes)
    for found in (state.errors, state.warnings):
        found.sort(key=lambda error: (error.file, error.line))
    content = Content(framework, tuple(modules), tuple(quizzes))
    return Report(state.errors, content, warnings=state.warnings, cues=cues)


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
