"""Single choice: one option to choose; its fraction is the score (partial credit allowed)."""

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
    Entries,
    Outcome,
    QuestionType,
    ResponseError,
    answer_id,
    choices_of,
    fraction_errors,
    fraction_of,
    ids_of,
    in_order,
    is_blank,
    is_full,
    items_errors,
    one_id,
    outcome,
    raw_list,
    text_in,
    valid_items,
)

OPTIONS = Entries(("id", "text", "fraction"), ("feedback",), texts=("text", "feedback"))


class SingleChoice(QuestionType):
    """One option to choose; its fraction is the score (partial credit allowed)."""

    name = "single_choice"
    interaction_type = "choice"
    schema = ContentSchema(required=("options",), entries={"options": OPTIONS})
    gift_rank = 2

    @classmethod
    def answer_field(cls) -> fields.Field:
        return answer_id()

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        errors += items_errors(defn, "options", ("id", "text", "fraction"), minimum=2)
        options = valid_items(defn, "options")
        errors += fraction_errors(raw_list(defn, "options"), "options", 0.0, 1.0)
        if options and not any(is_full(o) for o in options):
            errors.append(("options", "no correct answer: no option has fraction 1"))
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> str | None:
        if is_blank(raw):
            return None
        option_id = one_id(raw)
        if option_id not in ids_of(valid_items(defn, "options")):
            raise ResponseError(N_("Unknown answer option: %(option)s."), option=option_id)
        return option_id

    @classmethod
    def option_order(cls, defn: Mapping, settings: Mapping, rng: random.Random) -> list:
        ids = ids_of(valid_items(defn, "options"))
        return rng.sample(ids, len(ids)) if settings.get("shuffle_options") else ids

    @classmethod
    def shown_items(cls, defn: Mapping, option_order: list | None) -> list[Mapping]:
        return in_order(valid_items(defn, "options"), option_order)

    @classmethod
    def score(cls, defn: Mapping, response: str | None) -> Outcome:
        if response is None:
            return outcome(defn, 0.0)
        for option in valid_items(defn, "options"):
            if option.get("id") == response:
                return outcome(defn, fraction_of(option), [option.get("feedback")])
        return outcome(defn, 0.0)

    @classmethod
    def correct_response(cls, defn: Mapping) -> str | None:
        best = max(valid_items(defn, "options"), key=fraction_of, default=None)
        return best["id"] if best else None

    @classmethod
    def _chosen(cls, response: Any) -> list[str]:
        return response if isinstance(response, list) else [response]

    @classmethod
    def describe(cls, defn: Mapping, response: Any) -> list:
        texts = {option["id"]: option["text"] for option in valid_items(defn, "options")}
        return [texts[option_id] for option_id in cls._chosen(response) if option_id in texts]

    @classmethod
    def live_bars(cls, defn: Mapping, responses: list) -> list[tuple[Any, int, bool]]:
        counts: Counter = Counter()
        for response in responses:
            counts.update(cls._chosen(response))
        keys = set(cls._chosen(cls.correct_response(defn)))
        return [
            (option["text"], counts[option["id"]], option["id"] in keys)
            for option in valid_items(defn, "options")
        ]

    @classmethod
    def summary(cls, defn: Mapping, lang: str) -> list[dict]:
        return [
            {"text": text_in(o["text"], lang), "fraction": o["fraction"]}
            for o in valid_items(defn, "options")
        ]

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return [o["id"] for o in valid_items(defn, "options") if is_full(o)]

    @classmethod
    def _components(cls, defn: Mapping, lang: str) -> dict:
        return {"choices": choices_of(valid_items(defn, "options"), lang)}

    @classmethod
    def xapi_response(cls, defn: Mapping, response: str | None) -> str:
        return response or ""

    @classmethod
    def gift_read(cls, answer: str, base: int, lang: str, warn: list) -> dict | None:
        if "~" not in answer:
            return None
        items = gift.split_answers(answer, "=~", base)
        single = any(marker == "=" for marker, _, _ in items)
        options = []
        for index, (marker, body, position) in enumerate(items):
            weight, rest = gift.weight(body, position)
            text, feedback = gift.text_and_feedback(rest)
            if not text:
                raise gift.GiftError(f"answer {index + 1} is empty", position)
            fraction = weight if weight is not None else (1.0 if marker == "=" else 0.0)
            option = {"id": _letters(index), "text": gift.lang(text, lang), "fraction": fraction}
            if feedback:
                option["feedback"] = gift.lang(feedback, lang)
            options.append(option)
        return {"type": "single_choice" if single else "multiple_response", "options": options}

    @classmethod
    def _gift_marker(cls, fraction: float) -> str:
        return "=" if fraction == 1 else "~" if fraction == 0 else f"~%{gift.percent(fraction)}%"

    @classmethod
    def gift_write(cls, writer: gift.GiftWriter) -> str:
        answers = []
        for option in writer.question["options"]:
            marker = cls._gift_marker(float(option["fraction"]))
            text = gift.escape(writer.text(option["text"], "an option"))
            answers.append(marker + text + writer.feedback(option))
        return writer.lines(answers)

    @classmethod
    def demo_wrong_response(cls, defn: Mapping, rng: random.Random) -> Any:
        wrong = [o["id"] for o in defn["options"] if o["fraction"] < 1]
        return rng.choice(wrong) if wrong else None


def _letters(index: int) -> str:
    """a, b, … z, aa, ab, …: short option ids as the content format uses them."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("a") + remainder) + name
    return name
