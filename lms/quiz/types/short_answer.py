"""Short answer: a typed word or phrase compared with accepted answers; ``*`` is a wildcard."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from lms.quiz import gift_syntax as gift
from lms.quiz.types.base import (
    MAX_TEXT_RESPONSE,
    ContentSchema,
    Entries,
    NotInGift,
    Outcome,
    QuestionType,
    TypedAnswer,
    checked_text,
    format_number,
    fraction_errors,
    fraction_of,
    is_blank,
    is_full,
    items_errors,
    normalise_text,
    outcome,
    raw_list,
    valid_items,
)


@lru_cache(maxsize=4096)
def _answer_pattern(text: str, case_sensitive: bool) -> re.Pattern:
    text = normalise_text(text)
    if not case_sensitive:
        text = unicodedata.normalize("NFC", text.casefold())
    return re.compile(".*".join(re.escape(part) for part in text.split("*")), re.DOTALL)


def _fold(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else unicodedata.normalize("NFC", text.casefold())


def first_match_errors(cls: type[QuestionType], defn: Mapping) -> list[tuple[str, str]]:
    """Answers tried in order: one must give full marks, and be reachable."""
    if not any(is_full(a) for a in valid_items(defn, "answers")):
        return [("answers", "no correct answer: no answer has fraction 1")]
    if cls.score(defn, cls.correct_response(defn)).fraction != 1.0:
        return [("answers", "no response can score 100 %: an earlier answer matches first")]
    return []


class ShortAnswer(TypedAnswer):
    """A typed word or phrase compared with accepted answers, in order; ``*`` is a wildcard."""

    name = "short_answer"
    interaction_type = "fill-in"
    schema = ContentSchema(
        required=("answers",),
        optional=("case_sensitive",),
        booleans=("case_sensitive",),
        entries={"answers": Entries(("text", "fraction"), ("feedback",), ("feedback",), ("text",))},
    )
    gift_rank = 5

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        if not defn.get("answers"):
            return errors + [("answers", "no accepted answer")]
        errors += items_errors(defn, "answers", ("text", "fraction"))
        errors += fraction_errors(raw_list(defn, "answers"), "answers", 0.0, 1.0)
        for index, answer in enumerate(valid_items(defn, "answers")):
            text = answer.get("text")
            if "text" in answer and (not isinstance(text, str) or not normalise_text(text)):
                errors.append((f"answers[{index}].text", "must be a non-empty text"))
        if "case_sensitive" in defn and not isinstance(defn["case_sensitive"], bool):
            errors.append(("case_sensitive", "must be true or false"))
        return errors or first_match_errors(cls, defn)

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> str:
        if is_blank(raw):
            return ""
        if isinstance(raw, list | tuple) and len(raw) == 1:
            raw = raw[0]
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raw = format_number(raw)
        raw = checked_text(raw, MAX_TEXT_RESPONSE)
        return normalise_text(raw)

    @classmethod
    def _match(cls, defn: Mapping, response: str) -> Mapping | None:
        case_sensitive = defn.get("case_sensitive") is True
        folded = _fold(normalise_text(response), case_sensitive)
        for answer in valid_items(defn, "answers"):
            text = answer.get("text")
            if isinstance(text, str) and _answer_pattern(text, case_sensitive).fullmatch(folded):
                return answer
        return None

    @classmethod
    def score(cls, defn: Mapping, response: str) -> Outcome:
        answer = cls._match(defn, response) if response else None
        if answer is None:
            return outcome(defn, 0.0)
        return outcome(defn, fraction_of(answer), [answer.get("feedback")])

    @classmethod
    def correct_response(cls, defn: Mapping) -> str:
        candidates = []
        for answer in valid_items(defn, "answers"):
            text = answer.get("text")
            if is_full(answer) and isinstance(text, str):
                text = normalise_text(text)
                candidates += [text.replace("*", ""), text.replace("*", "x")]
                candidates += [text.replace("*", "zq"), text.replace("*", " ")]
        for candidate in candidates:
            if candidate.strip() and cls.score(defn, normalise_text(candidate)).fraction == 1.0:
                return normalise_text(candidate)
        return normalise_text(candidates[0]) if candidates else ""

    @classmethod
    def correct_lines(cls, defn: Mapping) -> list:
        """The accepted wordings, as written."""
        return [
            {"text": a["text"]} for a in valid_items(defn, "answers") if a.get("fraction", 0) >= 1
        ]

    @classmethod
    def summary(cls, defn: Mapping, lang: str) -> list[dict]:
        return [
            {"text": a["text"], "fraction": a["fraction"]} for a in valid_items(defn, "answers")
        ]

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        # xAPI has no wildcard: only literal accepted answers describe the correct response.
        prefix = "{case_matters=true}" if defn.get("case_sensitive") is True else ""
        return [
            prefix + normalise_text(a["text"])
            for a in valid_items(defn, "answers")
            if is_full(a) and isinstance(a.get("text"), str) and "*" not in a["text"]
        ]

    @classmethod
    def xapi_response(cls, defn: Mapping, response: str) -> str:
        return response or ""

    @classmethod
    def gift_read(cls, answer: str, base: int, lang: str, warn: list) -> dict | None:
        if not answer.startswith("="):
            return None
        return {"answers": gift.weighted_answers(answer, base, lang, "an accepted answer")}

    @classmethod
    def gift_write(cls, writer: gift.GiftWriter) -> str:
        if writer.question.get("case_sensitive") is True:
            writer.lost.append(
                "case-sensitive matching cannot be written in GIFT (Moodle ignores case)"
            )
        answers = []
        for answer in writer.question["answers"]:
            text = answer["text"].strip()
            if "->" in text:
                raise NotInGift(f"the accepted answer '{text}' contains '->', read as matching")
            weight = gift.weight_marker(float(answer["fraction"]))
            answers.append("=" + weight + gift.escape(text) + writer.feedback(answer))
        return writer.lines(answers)

    @classmethod
    def demo_wrong_response(cls, defn: Mapping, rng: random.Random) -> Any:
        return "je ne sais pas"
