"""Multiple response: several options to tick; the chosen weights add up, clamped to [0, 1]."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate

from lms.i18n import N_
from lms.quiz import gift_syntax as gift
from lms.quiz.types.base import (
    FRACTION_TOLERANCE,
    MAX_CHOICES,
    Outcome,
    QuestionType,
    ResponseError,
    answer_id,
    fraction_errors,
    fraction_of,
    id_list,
    ids_of,
    is_blank,
    items_errors,
    outcome,
    raw_list,
    valid_items,
)
from lms.quiz.types.single_choice import SingleChoice


class MultipleResponse(SingleChoice):
    """Several options to tick; the chosen weights add up, clamped to [0, 1]."""

    name = "multiple_response"
    interaction_type = "choice"
    gift_rank = None  # a GIFT choice block is read by single_choice, which tells both apart

    @classmethod
    def answer_field(cls) -> fields.Field:
        return fields.List(answer_id(), validate=validate.Length(max=MAX_CHOICES))

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = QuestionType.definition_errors(defn)
        errors += items_errors(defn, "options", ("id", "text", "fraction"), minimum=2)
        errors += fraction_errors(raw_list(defn, "options"), "options", -1.0, 1.0)
        options = valid_items(defn, "options")
        positive = [fraction_of(o) for o in options if fraction_of(o) > 0]
        if options and not positive:
            errors.append(("options", "no correct answer: no option has a positive fraction"))
        elif positive and abs(math.fsum(positive) - 1.0) > FRACTION_TOLERANCE:
            errors.append(("options", "partial-credit weights cannot reach 100 %"))
        return errors

    @classmethod
    def form_answer(cls, defn: Mapping, form: Any, name: str) -> list[str]:
        return [value for value in form.getlist(name) if value]

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> list[str]:
        if is_blank(raw):
            return []
        chosen = id_list(raw)
        order = ids_of(valid_items(defn, "options"))
        for option_id in chosen:
            if option_id not in order:
                raise ResponseError(N_("Unknown answer option: %(option)s."), option=option_id)
        if len(set(chosen)) != len(chosen):
            raise ResponseError(N_("Each option can be chosen only once."))
        # Definition order, so the same choice always gives the same stored response.
        return [option_id for option_id in order if option_id in chosen]

    @classmethod
    def score(cls, defn: Mapping, response: list[str]) -> Outcome:
        chosen = set(response or [])
        options = [o for o in valid_items(defn, "options") if o.get("id") in chosen]
        # fsum: exactly rounded, so the score does not depend on the order of the options.
        total = math.fsum(fraction_of(o) for o in options)
        return outcome(defn, total, [o.get("feedback") for o in options])

    @classmethod
    def correct_response(cls, defn: Mapping) -> list[str]:
        return [o["id"] for o in valid_items(defn, "options") if fraction_of(o) > 0]

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return ["[,]".join(cls.correct_response(defn))]

    @classmethod
    def xapi_response(cls, defn: Mapping, response: list[str]) -> str:
        return "[,]".join(response or [])

    @classmethod
    def _gift_marker(cls, fraction: float) -> str:
        return "~" if fraction == 0 else f"~%{gift.percent(fraction)}%"

    @classmethod
    def demo_wrong_response(cls, defn: Mapping, rng: random.Random) -> Any:
        return [rng.choice(defn["options"])["id"]]
