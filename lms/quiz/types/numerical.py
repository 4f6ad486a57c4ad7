"""Numerical: a number, right within a tolerance; answers are tried in order."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from typing import Any

from lms.i18n import N_
from lms.quiz import gift_syntax as gift
from lms.quiz.types.base import (
    ContentSchema,
    Entries,
    Outcome,
    ResponseError,
    TypedAnswer,
    format_number,
    fraction_errors,
    fraction_of,
    is_blank,
    is_full,
    is_number,
    items_errors,
    outcome,
    raw_list,
    valid_items,
)
from lms.quiz.types.short_answer import first_match_errors

_SPACES = " \u00a0\u202f\u2009"
_NUMBER = re.compile(
    rf"""
    (?P<sign>[+\-\u2212])?
    (?P<int>[0-9]{{1,3}}(?:[{_SPACES}][0-9]{{3}})+|[0-9]*)
    (?:[.,](?P<frac>[0-9]+))?
    (?:[eE](?P<exp>[+\-]?[0-9]+))?
    \s*
    (?P<unit>[^0-9\s+\-\u2212.,][^0-9]*)?
    """,
    re.VERBOSE,
)
NOT_A_NUMBER = N_("Enter a number, for example 12 or 12.5.")
# A live histogram shows each value given, or this many equal ranges when there are more.
HISTOGRAM_BARS = 8


def parse_number(text: str) -> float:
    """A learner's number: decimal comma or point, spaced thousands, an optional unit after it."""
    match = _NUMBER.fullmatch(text.strip())
    if not match or not (match["int"] or match["frac"]):
        raise ResponseError(NOT_A_NUMBER)
    digits = re.sub(f"[{_SPACES}]", "", match["int"]) or "0"
    sign = "-" if match["sign"] in ("-", "\u2212") else ""
    value = float(f"{sign}{digits}.{match['frac'] or '0'}e{match['exp'] or '0'}")
    if not math.isfinite(value):
        raise ResponseError(NOT_A_NUMBER)
    return value


def _range(answer: Mapping) -> tuple[float, float]:
    return float(answer["value"]), float(answer.get("tolerance", 0) or 0)


def _number_label(value: float, end: float | None = None) -> dict[str, str]:
    """A value or a range of values as a language map (a decimal comma in French)."""
    text = format_number(value) if end is None else f"{_round(value)}–{_round(end)}"
    return {"en": text, "fr": text.replace(".", ",")}


def _round(value: float) -> str:
    return format_number(float(f"{value:.3g}"))


def _keys(defn: Mapping) -> list[Mapping]:
    return [a for a in valid_items(defn, "answers") if is_full(a) and is_number(a.get("value"))]


class Numerical(TypedAnswer):
    """A number, right within a tolerance; answers are tried in order."""

    name = "numerical"
    interaction_type = "numeric"
    schema = ContentSchema(
        required=("answers",),
        optional=("unit",),
        texts=("unit",),
        entries={
            "answers": Entries(("value", "fraction"), ("tolerance", "feedback"), ("feedback",))
        },
    )
    gift_rank = 1

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        errors += items_errors(defn, "answers", ("value", "fraction"))
        raw_answers = raw_list(defn, "answers")
        errors += fraction_errors(raw_answers, "answers", 0.0, 1.0)
        for index, answer in enumerate(raw_answers):
            if isinstance(answer, Mapping):
                errors += _answer_errors(answer, f"answers[{index}]")
        return errors or first_match_errors(cls, defn)

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> float | None:
        if is_blank(raw):
            return None
        if isinstance(raw, list | tuple) and len(raw) == 1:
            raw = raw[0]
        if is_number(raw):
            return float(raw)
        if not isinstance(raw, str) or len(raw) > 100:
            raise ResponseError(NOT_A_NUMBER)
        return parse_number(raw)

    @staticmethod
    def _within(answer: Mapping, value: float) -> bool:
        target, tolerance = _range(answer)
        # A relative slack absorbs binary rounding, e.g. |0.4 - 0.3| > 0.1 in floating point.
        return abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target))

    @classmethod
    def score(cls, defn: Mapping, response: float | None) -> Outcome:
        if response is None:
            return outcome(defn, 0.0)
        for answer in valid_items(defn, "answers"):
            if is_number(answer.get("value")) and cls._within(answer, response):
                return outcome(defn, fraction_of(answer), [answer.get("feedback")])
        return outcome(defn, 0.0)

    @classmethod
    def correct_response(cls, defn: Mapping) -> float | None:
        candidates = []
        for answer in _keys(defn):
            value, tolerance = _range(answer)
            candidates += [value, value - tolerance, value + tolerance]
            candidates += [value - tolerance / 2, value + tolerance / 2]
        for candidate in candidates:
            if cls.score(defn, candidate).fraction == 1.0:
                return candidate
        return candidates[0] if candidates else None

    @classmethod
    def describe(cls, defn: Mapping, response: Any) -> list:
        return [{"number": format_number(response), "unit": defn.get("unit")}]

    @classmethod
    def live_bars(cls, defn: Mapping, responses: list) -> list[tuple[Any, int, bool]]:
        """A histogram of the values given: one bar per value, or equal ranges when there are
        many; a bar is marked right when it holds a fully right value."""
        values = sorted(value for value in responses if value is not None)
        distinct = sorted(set(values))
        if len(distinct) <= HISTOGRAM_BARS:
            return [
                (_number_label(value), values.count(value), cls.score(defn, value).fraction == 1)
                for value in distinct
            ]
        low, high = distinct[0], distinct[-1]
        width = (high - low) / HISTOGRAM_BARS
        keys = [_range(a) for a in _keys(defn) if fraction_of(a) == 1]
        bars = []
        for index in range(HISTOGRAM_BARS):
            start = low + index * width
            end = high if index == HISTOGRAM_BARS - 1 else start + width
            last = index == HISTOGRAM_BARS - 1
            count = sum(1 for v in values if start <= v < end or (last and v == end))
            right = any(v - t <= end and v + t >= start for v, t in keys)
            bars.append((_number_label(start, end), count, right))
        return bars

    @classmethod
    def summary(cls, defn: Mapping, lang: str) -> list[dict]:
        return [
            {"value": a["value"], "tolerance": a.get("tolerance", 0), "fraction": a["fraction"]}
            for a in valid_items(defn, "answers")
        ]

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        # Always a range, even for an exact value ("90[:]90"): one shape for every consumer.
        patterns = []
        for answer in _keys(defn):
            value, tolerance = _range(answer)
            low, high = format_number(value - tolerance), format_number(value + tolerance)
            patterns.append(f"{low}[:]{high}")
        return patterns

    @classmethod
    def xapi_response(cls, defn: Mapping, response: float | None) -> str:
        return "" if response is None else format_number(response)

    @classmethod
    def gift_read(cls, answer: str, base: int, lang: str, warn: list) -> dict | None:
        if not answer.startswith("#"):
            return None
        body = answer[1:]  # after the leading '#'
        catch_all = body.find("~")
        if catch_all >= 0:
            warn.append(
                ("the feedback for any other number (~) is not imported", base + 1 + catch_all)
            )
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
            raise gift.GiftError("a numerical question needs at least one number", base)
        return {"answers": [_gift_answer(chunk, position, lang) for chunk, position in chunks]}

    @classmethod
    def gift_write(cls, writer: gift.GiftWriter) -> str:
        if writer.question.get("unit"):
            writer.lost.append("the unit cannot be written in GIFT")
        answers = []
        for answer in writer.question["answers"]:
            weight = gift.weight_marker(float(answer["fraction"]))
            spec = format_number(answer["value"])
            if answer.get("tolerance"):
                spec += ":" + format_number(answer["tolerance"])
            answers.append("=" + weight + spec + writer.feedback(answer))
        return "{#\n" + writer.lines(answers)[2:]

    @classmethod
    def demo_wrong_response(cls, defn: Mapping, rng: random.Random) -> Any:
        return str(defn["answers"][0]["value"] + 7)

    @classmethod
    def demo_raw(cls, defn: Mapping, response: Any) -> Any:
        return str(response) if isinstance(response, int | float) else response


def _answer_errors(answer: Mapping, path: str) -> list[tuple[str, str]]:
    errors = []
    if "value" in answer and not is_number(answer["value"]):
        errors.append((f"{path}.value", "must be a number"))
    tolerance = answer.get("tolerance", 0)
    if not is_number(tolerance):
        errors.append((f"{path}.tolerance", "must be a number"))
    elif tolerance < 0:
        errors.append((f"{path}.tolerance", "tolerance must not be negative"))
    return errors


def _gift_spec(spec: str, position: int) -> tuple[float, float]:
    """(value, tolerance) of ``12``, ``12:0.5`` or ``11.5..12.5``."""
    if ".." in spec:
        low_text, _, high_text = spec.partition("..")
        low, high = gift.number(low_text, position), gift.number(high_text, position)
        if high < low:
            raise gift.GiftError(f"the range {spec} ends below its start", position)
        value = gift.number(format_number((low + high) / 2), position)
        return value, gift.number(format_number((high - low) / 2), position)
    if ":" in spec:
        value_text, _, tolerance_text = spec.partition(":")
        return gift.number(value_text, position), gift.number(tolerance_text, position)
    return gift.number(spec, position), 0


def _gift_answer(chunk: str, position: int, lang: str) -> dict:
    weight, rest = gift.weight(chunk, position)
    spec, _, feedback = rest.partition("#")
    if not spec.strip():
        raise gift.GiftError("an answer has no number", position)
    value, tolerance = _gift_spec(spec.strip(), position)
    entry: dict = {
        "value": value,
        "tolerance": tolerance,
        "fraction": 1.0 if weight is None else weight,
    }
    if gift.clean(feedback):
        entry["feedback"] = gift.lang(gift.clean(feedback), lang)
    return entry
