"""A ninth question type defined outside ``lms``: an estimate within a range.

It lives only here (this module and its templates folder) and is registered by a test fixture:
the walk-through "add a question type" touches nothing else.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lms.quiz.types import ContentSchema, Outcome, QuestionType, ResponseError, is_blank
from lms.quiz.types.base import is_number, outcome


class Estimate(QuestionType):
    """A whole number; full marks between ``low`` and ``high``."""

    name = "estimate"
    interaction_type = "numeric"
    schema = ContentSchema(required=("low", "high"), optional=("hint",), texts=("hint",))
    templates = Path(__file__).parent / "templates"

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        low, high = defn.get("low"), defn.get("high")
        for key, value in (("low", low), ("high", high)):
            if not is_number(value):
                errors.append((key, "must be a number"))
        if not errors and high < low:
            errors.append(("high", f"must not be below low ({low})"))
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> int | None:
        if is_blank(raw):
            return None
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ResponseError("Enter a whole number.") from None

    @classmethod
    def score(cls, defn: Mapping, response: int | None) -> Outcome:
        inside = response is not None and defn["low"] <= response <= defn["high"]
        return outcome(defn, 1.0 if inside else 0.0)

    @classmethod
    def correct_response(cls, defn: Mapping) -> int:
        return int(defn["low"])

    @classmethod
    def correct_lines(cls, defn: Mapping) -> list:
        return [{"text": f"{defn['low']} – {defn['high']}"}]

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return [f"{defn['low']}[:]{defn['high']}"]

    @classmethod
    def xapi_response(cls, defn: Mapping, response: int | None) -> str:
        return "" if response is None else str(response)

    @classmethod
    def demo_wrong_response(cls, defn: Mapping, rng: random.Random) -> str:
        return str(defn["high"] + 1)
