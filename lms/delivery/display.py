"""Responses as a person reads them: each question type describes its own responses."""

from collections.abc import Mapping
from typing import Any

from lms.quiz import types


def choices(definition: Mapping, option_order: list | None) -> list[Mapping]:
    """The choices this attempt shows (options, items, right-hand texts), in its order."""
    return types.question_type(definition).shown_items(definition, option_order)


def parsed(definition: Mapping, raw: Any) -> Any:
    """The normalised response, or None when the stored raw answer cannot be read any more."""
    try:
        return types.parse_response(definition, raw)
    except types.ResponseError:
        return None


def is_blank(response: Any) -> bool:
    return response is None or response in ("", [], {})


def describe(definition: Mapping, response: Any) -> list:
    """Lines to show for a normalised response: language maps, plain texts or msgids."""
    if is_blank(response):
        return []
    return types.question_type(definition).describe(definition, response)


def correct_lines(definition: Mapping) -> list:
    """The key, described like a response (the accepted wordings for a short answer)."""
    return types.question_type(definition).correct_lines(definition)


def ordered_lines(definition: Mapping) -> bool:
    """Whether the lines of a response are a sequence, shown numbered."""
    return types.question_type(definition).ordered_lines


def in_answer_order(definition: Mapping, option_order: list | None, raw: Any) -> list[Mapping]:
    """An ordering question's items as the coach ordered them; the items the answer does not
    place (none, when unanswered) follow in the order the attempt shows."""
    shown = choices(definition, option_order)
    placed = parsed(definition, raw) or []
    by_id = {item["id"]: item for item in shown}
    first = [by_id[item_id] for item_id in placed if item_id in by_id]
    return first + [item for item in shown if item["id"] not in placed]
