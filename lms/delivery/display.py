"""Responses as a person reads them: the chosen options' texts, matched pairs, an order."""

from collections.abc import Mapping
from typing import Any

from lms.i18n import N_
from lms.quiz import types

TRUE_FALSE = {True: N_("True"), False: N_("False")}


def choices(definition: Mapping, option_order: list | None) -> list[dict]:
    """The options (or ordering items) in the order this attempt shows them."""
    key = "items" if definition["type"] == "ordering" else "options"
    items = {item["id"]: item for item in definition.get(key, [])}
    order = option_order if definition["type"] != "matching" and option_order else list(items)
    return [items[item_id] for item_id in order if item_id in items]


def right_choices(definition: Mapping, option_order: list | None) -> list[dict]:
    """The right-hand texts a matching question offers, with distractors, in attempt order."""
    rights = {pair["id"]: pair["right"] for pair in definition.get("pairs", [])}
    rights.update({d["id"]: d["text"] for d in definition.get("distractors", [])})
    order = option_order or list(rights)
    return [{"id": right_id, "text": rights[right_id]} for right_id in order if right_id in rights]


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
    kind = definition["type"]
    if kind in ("single_choice", "multiple_response"):
        chosen = response if isinstance(response, list) else [response]
        texts = {option["id"]: option["text"] for option in definition["options"]}
        return [texts[option_id] for option_id in chosen if option_id in texts]
    if kind == "true_false":
        return [TRUE_FALSE[bool(response)]]
    if kind == "matching":
        rights = {pair["id"]: pair["right"] for pair in definition["pairs"]}
        rights.update({d["id"]: d["text"] for d in definition.get("distractors", [])})
        return [
            {"left": pair["left"], "right": rights.get(response.get(pair["id"]))}
            for pair in definition["pairs"]
            if pair["id"] in response
        ]
    if kind == "ordering":
        texts = {item["id"]: item["text"] for item in definition["items"]}
        return [texts[item_id] for item_id in response if item_id in texts]
    if kind == "numerical":
        unit = definition.get("unit")
        return [{"number": types.format_number(response), "unit": unit}]
    return [{"text": str(response)}]


def correct_lines(definition: Mapping) -> list:
    """The key, described like a response; the accepted wordings for a short answer."""
    kind = definition["type"]
    if kind == "essay":
        return []
    if kind == "short_answer":
        return [{"text": a["text"]} for a in definition["answers"] if a.get("fraction", 0) >= 1]
    return describe(definition, types.correct_response(definition))
