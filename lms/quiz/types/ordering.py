"""Ordering: items to put in order; all or nothing, or partial by the longest ordered run."""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate

from lms.i18n import N_
from lms.quiz.types.base import (
    MAX_CHOICES,
    ContentSchema,
    Entries,
    Outcome,
    QuestionType,
    ResponseError,
    answer_id,
    choices_of,
    id_list,
    ids_of,
    in_order,
    is_blank,
    items_errors,
    outcome,
    text_in,
    valid_items,
)

SCORING = ("all_or_nothing", "partial")


def longest_ordered_run(positions: list[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting, n log n)."""
    tails: list[int] = []
    for position in positions:
        index = bisect.bisect_left(tails, position)
        if index == len(tails):
            tails.append(position)
        else:
            tails[index] = position
    return len(tails)


class Ordering(QuestionType):
    """Items to put in order; all or nothing, or partial by the longest correctly ordered run."""

    name = "ordering"
    interaction_type = "sequencing"
    SCORING = SCORING
    schema = ContentSchema(
        required=("items",),
        optional=("scoring",),
        choices={"scoring": (SCORING, "ordering scoring")},
        entries={"items": Entries(("id", "text"), texts=("text",))},
    )
    ordered_lines = True
    # GIFT has no ordering question: gift_write keeps the base "cannot be written".

    @classmethod
    def answer_field(cls) -> fields.Field:
        return fields.List(answer_id(), validate=validate.Length(max=MAX_CHOICES))

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        errors += items_errors(defn, "items", ("id", "text"), minimum=2)
        if defn.get("scoring", "all_or_nothing") not in SCORING:
            errors.append(("scoring", "must be all_or_nothing or partial"))
        return errors

    @classmethod
    def form_answer(cls, defn: Mapping, form: Any, name: str) -> list[str]:
        if form.get(f"{name}.untouched"):  # the order shown, neither moved nor kept: no answer
            return []
        ranks = range(1, len(defn["items"]) + 1)
        return [form[f"{name}.{rank}"] for rank in ranks if form.get(f"{name}.{rank}")]

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> list[str]:
        if is_blank(raw):
            return []
        order = id_list(raw, comma_separated=True)
        known = set(ids_of(valid_items(defn, "items")))
        for item_id in order:
            if item_id not in known:
                raise ResponseError(N_("Unknown item: %(item)s."), item=item_id)
        if len(set(order)) != len(order):
            raise ResponseError(N_("Each item can appear only once."))
        return order

    @classmethod
    def option_order(cls, defn: Mapping, settings: Mapping, rng: random.Random) -> list:
        # Always shown shuffled, otherwise the answer would be on screen.
        ids = ids_of(valid_items(defn, "items"))
        shuffled = rng.sample(ids, len(ids))
        if shuffled == ids and len(ids) > 1:
            shuffled = ids[1:] + ids[:1]
        return shuffled

    @classmethod
    def shown_items(cls, defn: Mapping, option_order: list | None) -> list[Mapping]:
        return in_order(valid_items(defn, "items"), option_order)

    @classmethod
    def score(cls, defn: Mapping, response: list[str]) -> Outcome:
        correct = ids_of(valid_items(defn, "items"))
        response = list(response or [])
        if not correct or not response:
            return outcome(defn, 0.0)
        if defn.get("scoring", "all_or_nothing") == "partial":
            rank = {item_id: index for index, item_id in enumerate(correct)}
            positions = [rank[item_id] for item_id in response if item_id in rank]
            return outcome(defn, longest_ordered_run(positions) / len(correct))
        return outcome(defn, 1.0 if response == correct else 0.0)

    @classmethod
    def correct_response(cls, defn: Mapping) -> list[str]:
        return ids_of(valid_items(defn, "items"))

    @classmethod
    def describe(cls, defn: Mapping, response: Any) -> list:
        texts = {item["id"]: item["text"] for item in valid_items(defn, "items")}
        return [texts[item_id] for item_id in response if item_id in texts]

    @classmethod
    def summary(cls, defn: Mapping, lang: str) -> list[dict]:
        return [{"text": text_in(item["text"], lang)} for item in valid_items(defn, "items")]

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return ["[,]".join(cls.correct_response(defn))]

    @classmethod
    def _components(cls, defn: Mapping, lang: str) -> dict:
        return {"choices": choices_of(valid_items(defn, "items"), lang)}

    @classmethod
    def xapi_response(cls, defn: Mapping, response: list[str]) -> str:
        return "[,]".join(response or [])

    @classmethod
    def demo_wrong_response(cls, defn: Mapping, rng: random.Random) -> Any:
        return [item["id"] for item in reversed(defn["items"])]
