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
    # Questions imported under another id than their name (Moodle lets several share one).
    renamed: list[Problem] = field(default_factory=list)


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
    ``// [id:…]`` comment, else ``id_prefix`` and its rank in the file; a name already used
    gets ``-2``, ``-3``… and a note in ``renamed``. Skills come from
    ``// [tag:…]`` comment lines of the question's block; ``$CATEGORY:`` sets ``category`` for the
    questions after it; ``// grader_info: …`` gives an essay's grader information.
    """
    result = GiftResult()
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    category: str | None = None
    rank = 0
    seen: set[str] = set()
    for block in _blocks(lines):
        comments, source = _comments(block)
        if source.lstrip().startswith("$CATEGORY:"):
            category, source = _category(source)
        if not source.strip():
            continue
        rank += 1
        block_of = _Block(block[0][0], source, comments, category, f"{id_prefix}{rank:02d}")
        question_id = _read_block(result, block_of, lang, seen)
        if question_id is not None:
            seen.add(question_id)
    return result


@dataclass
class _Comments:
    """What the ``//`` lines of a question's block say."""

    tags: list[str] = field(default_factory=list)
    given_id: str | None = None
    grader_info: str | None = None


@dataclass(frozen=True)
class _Block:
    first_line: int
    source: str  # protected text, comment lines blanked so that line numbers hold
    comments: _Comments
    category: str | None
    default_id: str

    def line_at(self, position: int) -> int:
        return self.first_line + self.source.count("\n", 0, position)


def _comments(block: list[tuple[int, str]]) -> tuple[_Comments, str]:
    comments = _Comments()
    body: list[str] = []
    for _, line in block:
        stripped = line.strip()
        if not stripped.startswith("//"):
            body.append(line)
            continue
        comments.tags += [tag.strip() for tag in _TAG_RE.findall(stripped)]
        id_match = _ID_RE.search(stripped)
        comments.given_id = id_match[1].strip() if id_match else comments.given_id
        info = _GRADER_INFO_RE.match(stripped)
        comments.grader_info = restore(protect(info[1])).strip() if info else comments.grader_info
        body.append("")  # keeps line numbers aligned with the file
    return comments, protect("\n".join(body))


def _category(source: str) -> tuple[str | None, str]:
    """The category a ``$CATEGORY:`` line sets, and the source with that line blanked."""
    lead = len(source) - len(source.lstrip())
    end = source.find("\n", lead)
    end = len(source) if end < 0 else end
    category = restore(source[lead + len("$CATEGORY:") : end]).strip() or None
    return category, "\n" * source.count("\n", 0, end) + source[end:]


def _read_block(result: GiftResult, block: _Block, lang: str, seen: set[str]) -> str | None:
    """Add the block's question (or its problems) to ``result``; its id when it was added."""
    source = block.source
    warnings: list[tuple[str, int]] = []
    try:
        title, question = _parse_question(source, lang, warnings)
    except GiftError as error:
        title_match = _TITLE_RE.match(source)
        prefix = f"{restore(title_match[1]).strip()}: " if title_match else ""
        result.problems.append(Problem(block.line_at(error.position), prefix + error.message))
        return None
    start_line = block.line_at(len(source) - len(source.lstrip()))
    question_id = title or block.comments.given_id or block.default_id
    for message, position in warnings:
        result.problems.append(Problem(block.line_at(position), f"{question_id}: {message}"))
    if question_id in seen:
        named = question_id
        question_id = next(
            f"{named}-{n}" for n in range(2, len(seen) + 3) if f"{named}-{n}" not in seen
        )
        note = f"another question is already named '{named}': imported as '{question_id}'"
        result.renamed.append(Problem(start_line, note))
    if "grader_info" in question:
        question["grader_info"] = _lang(block.comments.grader_info or "", lang)
    ordered: dict = {"id": question_id, "type": question.pop("type"), "skills": block.comments.tags}
    if block.category:
        ordered["category"] = block.category
    ordered.update(question)
    errors = definition_errors(ordered)
    for path, message in errors:
        result.problems.append(Problem(start_line, f"{question_id}: {path}: {message}"))
    if errors:
        return None
    result.questions.append(ordered)
    result.lines.append(start_line)
    return question_id


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
