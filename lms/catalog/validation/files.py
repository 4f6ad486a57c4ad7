"""Reading one content file with line numbers: the checks every file uses, located errors."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms.catalog.validation.results import ContentError, LangText
from lms.catalog.validation.rules import CUE_RULES_AS_WARNINGS, LANGUAGES, URL
from lms.catalog.yamlfile import (
    LineDict,
    LineList,
    join_path,
    load_yaml,
)


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
    case: dict[str, LangText] = field(default_factory=dict)  # the running case's facts
    # question id -> (file, line, field path) of its stem, where the cue rules report
    stems: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    bank_lines: dict[str, int] = field(default_factory=dict)  # unit -> line of `questions:`
    warnings: list[ContentError] = field(default_factory=list)

    def file(self, name: str) -> _File:
        return _File(self.errors, name)

    def cue_file(self, name: str, rule: str) -> _File:
        """Where a cue rule reports: warnings while the rule is not yet enforced."""
        return _File(self.warnings if rule in CUE_RULES_AS_WARNINGS else self.errors, name)
