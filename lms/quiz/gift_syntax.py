"""Moodle GIFT syntax shared by the reader, the writer and the question types' GIFT hooks."""

from __future__ import annotations

import re
from collections.abc import Mapping

# Escaped characters are swapped for private-use placeholders before parsing, as Moodle does,
# so that the structural characters found afterwards are always the unescaped ones.
_ESCAPABLE = "\\~=#{}:n"
_PLACEHOLDER = {char: chr(0xE000 + index) for index, char in enumerate(_ESCAPABLE)}
_RESTORE = {ord(ph): ("\n" if char == "n" else char) for char, ph in _PLACEHOLDER.items()}
_ESCAPE_RE = re.compile(r"\\([\\~=#{}:n])")

FORMAT_RE = re.compile(r"\s*\[(html|markdown|plain|moodle)\]")
_WEIGHT_RE = re.compile(r"\s*%(-?[0-9]+(?:\.[0-9]+)?)%")
_INT_RE = re.compile(r"[+-]?[0-9]+")


class GiftError(Exception):
    """A GIFT question that cannot be read; ``position`` is the offset in its block."""

    def __init__(self, message: str, position: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def protect(text: str) -> str:
    return _ESCAPE_RE.sub(lambda match: _PLACEHOLDER[match[1]], text)


def restore(text: str) -> str:
    return text.translate(_RESTORE)


def clean(text: str) -> str:
    """Final text of a fragment: a leading [format] marker dropped, escapes restored, trimmed."""
    match = FORMAT_RE.match(text)
    if match:
        text = text[match.end() :]
    return restore(text).strip()


def lang(text: str, language: str) -> dict[str, str]:
    return {language: text}


def text_and_feedback(body: str) -> tuple[str, str]:
    text, _, feedback = body.partition("#")
    return clean(text), clean(feedback)


def _fraction(percent: float) -> float:
    """A GIFT percentage as a fraction; 33.33333 % is read as exactly 1/3, as Moodle means it."""
    fraction = percent / 100
    for denominator in range(1, 13):
        numerator = round(fraction * denominator)
        if abs(fraction - numerator / denominator) <= 1e-6:
            return numerator / denominator
    return fraction


def number(text: str, position: int) -> int | float:
    text = text.strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # a decimal comma, as French authors write it
    if _INT_RE.fullmatch(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        raise GiftError(f"'{restore(text)}' is not a number", position) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise GiftError(f"'{restore(text)}' is not a finite number", position)
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


def split_answers(answer: str, markers: str, base: int) -> list[tuple[str, str, int]]:
    """(marker, body, position) for each answer starting with one of ``markers``."""
    starts = [index for index, char in enumerate(answer) if char in markers]
    if not starts:
        return []
    if answer[: starts[0]].strip():
        raise GiftError(
            f"text before the first answer: '{restore(answer[: starts[0]].strip())}'", base
        )
    items = []
    for rank, start in enumerate(starts):
        end = starts[rank + 1] if rank + 1 < len(starts) else len(answer)
        items.append((answer[start], answer[start + 1 : end], base + start))
    return items


def weight(body: str, position: int) -> tuple[float | None, str]:
    match = _WEIGHT_RE.match(body)
    if match:
        percent = float(match[1])
        if not -100 <= percent <= 100:
            raise GiftError(f"weight {match[1]} % is outside -100 % to 100 %", position)
        return _fraction(percent), body[match.end() :]
    if body.lstrip().startswith("%"):
        raise GiftError("a weight is written as a percentage between % signs, e.g. ~%50%", position)
    return None, body


def weighted_answers(answer: str, base: int, language: str, what: str) -> list[dict]:
    """``=text#feedback`` answers, full marks unless a %weight% is given."""
    answers = []
    for _, body, position in split_answers(answer, "=", base):
        fraction, rest = weight(body, position)
        text, feedback = text_and_feedback(rest)
        if not text:
            raise GiftError(f"{what} is empty", position)
        entry: dict = {"text": text, "fraction": 1.0 if fraction is None else fraction}
        if feedback:
            entry["feedback"] = lang(feedback, language)
        answers.append(entry)
    return answers


def escape(text: str) -> str:
    """GIFT text: special characters escaped, line breaks as \\n, as Moodle writes it."""
    text = text.replace("\r", "").replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def percent(fraction: float) -> str:
    return f"{fraction * 100:.5f}".rstrip("0").rstrip(".")


def weight_marker(fraction: float) -> str:
    """``%50%`` before a partly right answer, nothing before a fully right one."""
    return "" if fraction == 1 else f"%{percent(fraction)}%"


class GiftWriter:
    """What the types' GIFT writers share: texts in one language, feedback, what was lost."""

    def __init__(self, question: Mapping, language: str) -> None:
        self.question = question
        self.lang = language
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

    def lines(self, answers: list[str]) -> str:
        general = self.general()
        body = "".join(f"\t{answer}\n" for answer in answers)
        if general:
            body += f"\t{general}\n"
        return "{\n" + body + "}"
