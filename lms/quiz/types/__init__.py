"""Question types: the registry, the only list of the types, and entry points by definition.

Each type is one module (its class, content schema, GIFT hooks) plus its template partials
``templates/<name>/answer.html``. ``register`` adds a type, also one defined outside ``lms``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms.quiz.types.base import (
    CMI_INTERACTION,
    FRACTION_TOLERANCE,
    MAX_ESSAY_RESPONSE,
    MAX_TEXT_RESPONSE,
    ContentSchema,
    Entries,
    NotInGift,
    Outcome,
    QuestionType,
    ResponseError,
    format_number,
    is_blank,
    normalise_text,
)
from lms.quiz.types.essay import Essay
from lms.quiz.types.matching import Matching
from lms.quiz.types.multiple_response import MultipleResponse
from lms.quiz.types.numerical import Numerical, parse_number
from lms.quiz.types.ordering import Ordering, longest_ordered_run
from lms.quiz.types.short_answer import ShortAnswer
from lms.quiz.types.single_choice import SingleChoice
from lms.quiz.types.true_false import TrueFalse

__all__ = [
    "CMI_INTERACTION",
    "FRACTION_TOLERANCE",
    "MAX_ESSAY_RESPONSE",
    "MAX_TEXT_RESPONSE",
    "QUESTION_TYPES",
    "ContentSchema",
    "Entries",
    "NotInGift",
    "Outcome",
    "QuestionType",
    "ResponseError",
    "UnknownQuestionType",
    "format_number",
    "is_blank",
    "longest_ordered_run",
    "normalise_text",
    "parse_number",
]

# Name -> class; read it through get() and names(), change it through register().
QUESTION_TYPES: dict[str, type[QuestionType]] = {}


class UnknownQuestionType(KeyError):
    """A question whose type is not registered."""


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Add a question type (usable as a class decorator); a name is registered once."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    if QUESTION_TYPES.get(cls.name, cls) is not cls:
        raise ValueError(f"question type {cls.name!r} is already registered")
    QUESTION_TYPES[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    QUESTION_TYPES.pop(name, None)


def get(name: Any) -> type[QuestionType]:
    """The class of a registered type; UnknownQuestionType otherwise."""
    try:
        return QUESTION_TYPES[name]
    except (KeyError, TypeError):
        raise UnknownQuestionType(f"unknown question type {name!r}") from None


def names() -> tuple[str, ...]:
    return tuple(QUESTION_TYPES)


for _builtin in (
    SingleChoice,
    MultipleResponse,
    TrueFalse,
    ShortAnswer,
    Numerical,
    Matching,
    Ordering,
    Essay,
):
    register(_builtin)


# --- entry points by question definition ------------------------------------------------------


def question_type(defn: Mapping) -> type[QuestionType]:
    """The type class of a question definition; UnknownQuestionType (a KeyError) otherwise."""
    return get(defn.get("type"))


def definition_errors(defn: Mapping) -> list[tuple[str, str]]:
    """(field path, message) for each problem of a question definition, any type."""
    if not isinstance(defn, Mapping):
        return [("", "a question must be a mapping")]
    if "type" not in defn:
        return [("type", "missing field")]
    if defn["type"] not in QUESTION_TYPES:
        known = ", ".join(QUESTION_TYPES)
        return [("type", f"unknown question type {defn['type']!r} (known: {known})")]
    return QUESTION_TYPES[defn["type"]].definition_errors(defn)


def parse_response(defn: Mapping, raw: Any) -> Any:
    """The normalised response to ``defn``; ResponseError when ``raw`` cannot be read."""
    return question_type(defn).parse_response(defn, raw)


def read_answer(defn: Mapping, raw: Any) -> Any:
    """The normalised response to an answer a coach sends (a page or the API): its shape checked
    by the type's marshmallow schema, then read against the question; ResponseError otherwise."""
    return question_type(defn).read_answer(defn, raw)


def score(defn: Mapping, response: Any) -> Outcome:
    """Score a normalised response (from ``parse_response``)."""
    return question_type(defn).score(defn, response)


def score_raw(defn: Mapping, raw: Any) -> tuple[Any, Outcome]:
    """Parse then score a raw response."""
    kind = question_type(defn)
    response = kind.parse_response(defn, raw)
    return response, kind.score(defn, response)


def correct_response(defn: Mapping) -> Any:
    """A normalised response that scores 1 (None for an essay)."""
    return question_type(defn).correct_response(defn)


def xapi_interaction(defn: Mapping, lang: str = "en") -> dict:
    """The xAPI activity definition of the question (cmi.interaction)."""
    return question_type(defn).xapi_interaction(defn, lang)


def xapi_response(defn: Mapping, response: Any) -> str:
    """The xAPI ``result.response`` of a normalised response."""
    return question_type(defn).xapi_response(defn, response)
