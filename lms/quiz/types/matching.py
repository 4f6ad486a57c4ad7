"""Matching: each left-hand item is matched with a right-hand choice; distractors are extra."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate

from lms.i18n import N_
from lms.quiz import gift_syntax as gift
from lms.quiz.types.base import (
    MAX_CHOICES,
    UNREADABLE,
    ContentSchema,
    Entries,
    NotInGift,
    Outcome,
    QuestionType,
    ResponseError,
    answer_id,
    choices_of,
    ids_of,
    is_blank,
    items_errors,
    outcome,
    text_in,
    valid_items,
)


def _rights(defn: Mapping) -> dict[str, Any]:
    """Every right-hand text by id: the pairs' then the distractors'."""
    rights = {pair["id"]: pair["right"] for pair in valid_items(defn, "pairs")}
    rights.update({d["id"]: d["text"] for d in valid_items(defn, "distractors")})
    return rights


class Matching(QuestionType):
    """Each left-hand item is matched with a right-hand choice; distractors are extra choices."""

    name = "matching"
    interaction_type = "matching"
    schema = ContentSchema(
        required=("pairs",),
        optional=("distractors",),
        entries={
            "pairs": Entries(("id", "left", "right"), texts=("left", "right")),
            "distractors": Entries(("id", "text"), texts=("text",)),
        },
    )
    gift_rank = 3

    @classmethod
    def answer_field(cls) -> fields.Field:
        return fields.Dict(
            keys=answer_id(), values=answer_id(), validate=validate.Length(max=MAX_CHOICES)
        )

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        errors += items_errors(defn, "pairs", ("id", "left", "right"), minimum=2)
        if defn.get("distractors") is not None:
            errors += items_errors(defn, "distractors", ("id", "text"), minimum=0)
        pair_ids = set(ids_of(valid_items(defn, "pairs")))
        for index, item in enumerate(valid_items(defn, "distractors")):
            if item.get("id") in pair_ids:
                errors.append((f"distractors[{index}].id", f"duplicate id '{item['id']}'"))
        return errors

    @classmethod
    def form_answer(cls, defn: Mapping, form: Any, name: str) -> dict[str, str]:
        chosen = {pair["id"]: form.get(f"{name}.{pair['id']}", "") for pair in defn["pairs"]}
        return {key: value for key, value in chosen.items() if value}

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> dict[str, str]:
        if is_blank(raw):
            return {}
        if not isinstance(raw, Mapping):
            raise ResponseError(UNREADABLE)
        pair_ids = ids_of(valid_items(defn, "pairs"))
        choices = set(_rights(defn))
        chosen: dict[str, str] = {}
        for key, value in raw.items():
            if key not in pair_ids:
                raise ResponseError(N_("Unknown item to match: %(item)s."), item=str(key))
            if is_blank(value):
                continue
            if not isinstance(value, str) or value.strip() not in choices:
                raise ResponseError(N_("Unknown choice: %(choice)s."), choice=str(value))
            chosen[key] = value.strip()
        return {pair_id: chosen[pair_id] for pair_id in pair_ids if pair_id in chosen}

    @classmethod
    def option_order(cls, defn: Mapping, settings: Mapping, rng: random.Random) -> list:
        rights = list(_rights(defn))
        return rng.sample(rights, len(rights))

    @classmethod
    def shown_items(cls, defn: Mapping, option_order: list | None) -> list[Mapping]:
        """The right-hand texts offered, distractors included, in attempt order."""
        rights = _rights(defn)
        order = option_order or list(rights)
        return [
            {"id": right_id, "text": rights[right_id]} for right_id in order if right_id in rights
        ]

    @classmethod
    def score(cls, defn: Mapping, response: dict[str, str]) -> Outcome:
        pair_ids = ids_of(valid_items(defn, "pairs"))
        if not pair_ids:
            return outcome(defn, 0.0)
        right = sum(1 for pair_id in pair_ids if (response or {}).get(pair_id) == pair_id)
        return outcome(defn, right / len(pair_ids))

    @classmethod
    def correct_response(cls, defn: Mapping) -> dict[str, str]:
        return {pair_id: pair_id for pair_id in ids_of(valid_items(defn, "pairs"))}

    @classmethod
    def describe(cls, defn: Mapping, response: Any) -> list:
        rights = _rights(defn)
        return [
            {"left": pair["left"], "right": rights.get(response.get(pair["id"]))}
            for pair in valid_items(defn, "pairs")
            if pair["id"] in response
        ]

    @classmethod
    def summary(cls, defn: Mapping, lang: str) -> list[dict]:
        pairs = [
            {"left": text_in(p["left"], lang), "right": text_in(p["right"], lang)}
            for p in valid_items(defn, "pairs")
        ]
        extra = [
            {"left": "", "right": text_in(d["text"], lang)}
            for d in valid_items(defn, "distractors")
        ]
        return pairs + extra

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return [cls.xapi_response(defn, cls.correct_response(defn))]

    @classmethod
    def _components(cls, defn: Mapping, lang: str) -> dict:
        pairs = valid_items(defn, "pairs")
        target = choices_of(pairs, lang, "right") + choices_of(
            valid_items(defn, "distractors"), lang
        )
        return {"source": choices_of(pairs, lang, "left"), "target": target}

    @classmethod
    def xapi_response(cls, defn: Mapping, response: dict[str, str]) -> str:
        return "[,]".join(f"{source}[.]{target}" for source, target in (response or {}).items())

    @classmethod
    def gift_read(cls, answer: str, base: int, lang: str, warn: list) -> dict | None:
        if "=" not in answer or "->" not in answer:
            return None
        pairs, distractors = [], []
        for _, body, position in gift.split_answers(answer, "=", base):
            left, arrow, right = body.partition("->")
            if not arrow:
                raise gift.GiftError("a matching pair is written =left -> right", position)
            left, right = gift.clean(left), gift.clean(right)
            if not right:
                raise gift.GiftError("a matching pair has nothing on its right-hand side", position)
            if left:
                pair = {"id": f"p{len(pairs) + 1}", "left": gift.lang(left, lang)}
                pairs.append(pair | {"right": gift.lang(right, lang)})
            else:
                distractors.append(
                    {"id": f"x{len(distractors) + 1}", "text": gift.lang(right, lang)}
                )
        question: dict = {"pairs": pairs}
        if distractors:
            question["distractors"] = distractors
        return question

    @classmethod
    def gift_write(cls, writer: gift.GiftWriter) -> str:
        answers = []
        for pair in writer.question["pairs"]:
            left = writer.text(pair["left"], "a pair")
            if "->" in left:
                raise NotInGift(f"the left-hand item '{left}' contains '->'")
            right = gift.escape(writer.text(pair["right"], "a pair"))
            answers.append(f"={gift.escape(left)} -> {right}")
        for distractor in writer.question.get("distractors") or []:
            answers.append(f"= -> {gift.escape(writer.text(distractor['text'], 'a distractor'))}")
        return writer.lines(answers)

    @classmethod
    def demo_wrong_response(cls, defn: Mapping, rng: random.Random) -> Any:
        rights = [pair["id"] for pair in defn["pairs"]]
        shifted = rights[1:] + rights[:1]
        return {pair["id"]: right for pair, right in zip(defn["pairs"], shifted, strict=True)}
