"""YAML reading that remembers the line of every key and item, and refuses duplicate keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, SequenceNode


class LineDict(dict):
    """A mapping from YAML that knows its own line and the line of each of its keys."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}
        self.duplicates: list[tuple[Any, int]] = []

    def line_of(self, key: Any) -> int:
        """Line of ``key`` (1-based); the mapping's own line when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence from YAML that knows its own line and the line of each item."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        """Line of item ``index`` (1-based); the sequence's own line when out of range."""
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences are :class:`LineDict` / :class:`LineList`."""

    def construct_line_mapping(self, node: MappingNode) -> LineDict:
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        yield mapping
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                ) from None
            line = key_node.start_mark.line + 1
            if key in mapping:
                # PyYAML keeps the last value silently; a trainer would never see the loss.
                mapping.duplicates.append((key, line))
                continue
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line

    def construct_line_sequence(self, node: SequenceNode) -> LineList:
        sequence = LineList()
        sequence.line = node.start_mark.line + 1
        yield sequence
        for item_node in node.value:
            sequence.append(self.construct_object(item_node, deep=True))
            sequence.item_lines.append(item_node.start_mark.line + 1)


LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, LineLoader.construct_line_mapping
)
LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, LineLoader.construct_line_sequence
)


@dataclass(frozen=True)
class YamlProblem:
    """One problem found while reading a YAML file."""

    line: int
    field: str
    message: str


@dataclass
class YamlDocument:
    """The data of a YAML file (``None`` when unreadable) and the problems met reading it."""

    data: Any
    problems: list[YamlProblem] = field(default_factory=list)


def join_path(parent: str, key: Any) -> str:
    """Field path of ``key`` under ``parent``: ``a.b``, ``a[0]``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def parse_yaml(text: str) -> YamlDocument:
    """Parse YAML text; syntax errors and duplicate keys become problems with their line."""
    try:
        data = yaml.load(text, Loader=LineLoader)  # noqa: S506 - LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = error.problem or "invalid YAML"
        if error.context:
            reason += f" ({error.context})"
        return YamlDocument(None, [YamlProblem(line, "yaml", f"syntax error: {reason}")])
    except yaml.YAMLError as error:
        return YamlDocument(None, [YamlProblem(1, "yaml", f"syntax error: {error}")])
    problems: list[YamlProblem] = []
    _collect_duplicates(data, "", problems, set())
    return YamlDocument(data, problems)


def load_yaml(path: Path) -> YamlDocument:
    """Read and parse a YAML file; an unreadable file is a problem on line 1."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return YamlDocument(None, [YamlProblem(1, "file", "not valid UTF-8 text")])
    except OSError as error:
        return YamlDocument(None, [YamlProblem(1, "file", f"cannot read: {error.strerror}")])
    return parse_yaml(text)


def _collect_duplicates(node: Any, path: str, problems: list[YamlProblem], seen: set) -> None:
    if id(node) in seen:  # aliases share objects; visit each once
        return
    if isinstance(node, LineDict):
        seen.add(id(node))
        for key, line in node.duplicates:
            problems.append(
                YamlProblem(
                    line,
                    join_path(path, key),
                    f"duplicate key '{key}' (first on line {node.line_of(key)})",
                )
            )
        for key, value in node.items():
            _collect_duplicates(value, join_path(path, key), problems, seen)
    elif isinstance(node, LineList):
        seen.add(id(node))
        for index, value in enumerate(node):
            _collect_duplicates(value, join_path(path, index), problems, seen)


def to_plain(node: Any) -> Any:
    """A deep copy made of plain ``dict`` and ``list`` (no line information)."""
    if isinstance(node, dict):
        return {key: to_plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [to_plain(value) for value in node]
    return node


def with_lines(value: Any, line: int) -> Any:
    """Plain data wrapped as :class:`LineDict` / :class:`LineList`, every line set to ``line``."""
    if isinstance(value, dict):
        mapping = LineDict({key: with_lines(item, line) for key, item in value.items()})
        mapping.line = line
        mapping.key_lines = dict.fromkeys(mapping, line)
        return mapping
    if isinstance(value, list | tuple):
        sequence = LineList(with_lines(item, line) for item in value)
        sequence.line = line
        sequence.item_lines = [line] * len(sequence)
        return sequence
    return value
