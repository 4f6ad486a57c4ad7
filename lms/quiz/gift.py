"""Moodle GIFT: a hand-written parser to content-format questions, and a writer back to GIFT."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lms.quiz import types
from lms.quiz.gift_syntax import FORMAT_RE, GiftError, GiftWriter, clean, escape, protect, restore
from lms.quiz.gift_syntax import lang as _lang
from lms.quiz.types import NotInGift, definition_errors

__all__ = ["BLANK_MARKER", "GiftResult", "Problem", "escape", "parse_gift", "write_gift"]

BLANK_MARKER = "___"
FORMATS = ("html", "markdown", "plain", "moodle")

_TAG_RE = re.compile(r"\[tag:([^\]]+)\]")
_ID_RE = re.compile(r"\[id:([^\]]+)\]")
_GRADER_INFO_RE = re.compile(r"^//\s*grader_info:(.*)$")
_TITLE_RE = re.compile(r"\s*::(.*?)::", re.DOTALL)


@dataclass(frozen=True)
class Problem:
    """Something that could not be imported (or exported), with its line (or list position)."""

    line: int
    message: str


@dataclass
class GiftResult:
    """Imported questions (content format), their first lines, and the problems met."""

    questions: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


# --- reading ------------------------------------------------------------------------------------


def _blocks(lines: list[str]) -> Iterable[list[tuple[int, str]]]:
    """Runs of non-blank lines with their numbers (from 1): blank lines separate questions."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _type_fields(answer: str, base: int, lang: str, warn: list[tuple[str, int]]) -> dict:
    """The type and type-specific fields of an answer block, read by the first type that can."""
    readers = sorted(
        (kind for kind in types.QUESTION_TYPES.values() if kind.gift_rank is not None),
        key=lambda kind: kind.gift_rank,
    )
    for kind in readers:
        fields = kind.gift_read(answer, base, lang, warn)
        if fields is not None:
            return {"type": kind.name} | fields
    raise GiftError(
        "unknown answer block: answers start with = or ~, numbers with #, true/false is {T} or {F}",
        base,
    )


def _parse_question(source: str, lang: str, warn: list[tuple[str, int]]) -> tuple[str | None, dict]:
    """Title and question of one protected block; raises GiftError(message, position)."""
    title = None
    start = len(source) - len(source.lstrip())
    if source.startswith("::", start):
        end = source.find("::", start + 2)
        if end < 0:
            raise GiftError("the title is not closed with ::", start)
        title = restore(source[start + 2 : end]).strip()
        start = end + 2

    opening = source.find("{", start)
    closing = source.find("}", start)
    if opening < 0 and closing < 0:
        raise GiftError(
            "no answer block { }: text without a question (a description) is not imported", start
        )
    if opening < 0 or closing < opening:
        raise GiftError(
            "unbalanced braces: write a literal brace as \\{ or \\}", max(opening, closing)
        )
    nested = source.find("{", opening + 1, closing)
    if nested >= 0:
        raise GiftError("a '{' inside the answer block: write a literal brace as \\{", nested)
    after = source[closing + 1 :]
    extra = min((i for i in (after.find("{"), after.find("}")) if i >= 0), default=-1)
    if extra >= 0:
        raise GiftError("only one answer block { } per question", closing + 1 + extra)

    before = source[start:opening]
    text_format = None
    match = FORMAT_RE.match(before)
    if match:
        text_format = match[1]
        before = before[match.end() :]
    text = before + BLANK_MARKER + after if after.strip() else before
    text = restore(text).strip()
    if not text:
        raise GiftError("the question has no text", start)

    answer = source[opening + 1 : closing]
    base = opening + 1
    general = ""
    separator = answer.rfind("####")
    if separator >= 0:
        general = clean(answer[separator + 4 :])
        answer = answer[:separator]

    stripped = answer.strip()
    base += len(answer) - len(answer.lstrip())
    fields = _type_fields(stripped, base, lang, warn)
    question: dict = {"type": fields.pop("type")}
    if text_format:
        question["format"] = text_format
    question["text"] = _lang(text, lang)
    if general:
        question["feedback"] = _lang(general, lang)
    question.update(fields)
    return title, question


def parse_gift(text: str, lang: str = "fr", id_prefix: str = "Q") -> GiftResult:
    """Questions of a GIFT file in the content format; what cannot be imported is a Problem.

    Texts fill the language map for ``lang`` only. A question's id is its ``::title::``, else a
    ``// [id:…]`` comment, else ``id_prefix`` and its rank in the file. Skills come from
    ``// [tag:…]`` comment lines of the question's block; ``$CATEGORY:`` sets ``category`` for the
    questions after it; ``// grader_info: …`` gives an essay's grader information.
    """
    result = GiftResult()
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    category: str | None = None
    rank = 0
    seen: set[str] = set()
    for block in _blocks(lines):
        first_line = block[0][0]
        tags: list[str] = []
        given_id = grader_info = None
        body: list[str] = []
        for _, line in block:
            stripped = line.strip()
            if stripped.startswith("//"):
                tags += [tag.strip() for tag in _TAG_RE.findall(stripped)]
                id_match = _ID_RE.search(stripped)
                given_id = id_match[1].strip() if id_match else given_id
                info = _GRADER_INFO_RE.match(stripped)
                grader_info = restore(protect(info[1])).strip() if info else grader_info
                body.append("")  # keeps line numbers aligned with the file
            else:
                body.append(line)
        source = protect("\n".join(body))
        if not source.strip():
            continue
        lead = len(source) - len(source.lstrip())
        if source.startswith("$CATEGORY:", lead):
            end = source.find("\n", lead)
            end = len(source) if end < 0 else end
            category = restore(source[lead + len("$CATEGORY:") : end]).strip() or None
            source = "\n" * source.count("\n", 0, end) + source[end:]
            if not source.strip():
                continue

        rank += 1
        warnings: list[tuple[str, int]] = []
        try:
            title, question = _parse_question(source, lang, warnings)
        except GiftError as error:
            line = first_line + source.count("\n", 0, error.position)
            title_match = _TITLE_RE.match(source)
            prefix = f"{restore(title_match[1]).strip()}: " if title_match else ""
            result.problems.append(Problem(line, prefix + error.message))
            continue
        start_line = first_line + source.count("\n", 0, len(source) - len(source.lstrip()))
        question_id = title or given_id or f"{id_prefix}{rank:02d}"
        for message, position in warnings:
            line = first_line + source.count("\n", 0, position)
            result.problems.append(Problem(line, f"{question_id}: {message}"))
        if question_id in seen:
            result.problems.append(Problem(start_line, f"duplicate question id '{question_id}'"))
            continue
        if "grader_info" in question:
            question["grader_info"] = _lang(grader_info or "", lang)
        ordered: dict = {"id": question_id, "type": question.pop("type"), "skills": tags}
        if category:
            ordered["category"] = category
        ordered.update(question)
        errors = definition_errors(ordered)
        if errors:
            for path, message in errors:
                result.problems.append(Problem(start_line, f"{question_id}: {path}: {message}"))
            continue
        seen.add(question_id)
        result.questions.append(ordered)
        result.lines.append(start_line)
    return result


# --- writing ------------------------------------------------------------------------------------


def _write_question(question: Mapping, lang: str) -> tuple[str, list[str]]:
    writer = GiftWriter(question, lang)
    block = types.question_type(question).gift_write(writer)
    text = writer.text(question.get("text"), "the question text")
    if not text:
        raise NotInGift("the question has no text")
    marker = text.find(BLANK_MARKER)
    if marker >= 0 and text[marker + len(BLANK_MARKER) :].strip():
        # Missing-word form: the answers stand where the blank is.
        before, after = text[:marker], text[marker + len(BLANK_MARKER) :]
        body = escape(before) + block + escape(after)
    else:
        body = escape(text) + " " + block
    lines = []
    skills = question.get("skills") or []
    if skills:
        lines.append("// " + " ".join(f"[tag:{skill}]" for skill in skills))
    if question.get("grader_info"):
        info = writer.text(question.get("grader_info"), "grader_info")
        if info:
            lines.append("// grader_info: " + escape(info))
    text_format = question.get("format")
    prefix = f"[{text_format}]" if text_format in FORMATS else ""
    lines.append(f"::{escape(str(question['id']))}::{prefix}{body}")
    return "\n".join(lines), writer.lost


def write_gift(
    questions: Iterable[Mapping], lang: str = "fr", *, problems: list[Problem] | None = None
) -> str:
    """GIFT text of ``questions`` in ``lang``; what GIFT cannot express is added to ``problems``.

    A question GIFT cannot hold (ordering, an invalid definition) is left out, with a comment in
    the file and a Problem whose ``line`` is the question's position in ``questions`` (from 1).
    """
    problems = problems if problems is not None else []
    blocks = []
    category = None
    for position, question in enumerate(questions, start=1):
        question_id = question.get("id", f"#{position}") if isinstance(question, Mapping) else ""
        errors = definition_errors(question)
        try:
            if errors:
                path, message = errors[0]
                raise NotInGift(f"invalid definition: {path}: {message}")
            block, lost = _write_question(question, lang)
        except NotInGift as error:
            problems.append(Problem(position, f"{question_id}: not exported: {error}"))
            blocks.append(f"// {escape(str(question_id))} not exported: {escape(str(error))}")
            continue
        problems.extend(Problem(position, f"{question_id}: {message}") for message in lost)
        if question.get("category") and question["category"] != category:
            category = question["category"]
            blocks.append(f"$CATEGORY: {category}")
        blocks.append(block)
    return "\n\n".join(blocks) + "\n" if blocks else ""
