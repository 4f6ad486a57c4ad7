"""Moodle GIFT: a hand-written parser to content-format questions, and a writer back to GIFT."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lms.quiz.types import definition_errors, format_number

BLANK_MARKER = "___"
FORMATS = ("html", "markdown", "plain", "moodle")

# Escaped characters are swapped for private-use placeholders before parsing, as Moodle does,
# so that the structural characters found afterwards are always the unescaped ones.
_ESCAPABLE = "\\~=#{}:n"
_PLACEHOLDER = {char: chr(0xE000 + index) for index, char in enumerate(_ESCAPABLE)}
_RESTORE = {ord(ph): ("\n" if char == "n" else char) for char, ph in _PLACEHOLDER.items()}
_ESCAPE_RE = re.compile(r"\\([\\~=#{}:n])")

_TAG_RE = re.compile(r"\[tag:([^\]]+)\]")
_ID_RE = re.compile(r"\[id:([^\]]+)\]")
_GRADER_INFO_RE = re.compile(r"^//\s*grader_info:(.*)$")
_FORMAT_RE = re.compile(r"\s*\[(html|markdown|plain|moodle)\]")
_WEIGHT_RE = re.compile(r"\s*%(-?[0-9]+(?:\.[0-9]+)?)%")
_INT_RE = re.compile(r"[+-]?[0-9]+")
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


class _GiftError(Exception):
    def __init__(self, message: str, position: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def _protect(text: str) -> str:
    return _ESCAPE_RE.sub(lambda match: _PLACEHOLDER[match[1]], text)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _clean(text: str) -> str:
    """Final text of a fragment: a leading [format] marker dropped, escapes restored, trimmed."""
    match = _FORMAT_RE.match(text)
    if match:
        text = text[match.end() :]
    return _restore(text).strip()


def _fraction(percent: float) -> float:
    """A GIFT percentage as a fraction; 33.33333 % is read as exactly 1/3, as Moodle means it."""
    fraction = percent / 100
    for denominator in range(1, 13):
        numerator = round(fraction * denominator)
        if abs(fraction - numerator / denominator) <= 1e-6:
            return numerator / denominator
    return fraction


def _number(text: str, position: int) -> int | float:
    text = text.strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # a decimal comma, as French authors write it
    if _INT_RE.fullmatch(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        raise _GiftError(f"'{_restore(text)}' is not a number", position) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise _GiftError(f"'{_restore(text)}' is not a finite number", position)
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


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


def _split_answers(answer: str, markers: str, base: int) -> list[tuple[str, str, int]]:
    """(marker, body, position) for each answer starting with one of ``markers``."""
    starts = [index for index, char in enumerate(answer) if char in markers]
    if not starts:
        return []
    if answer[: starts[0]].strip():
        raise _GiftError(
            f"text before the first answer: '{_restore(answer[: starts[0]].strip())}'", base
        )
    items = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(answer)
        items.append((answer[start], answer[start + 1 : end], base + start))
    return items


def _weight(body: str, position: int) -> tuple[float | None, str]:
    match = _WEIGHT_RE.match(body)
    if match:
        percent = float(match[1])
        if not -100 <= percent <= 100:
            raise _GiftError(f"weight {match[1]} % is outside -100 % to 100 %", position)
        return _fraction(percent), body[match.end() :]
    if body.lstrip().startswith("%"):
        raise _GiftError(
            "a weight is written as a percentage between % signs, e.g. ~%50%", position
        )
    return None, body


def _text_and_feedback(body: str) -> tuple[str, str]:
    text, _, feedback = body.partition("#")
    return _clean(text), _clean(feedback)


def _lang(text: str, lang: str) -> dict[str, str]:
    return {lang: text}


def _choice(answer: str, base: int, lang: str) -> dict:
    items = _split_answers(answer, "=~", base)
    single = any(marker == "=" for marker, _, _ in items)
    options = []
    for index, (marker, body, position) in enumerate(items):
        weight, rest = _weight(body, position)
        text, feedback = _text_and_feedback(rest)
        if not text:
            raise _GiftError(f"answer {index + 1} is empty", position)
        fraction = weight if weight is not None else (1.0 if marker == "=" else 0.0)
        option = {"id": _letters(index), "text": _lang(text, lang), "fraction": fraction}
        if feedback:
            option["feedback"] = _lang(feedback, lang)
        options.append(option)
    return {"type": "single_choice" if single else "multiple_response", "options": options}


def _letters(index: int) -> str:
    """a, b, … z, aa, ab, …: short option ids as the content format uses them."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("a") + remainder) + name
    return name


def _true_false(answer: str, lang: str) -> dict:
    head, _, rest = answer.partition("#")
    wrong, _, right = rest.partition("#")
    value = head.strip().upper() in ("T", "TRUE")
    question: dict = {"type": "true_false", "answer": value}
    wrong, right = _clean(wrong), _clean(right)
    # GIFT gives the feedback for a wrong answer first, then for a right one.
    feedback_true, feedback_false = (right, wrong) if value else (wrong, right)
    if feedback_true:
        question["feedback_true"] = _lang(feedback_true, lang)
    if feedback_false:
        question["feedback_false"] = _lang(feedback_false, lang)
    return question


def _short_answer(answer: str, base: int, lang: str) -> dict:
    answers = []
    for _, body, position in _split_answers(answer, "=", base):
        weight, rest = _weight(body, position)
        text, feedback = _text_and_feedback(rest)
        if not text:
            raise _GiftError("an accepted answer is empty", position)
        entry: dict = {"text": text, "fraction": 1.0 if weight is None else weight}
        if feedback:
            entry["feedback"] = _lang(feedback, lang)
        answers.append(entry)
    return {"type": "short_answer", "answers": answers}


def _numerical(answer: str, base: int, lang: str, warn: list[tuple[str, int]]) -> dict:
    body = answer[1:]  # after the leading '#'
    catch_all = body.find("~")
    if catch_all >= 0:
        warn.append(("the feedback for any other number (~) is not imported", base + 1 + catch_all))
        body = body[:catch_all]
    chunks = []
    start = 0
    for index, char in enumerate(body + "="):
        if char == "=":
            chunks.append((body[start:index], base + 1 + start))
            start = index + 1
    if not chunks[0][0].strip():
        chunks = chunks[1:]
    if not chunks:
        raise _GiftError("a numerical question needs at least one number", base)
    answers = []
    for chunk, position in chunks:
        weight, rest = _weight(chunk, position)
        spec, _, feedback = rest.partition("#")
        spec = spec.strip()
        if not spec:
            raise _GiftError("an answer has no number", position)
        if ".." in spec:
            low_text, _, high_text = spec.partition("..")
            low, high = _number(low_text, position), _number(high_text, position)
            if high < low:
                raise _GiftError(f"the range {spec} ends below its start", position)
            value = _number(format_number((low + high) / 2), position)
            tolerance = _number(format_number((high - low) / 2), position)
        elif ":" in spec:
            value_text, _, tolerance_text = spec.partition(":")
            value, tolerance = _number(value_text, position), _number(tolerance_text, position)
        else:
            value, tolerance = _number(spec, position), 0
        entry: dict = {
            "value": value,
            "tolerance": tolerance,
            "fraction": 1.0 if weight is None else weight,
        }
        if _clean(feedback):
            entry["feedback"] = _lang(_clean(feedback), lang)
        answers.append(entry)
    return {"type": "numerical", "answers": answers}


def _matching(answer: str, base: int, lang: str) -> dict:
    pairs, distractors = [], []
    for _, body, position in _split_answers(answer, "=", base):
        left, arrow, right = body.partition("->")
        if not arrow:
            raise _GiftError("a matching pair is written =left -> right", position)
        left, right = _clean(left), _clean(right)
        if not right:
            raise _GiftError("a matching pair has nothing on its right-hand side", position)
        if left:
            pair_id = f"p{len(pairs) + 1}"
            pairs.append({"id": pair_id, "left": _lang(left, lang), "right": _lang(right, lang)})
        else:
            distractors.append({"id": f"x{len(distractors) + 1}", "text": _lang(right, lang)})
    question: dict = {"type": "matching", "pairs": pairs}
    if distractors:
        question["distractors"] = distractors
    return question


def _parse_question(source: str, lang: str, warn: list[tuple[str, int]]) -> tuple[str | None, dict]:
    """Title and question of one protected block; raises _GiftError(message, position)."""
    title = None
    start = len(source) - len(source.lstrip())
    if source.startswith("::", start):
        end = source.find("::", start + 2)
        if end < 0:
            raise _GiftError("the title is not closed with ::", start)
        title = _restore(source[start + 2 : end]).strip()
        start = end + 2

    opening = source.find("{", start)
    closing = source.find("}", start)
    if opening < 0 and closing < 0:
        raise _GiftError(
            "no answer block { }: text without a question (a description) is not imported", start
        )
    if opening < 0 or closing < opening:
        raise _GiftError(
            "unbalanced braces: write a literal brace as \\{ or \\}", max(opening, closing)
        )
    nested = source.find("{", opening + 1, closing)
    if nested >= 0:
        raise _GiftError("a '{' inside the answer block: write a literal brace as \\{", nested)
    after = source[closing + 1 :]
    extra = min((i for i in (after.find("{"), after.find("}")) if i >= 0), default=-1)
    if extra >= 0:
        raise _GiftError("only one answer block { } per question", closing + 1 + extra)

    before = source[start:opening]
    text_format = None
    match = _FORMAT_RE.match(before)
    if match:
        text_format = match[1]
        before = before[match.end() :]
    text = before + BLANK_MARKER + after if after.strip() else before
    text = _restore(text).strip()
    if not text:
        raise _GiftError("the question has no text", start)

    answer = source[opening + 1 : closing]
    base = opening + 1
    general = ""
    separator = answer.rfind("####")
    if separator >= 0:
        general = _clean(answer[separator + 4 :])
        answer = answer[:separator]

    stripped = answer.strip()
    base += len(answer) - len(answer.lstrip())
    head = stripped.partition("#")[0].strip().upper()
    if not stripped:
        fields: dict = {"type": "essay"}
    elif stripped[0] == "#":
        fields = _numerical(stripped, base, lang, warn)
    elif "~" in stripped:
        fields = _choice(stripped, base, lang)
    elif "=" in stripped and "->" in stripped:
        fields = _matching(stripped, base, lang)
    elif head in ("T", "TRUE", "F", "FALSE"):
        fields = _true_false(stripped, lang)
    elif stripped[0] == "=":
        fields = _short_answer(stripped, base, lang)
    else:
        raise _GiftError(
            "unknown answer block: answers start with = or ~, numbers with #, "
            "true/false is {T} or {F}",
            base,
        )

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
                grader_info = _restore(_protect(info[1])).strip() if info else grader_info
                body.append("")  # keeps line numbers aligned with the file
            else:
                body.append(line)
        source = _protect("\n".join(body))
        if not source.strip():
            continue
        lead = len(source) - len(source.lstrip())
        if source.startswith("$CATEGORY:", lead):
            end = source.find("\n", lead)
            end = len(source) if end < 0 else end
            category = _restore(source[lead + len("$CATEGORY:") : end]).strip() or None
            source = "\n" * source.count("\n", 0, end) + source[end:]
            if not source.strip():
                continue

        rank += 1
        warnings: list[tuple[str, int]] = []
        try:
            title, question = _parse_question(source, lang, warnings)
        except _GiftError as error:
            line = first_line + source.count("\n", 0, error.position)
            title_match = _TITLE_RE.match(source)
            prefix = f"{_restore(title_match[1]).strip()}: " if title_match else ""
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
        if question["type"] == "essay":
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


class _Unsupported(Exception):
    pass


def escape(text: str) -> str:
    """GIFT text: special characters escaped, line breaks as \\n, as Moodle writes it."""
    text = text.replace("\r", "").replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.5f}".rstrip("0").rstrip(".")


class _Writer:
    def __init__(self, question: Mapping, lang: str) -> None:
        self.question = question
        self.lang = lang
        self.lost: list[str] = []

    def text(self, value: object, what: str) -> str:
        if isinstance(value, str):
            return value.strip()
        if not isinstance(value, Mapping):
            return ""
        chosen = value.get(self.lang)
        if isinstance(chosen, str) and chosen.strip():
            return chosen.strip()
        for other, text in value.items():
            if isinstance(text, str) and text.strip():
                self.lost.append(f"{what} has no '{self.lang}' text: the '{other}' one is used")
                return text.strip()
        return ""

    def feedback(self, item: Mapping, key: str = "feedback") -> str:
        text = self.text(item.get(key), key) if item.get(key) else ""
        return "#" + escape(text) if text else ""

    def general(self) -> str:
        text = self.text(self.question.get("feedback"), "feedback")
        return "####" + escape(text) if text else ""

    def block(self) -> str:
        q = self.question
        kind = q["type"]
        method = getattr(self, f"_{kind}", None)
        if method is None:
            raise _Unsupported(f"{kind} questions cannot be written in GIFT")
        return method()

    def _lines(self, answers: list[str]) -> str:
        general = self.general()
        body = "".join(f"\t{answer}\n" for answer in answers)
        if general:
            body += f"\t{general}\n"
        return "{\n" + body + "}"

    def _single_choice(self) -> str:
        answers = []
        for option in self.question["options"]:
            fraction = float(option["fraction"])
            marker = "=" if fraction == 1 else "~" if fraction == 0 else f"~%{_percent(fraction)}%"
            text = escape(self.text(option["text"], "an option"))
            answers.append(marker + text + self.feedback(option))
        return self._lines(answers)

    def _multiple_response(self) -> str:
        answers = []
        for option in self.question["options"]:
            fraction = float(option["fraction"])
            marker = "~" if fraction == 0 else f"~%{_percent(fraction)}%"
            text = escape(self.text(option["text"], "an option"))
            answers.append(marker + text + self.feedback(option))
        return self._lines(answers)

    def _true_false(self) -> str:
        q = self.question
        right_key, wrong_key = (
            ("feedback_true", "feedback_false")
            if q["answer"]
            else ("feedback_false", "feedback_true")
        )
        right = escape(self.text(q.get(right_key), right_key)) if q.get(right_key) else ""
        wrong = escape(self.text(q.get(wrong_key), wrong_key)) if q.get(wrong_key) else ""
        inner = "TRUE" if q["answer"] else "FALSE"
        if wrong or right:
            inner += "#" + wrong
        if right:
            inner += "#" + right
        return "{" + inner + self.general() + "}"

    def _short_answer(self) -> str:
        if self.question.get("case_sensitive") is True:
            self.lost.append(
                "case-sensitive matching cannot be written in GIFT (Moodle ignores case)"
            )
        answers = []
        for answer in self.question["answers"]:
            text = answer["text"].strip()
            if "->" in text:
                raise _Unsupported(f"the accepted answer '{text}' contains '->', read as matching")
            fraction = float(answer["fraction"])
            weight = "" if fraction == 1 else f"%{_percent(fraction)}%"
            answers.append("=" + weight + escape(text) + self.feedback(answer))
        return self._lines(answers)

    def _numerical(self) -> str:
        if self.question.get("unit"):
            self.lost.append("the unit cannot be written in GIFT")
        answers = []
        for answer in self.question["answers"]:
            fraction = float(answer["fraction"])
            weight = "" if fraction == 1 else f"%{_percent(fraction)}%"
            spec = format_number(answer["value"])
            if answer.get("tolerance"):
                spec += ":" + format_number(answer["tolerance"])
            answers.append("=" + weight + spec + self.feedback(answer))
        return "{#\n" + self._lines(answers)[2:]

    def _matching(self) -> str:
        answers = []
        for pair in self.question["pairs"]:
            left = self.text(pair["left"], "a pair")
            if "->" in left:
                raise _Unsupported(f"the left-hand item '{left}' contains '->'")
            answers.append(f"={escape(left)} -> {escape(self.text(pair['right'], 'a pair'))}")
        for distractor in self.question.get("distractors") or []:
            answers.append(f"= -> {escape(self.text(distractor['text'], 'a distractor'))}")
        return self._lines(answers)

    def _essay(self) -> str:
        return "{" + self.general() + "}"


def _write_question(question: Mapping, lang: str) -> tuple[str, list[str]]:
    writer = _Writer(question, lang)
    block = writer.block()
    text = writer.text(question.get("text"), "the question text")
    if not text:
        raise _Unsupported("the question has no text")
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
    if question["type"] == "essay":
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
                raise _Unsupported(f"invalid definition: {path}: {message}")
            block, lost = _write_question(question, lang)
        except _Unsupported as error:
            problems.append(Problem(position, f"{question_id}: not exported: {error}"))
            blocks.append(f"// {escape(str(question_id))} not exported: {escape(str(error))}")
            continue
        problems.extend(Problem(position, f"{question_id}: {message}") for message in lost)
        if question.get("category") and question["category"] != category:
            category = question["category"]
            blocks.append(f"$CATEGORY: {category}")
        blocks.append(block)
    return "\n\n".join(blocks) + "\n" if blocks else ""
