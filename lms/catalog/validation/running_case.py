"""The running case: one file of facts (names, numbers, dates) that lessons quote.

A lesson writes ``{{ case.tutor.name }}``; the validator replaces it with the value from
``content/case/case.yaml`` in the lesson's language, so a fact stated in several modules cannot
drift. An unknown key is an error at the lesson's line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lms.catalog.validation.files import _File, _read_top, _State, _suggest
from lms.catalog.validation.results import LangText
from lms.catalog.validation.rules import CASE_FILE, LANGUAGES, SHORT_ID
from lms.catalog.yamlfile import LineDict, join_path

# Anything between double braces is meant as a placeholder: a typo must not reach the reader.
PLACEHOLDER = re.compile(r"\{\{(?P<inner>.*?)\}\}")
CASE_KEY = re.compile(r"^\s*case\.(?P<key>[a-z0-9_]+(?:\.[a-z0-9_]+)*)\s*$")


def read_case(state: _State) -> dict[str, LangText]:
    """The case's facts as ``{"tutor.name": LangText}``; an absent file means no facts."""
    path = state.root / CASE_FILE
    if not path.is_file():
        return {}
    f = state.file(CASE_FILE)
    top = _read_top(f, path)
    if top is None:
        return {}
    f.keys(top, "", ("case",))
    node = f.sub(top, "case", "")
    facts: dict[str, LangText] = {}
    if node is not None:
        _collect(f, node, "case", "", facts)
    return facts


def _collect(f: _File, node: LineDict, path: str, prefix: str, facts: dict[str, LangText]) -> None:
    for key, value in node.items():
        here = join_path(path, key)
        if not isinstance(key, str) or not SHORT_ID.match(key) or key != key.lower():
            f.error(node.line_of(key), here, "a case key is lower-case letters, digits and _")
            continue
        name = f"{prefix}{key}"
        if isinstance(value, LineDict) and set(value) & set(LANGUAGES):
            text = f.lang_map(value, node.line_of(key), here)
            if text is not None:
                facts[name] = text
        elif isinstance(value, LineDict):
            _collect(f, value, here, f"{name}.", facts)
        elif isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            facts[name] = LangText(str(value), str(value))
        else:
            f.error(node.line_of(key), here, "must be text, a number, {fr, en} or a mapping")


def fill_case(
    f: _File, source: str, language: str, facts: Mapping[str, LangText], *, first_line: int = 1
) -> str:
    """``source`` with every ``{{ case.key }}`` replaced; unknown keys reported at their line."""

    def replace(match: re.Match[str]) -> str:
        found = CASE_KEY.match(match.group("inner"))
        key = found.group("key") if found else None
        if key is not None and key in facts:
            return facts[key].get(language)
        line = first_line + source.count("\n", 0, match.start())
        if key is None:
            example = "{{ case.tutor.name }}"
            f.error(line, "markdown", f"'{match.group(0)}' is not a placeholder like {example}")
        else:
            close = _suggest(key, tuple(facts), 0.6)
            hint = f"; did you mean '{close}'?" if close else f" (not in {CASE_FILE})"
            f.error(line, "markdown", f"unknown case key '{key}'{hint}")
        return match.group(0)

    return PLACEHOLDER.sub(replace, source)
