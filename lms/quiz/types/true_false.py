"""True/false: a statement that is true or false."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from typing import Any

from marshmallow import fields

from lms.i18n import N_
from lms.quiz import gift_syntax as gift
from lms.quiz.types.base import (
    ContentSchema,
    Outcome,
    QuestionType,
    ResponseError,
    is_blank,
    outcome,
)

LABELS = {True: N_("True"), False: N_("False")}


class TrueFalse(QuestionType):
    """A statement that is true or false."""

    name = "true_false"
    interaction_type = "true-false"
    schema = ContentSchema(
        required=("answer",),
        optional=("feedback_true", "feedback_false"),
        booleans=("answer",),
        texts=("feedback_true", "feedback_false"),
    )
    gift_rank = 4

    @classmethod
    def answer_field(cls) -> fields.Field:
        return fields.Boolean(truthy={"true", True}, falsy={"false", False})

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        if "answer" not in defn:
            errors.append(("answer", "missing field"))
        elif not isinstance(defn["answer"], bool):
            errors.append(("answer", "must be true or false"))
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> bool | None:
        if is_blank(raw):
            return None
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, list | tuple) and len(raw) == 1:
            return cls.parse_response(defn, raw[0])
        if isinstance(raw, str) and raw.strip().lower() in {"true", "false"}:
            return raw.strip().lower() == "true"
        raise ResponseError(N_("Choose true or false."))

    @classmethod
    def score(cls, defn: Mapping, response: bool | None) -> Outcome:
        if response is None:
            return outcome(defn, 0.0)
        chosen = defn.get("feedback_true") if response else defn.get("feedback_false")
        return outcome(defn, 1.0 if response is defn.get("answer") else 0.0, [chosen])

    @classmethod
    def correct_response(cls, defn: Mapping) -> bool:
        return bool(defn.get("answer"))

    @classmethod
    def describe(cls, defn: Mapping, response: Any) -> list:
        return [LABELS[bool(response)]]

    @classmethod
    def live_bars(cls, defn: Mapping, responses: list) -> list[tuple[Any, int, bool]]:
        counts = Counter(responses)
        return [(LABELS[value], counts[value], defn["answer"] is value) for value in (True, False)]

    @classmethod
    def summary(cls, defn: Mapping, lang: str) -> list[dict]:
        return [{"text": "true" if defn["answer"] else "false", "fraction": 1}]

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return ["true" if defn.get("answer") else "false"]

    @classmethod
    def xapi_response(cls, defn: Mapping, response: bool | None) -> str:
        return "" if response is None else ("true" if response else "false")

    @classmethod
    def gift_read(cls, answer: str, base: int, lang: str, warn: list) -> dict | None:
        head, _, rest = answer.partition("#")
        if head.strip().upper() not in ("T", "TRUE", "F", "FALSE"):
            return None
        wrong, _, right = rest.partition("#")
        value = head.strip().upper() in ("T", "TRUE")
        question: dict = {"answer": value}
        wrong, right = gift.clean(wrong), gift.clean(right)
        # GIFT gives the feedback for a wrong answer first, then for a right one.
        feedback_true, feedback_false = (right, wrong) if value else (wrong, right)
        if feedback_true:
            question["feedback_true"] = gift.lang(feedback_true, lang)
        if feedback_false:
            question["feedback_false"] = gift.lang(feedback_false, lang)
        return question

    @classmethod
    def gift_write(cls, writer: gift.GiftWriter) -> str:
        q = writer.question
        keys = ("feedback_true", "feedback_false")
        right_key, wrong_key = keys if q["answer"] else keys[::-1]
        right = gift.escape(writer.text(q.get(right_key), right_key)) if q.get(right_key) else ""
        wrong = gift.escape(writer.text(q.get(wrong_key), wrong_key)) if q.get(wrong_key) else ""
        inner = "TRUE" if q["answer"] else "FALSE"
        if wrong or right:
            inner += "#" + wrong
        if right:
            inner += "#" + right
        return "{" + inner + writer.general() + "}"

    @classmethod
    def demo_wrong_response(cls, defn: Mapping, rng: random.Random) -> Any:
        return "false" if defn["answer"] else "true"

    @classmethod
    def demo_raw(cls, defn: Mapping, response: Any) -> Any:
        if isinstance(response, bool):
            return "true" if response else "false"
        return response
