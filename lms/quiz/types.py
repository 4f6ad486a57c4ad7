"""Question types: definition checks, response parsing, scoring and xAPI descriptions."""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

from lms.i18n import N_

CMI_INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"

# A fraction this close to 0 or 1 is that value: weights such as 1/3 + 1/3 + 1/3 must give 100 %.
FRACTION_TOLERANCE = 1e-6

MAX_TEXT_RESPONSE = 2_000
MAX_ESSAY_RESPONSE = 50_000


class ResponseError(ValueError):
    """A raw response that cannot be read: ``msgid`` (English message id) filled by ``params``."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(msgid % params if params else msgid)


@dataclass(frozen=True)
class Outcome:
    """The result of scoring one response; ``fraction`` None means a trainer must grade it."""

    fraction: float | None
    feedback: list[dict] = field(default_factory=list)
    state: str = "incorrect"


# --- small helpers ----------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _snap(fraction: float) -> float:
    if abs(fraction - 1.0) <= FRACTION_TOLERANCE:
        return 1.0
    if abs(fraction) <= FRACTION_TOLERANCE:
        return 0.0
    return fraction


def _clamp(fraction: float) -> float:
    return min(1.0, max(0.0, _snap(fraction)))


def _state(fraction: float | None) -> str:
    if fraction is None:
        return "needs_grading"
    if fraction >= 1.0:
        return "correct"
    if fraction <= 0.0:
        return "incorrect"
    return "partial"


def _outcome(defn: Mapping, fraction: float | None, feedback: Iterable[Any] = ()) -> Outcome:
    maps = [item for item in feedback if isinstance(item, dict) and item]
    general = defn.get("feedback")
    if isinstance(general, dict) and general:
        maps.append(general)
    if fraction is not None:
        fraction = _clamp(float(fraction))
    return Outcome(fraction=fraction, feedback=maps, state=_state(fraction))


def normalise_text(text: str) -> str:
    """NFC, trimmed, inner whitespace runs collapsed to one space: how typed answers compare."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    if isinstance(raw, list | tuple | dict):
        return len(raw) == 0
    return False


def _lang_map(value: Any, lang: str) -> dict[str, str]:
    """An xAPI language map from a content language map, ``lang`` first, empty texts left out."""
    if isinstance(value, str):
        return {lang: value} if value.strip() else {}
    if not isinstance(value, Mapping):
        return {}
    keys = sorted(value, key=lambda key: key != lang)
    return {key: value[key] for key in keys if isinstance(value[key], str) and value[key].strip()}


def format_number(value: float) -> str:
    """Shortest text for a number: integers without a decimal point, binary noise rounded off."""
    value = float(f"{float(value):.12g}")  # 0.3 - 0.1 is 0.19999999999999998 in binary
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _items_errors(
    defn: Mapping, key: str, required: tuple[str, ...], minimum: int = 1
) -> list[tuple[str, str]]:
    """Errors of a list of sub-mappings (options, pairs, items): presence, ids, required fields."""
    items = defn.get(key)
    if items is None:
        return [(key, "missing field")]
    if not isinstance(items, list):
        return [(key, "must be a list")]
    errors: list[tuple[str, str]] = []
    if len(items) < minimum:
        errors.append((key, f"at least {minimum} entries are needed, found {len(items)}"))
    seen: set[str] = set()
    for index, item in enumerate(items):
        path = f"{key}[{index}]"
        if not isinstance(item, Mapping):
            errors.append((path, "must be a mapping"))
            continue
        for name in required:
            if name not in item or item[name] is None:
                errors.append((f"{path}.{name}", "missing field"))
        if "id" in required and "id" in item:
            item_id = item["id"]
            if not isinstance(item_id, str) or not item_id.strip():
                errors.append((f"{path}.id", "must be a non-empty text"))
            elif item_id in seen:
                errors.append((f"{path}.id", f"duplicate id '{item_id}'"))
            else:
                seen.add(item_id)
    return errors


def _fraction_errors(items: list, key: str, low: float, high: float) -> list[tuple[str, str]]:
    errors = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or "fraction" not in item:
            continue
        value = item["fraction"]
        if not _is_number(value):
            errors.append((f"{key}[{index}].fraction", "must be a number"))
        elif not low <= value <= high:
            errors.append((f"{key}[{index}].fraction", f"must be between {low:g} and {high:g}"))
    return errors


def _raw_list(defn: Mapping, key: str) -> list:
    value = defn.get(key)
    return value if isinstance(value, list) else []


def _valid_items(defn: Mapping, key: str) -> list[Mapping]:
    items = defn.get(key)
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]


def _fraction(item: Mapping) -> float:
    value = item.get("fraction", 0)
    return float(value) if _is_number(value) else 0.0


def _ids(items: Iterable[Mapping]) -> list[str]:
    return [item["id"] for item in items if isinstance(item.get("id"), str)]


def _one_id(raw: Any) -> str:
    """A single id from a form value or JSON: a text, or a list holding one text."""
    if isinstance(raw, list | tuple):
        if len(raw) != 1:
            raise ResponseError(N_("Choose only one answer."))
        raw = raw[0]
    if not isinstance(raw, str):
        raise ResponseError(N_("This answer could not be read. Please answer again."))
    return raw.strip()


def _id_list(raw: Any, comma_separated: bool = False) -> list[str]:
    if isinstance(raw, str):
        raw = raw.split(",") if comma_separated else [raw]
    if not isinstance(raw, list | tuple):
        raise ResponseError(N_("This answer could not be read. Please answer again."))
    ids = []
    for value in raw:
        if not isinstance(value, str):
            raise ResponseError(N_("This answer could not be read. Please answer again."))
        if value.strip():
            ids.append(value.strip())
    return ids


# --- the types --------------------------------------------------------------------------------


class QuestionType:
    """Base of every question type: stateless, every method a classmethod on a plain dict."""

    name: ClassVar[str] = ""
    interaction_type: ClassVar[str] = ""

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        """(field path, message) for each problem of the question definition."""
        if "text" not in defn or defn["text"] is None:
            return [("text", "missing field")]
        return []

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> Any:
        """The normalised response, or ResponseError; blank answers are valid."""
        raise NotImplementedError

    @classmethod
    def score(cls, defn: Mapping, response: Any) -> Outcome:
        raise NotImplementedError

    @classmethod
    def correct_response(cls, defn: Mapping) -> Any:
        raise NotImplementedError

    @classmethod
    def xapi_interaction(cls, defn: Mapping, lang: str = "en") -> dict:
        """The xAPI 1.0.3 activity definition of the question."""
        definition: dict[str, Any] = {"type": CMI_INTERACTION}
        description = _lang_map(defn.get("text"), lang)
        if description:
            definition["description"] = description
        definition["interactionType"] = cls.interaction_type
        patterns = cls._patterns(defn)
        if patterns:
            definition["correctResponsesPattern"] = patterns
        definition.update(cls._components(defn, lang))
        return definition

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return []

    @classmethod
    def _components(cls, defn: Mapping, lang: str) -> dict:
        return {}

    @classmethod
    def xapi_response(cls, defn: Mapping, response: Any) -> str:
        raise NotImplementedError


def _choices(items: Iterable[Mapping], lang: str, text_key: str = "text") -> list[dict]:
    return [
        {"id": item["id"], "description": _lang_map(item.get(text_key), lang)} for item in items
    ]


class SingleChoice(QuestionType):
    """One option to choose; its fraction is the score (partial credit allowed)."""

    name = "single_choice"
    interaction_type = "choice"

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        errors += _items_errors(defn, "options", ("id", "text", "fraction"), minimum=2)
        options = _valid_items(defn, "options")
        errors += _fraction_errors(_raw_list(defn, "options"), "options", 0.0, 1.0)
        if options and not any(_fraction(o) >= 1.0 - FRACTION_TOLERANCE for o in options):
            errors.append(("options", "no correct answer: no option has fraction 1"))
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> str | None:
        if _is_blank(raw):
            return None
        option_id = _one_id(raw)
        if option_id not in _ids(_valid_items(defn, "options")):
            raise ResponseError(N_("Unknown answer option: %(option)s."), option=option_id)
        return option_id

    @classmethod
    def score(cls, defn: Mapping, response: str | None) -> Outcome:
        if response is None:
            return _outcome(defn, 0.0)
        for option in _valid_items(defn, "options"):
            if option.get("id") == response:
                return _outcome(defn, _fraction(option), [option.get("feedback")])
        return _outcome(defn, 0.0)

    @classmethod
    def correct_response(cls, defn: Mapping) -> str | None:
        options = _valid_items(defn, "options")
        best = max(options, key=_fraction, default=None)
        return best["id"] if best else None

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return [
            o["id"]
            for o in _valid_items(defn, "options")
            if _fraction(o) >= 1.0 - FRACTION_TOLERANCE
        ]

    @classmethod
    def _components(cls, defn: Mapping, lang: str) -> dict:
        return {"choices": _choices(_valid_items(defn, "options"), lang)}

    @classmethod
    def xapi_response(cls, defn: Mapping, response: str | None) -> str:
        return response or ""


class TrueFalse(QuestionType):
    """A statement that is true or false."""

    name = "true_false"
    interaction_type = "true-false"

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
        if _is_blank(raw):
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
            return _outcome(defn, 0.0)
        chosen = defn.get("feedback_true") if response else defn.get("feedback_false")
        return _outcome(defn, 1.0 if response is defn.get("answer") else 0.0, [chosen])

    @classmethod
    def correct_response(cls, defn: Mapping) -> bool:
        return bool(defn.get("answer"))

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return ["true" if defn.get("answer") else "false"]

    @classmethod
    def xapi_response(cls, defn: Mapping, response: bool | None) -> str:
        return "" if response is None else ("true" if response else "false")


class MultipleResponse(SingleChoice):
    """Several options to tick; the chosen weights add up, clamped to [0, 1]."""

    name = "multiple_response"
    interaction_type = "choice"

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = QuestionType.definition_errors(defn)
        errors += _items_errors(defn, "options", ("id", "text", "fraction"), minimum=2)
        errors += _fraction_errors(_raw_list(defn, "options"), "options", -1.0, 1.0)
        options = _valid_items(defn, "options")
        positive = [_fraction(o) for o in options if _fraction(o) > 0]
        if options and not positive:
            errors.append(("options", "no correct answer: no option has a positive fraction"))
        elif positive and abs(math.fsum(positive) - 1.0) > FRACTION_TOLERANCE:
            errors.append(("options", "partial-credit weights cannot reach 100 %"))
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> list[str]:
        if _is_blank(raw):
            return []
        chosen = _id_list(raw)
        order = _ids(_valid_items(defn, "options"))
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
        options = [o for o in _valid_items(defn, "options") if o.get("id") in chosen]
        # fsum: exactly rounded, so the score does not depend on the order of the options.
        total = math.fsum(_fraction(o) for o in options)
        return _outcome(defn, total, [o.get("feedback") for o in options])

    @classmethod
    def correct_response(cls, defn: Mapping) -> list[str]:
        return [o["id"] for o in _valid_items(defn, "options") if _fraction(o) > 0]

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return ["[,]".join(cls.correct_response(defn))]

    @classmethod
    def xapi_response(cls, defn: Mapping, response: list[str]) -> str:
        return "[,]".join(response or [])


@lru_cache(maxsize=4096)
def _answer_pattern(text: str, case_sensitive: bool) -> re.Pattern:
    text = normalise_text(text)
    if not case_sensitive:
        text = unicodedata.normalize("NFC", text.casefold())
    return re.compile(".*".join(re.escape(part) for part in text.split("*")), re.DOTALL)


def _fold(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else unicodedata.normalize("NFC", text.casefold())


class ShortAnswer(QuestionType):
    """A typed word or phrase compared with accepted answers, in order; ``*`` is a wildcard."""

    name = "short_answer"
    interaction_type = "fill-in"

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        answers = defn.get("answers")
        if not answers:
            errors.append(("answers", "no accepted answer"))
            return errors
        errors += _items_errors(defn, "answers", ("text", "fraction"))
        errors += _fraction_errors(_raw_list(defn, "answers"), "answers", 0.0, 1.0)
        for index, answer in enumerate(_valid_items(defn, "answers")):
            text = answer.get("text")
            if "text" in answer and (not isinstance(text, str) or not normalise_text(text)):
                errors.append((f"answers[{index}].text", "must be a non-empty text"))
        if "case_sensitive" in defn and not isinstance(defn["case_sensitive"], bool):
            errors.append(("case_sensitive", "must be true or false"))
        if errors:
            return errors
        if not any(_fraction(a) >= 1.0 - FRACTION_TOLERANCE for a in _valid_items(defn, "answers")):
            errors.append(("answers", "no correct answer: no answer has fraction 1"))
        elif cls.score(defn, cls.correct_response(defn)).fraction != 1.0:
            errors.append(
                ("answers", "no response can score 100 %: an earlier answer matches first")
            )
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> str:
        if _is_blank(raw):
            return ""
        if isinstance(raw, list | tuple) and len(raw) == 1:
            raw = raw[0]
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raw = format_number(raw)
        if not isinstance(raw, str):
            raise ResponseError(N_("This answer could not be read. Please answer again."))
        if len(raw) > MAX_TEXT_RESPONSE:
            raise ResponseError(
                N_("This answer is too long (at most %(limit)d characters)."),
                limit=MAX_TEXT_RESPONSE,
            )
        return normalise_text(raw)

    @classmethod
    def _match(cls, defn: Mapping, response: str) -> Mapping | None:
        case_sensitive = defn.get("case_sensitive") is True
        folded = _fold(normalise_text(response), case_sensitive)
        for answer in _valid_items(defn, "answers"):
            text = answer.get("text")
            if isinstance(text, str) and _answer_pattern(text, case_sensitive).fullmatch(folded):
                return answer
        return None

    @classmethod
    def score(cls, defn: Mapping, response: str) -> Outcome:
        if not response:
            return _outcome(defn, 0.0)
        answer = cls._match(defn, response)
        if answer is None:
            return _outcome(defn, 0.0)
        return _outcome(defn, _fraction(answer), [answer.get("feedback")])

    @classmethod
    def correct_response(cls, defn: Mapping) -> str:
        candidates = []
        for answer in _valid_items(defn, "answers"):
            text = answer.get("text")
            if _fraction(answer) >= 1.0 - FRACTION_TOLERANCE and isinstance(text, str):
                text = normalise_text(text)
                candidates += [text.replace("*", ""), text.replace("*", "x")]
                candidates += [text.replace("*", "zq"), text.replace("*", " ")]
        for candidate in candidates:
            if candidate.strip() and cls.score(defn, normalise_text(candidate)).fraction == 1.0:
                return normalise_text(candidate)
        return normalise_text(candidates[0]) if candidates else ""

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        # xAPI has no wildcard: only literal accepted answers describe the correct response.
        prefix = "{case_matters=true}" if defn.get("case_sensitive") is True else ""
        return [
            prefix + normalise_text(a["text"])
            for a in _valid_items(defn, "answers")
            if _fraction(a) >= 1.0 - FRACTION_TOLERANCE
            and isinstance(a.get("text"), str)
            and "*" not in a["text"]
        ]

    @classmethod
    def xapi_response(cls, defn: Mapping, response: str) -> str:
        return response or ""


_SPACES = " \u00a0\u202f\u2009"
_NUMBER = re.compile(
    rf"""
    (?P<sign>[+\-\u2212])?
    (?P<int>[0-9]{{1,3}}(?:[{_SPACES}][0-9]{{3}})+|[0-9]*)
    (?:[.,](?P<frac>[0-9]+))?
    (?:[eE](?P<exp>[+\-]?[0-9]+))?
    \s*
    (?P<unit>[^0-9\s+\-\u2212.,][^0-9]*)?
    """,
    re.VERBOSE,
)


def parse_number(text: str) -> float:
    """A learner's number: decimal comma or point, spaced thousands, an optional unit after it."""
    match = _NUMBER.fullmatch(text.strip())
    if not match or not (match["int"] or match["frac"]):
        raise ResponseError(N_("Enter a number, for example 12 or 12.5."))
    digits = re.sub(f"[{_SPACES}]", "", match["int"]) or "0"
    sign = "-" if match["sign"] in ("-", "\u2212") else ""
    value = float(f"{sign}{digits}.{match['frac'] or '0'}e{match['exp'] or '0'}")
    if not math.isfinite(value):
        raise ResponseError(N_("Enter a number, for example 12 or 12.5."))
    return value


class Numerical(QuestionType):
    """A number, right within a tolerance; answers are tried in order."""

    name = "numerical"
    interaction_type = "numeric"

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        errors += _items_errors(defn, "answers", ("value", "fraction"))
        answers = _valid_items(defn, "answers")
        raw_answers = _raw_list(defn, "answers")
        errors += _fraction_errors(raw_answers, "answers", 0.0, 1.0)
        for index, answer in enumerate(raw_answers):
            if not isinstance(answer, Mapping):
                continue
            if "value" in answer and not _is_number(answer["value"]):
                errors.append((f"answers[{index}].value", "must be a number"))
            tolerance = answer.get("tolerance", 0)
            if not _is_number(tolerance):
                errors.append((f"answers[{index}].tolerance", "must be a number"))
            elif tolerance < 0:
                errors.append((f"answers[{index}].tolerance", "tolerance must not be negative"))
        if errors:
            return errors
        if not any(_fraction(a) >= 1.0 - FRACTION_TOLERANCE for a in answers):
            errors.append(("answers", "no correct answer: no answer has fraction 1"))
        elif cls.score(defn, cls.correct_response(defn)).fraction != 1.0:
            errors.append(
                ("answers", "no response can score 100 %: an earlier answer matches first")
            )
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> float | None:
        if _is_blank(raw):
            return None
        if isinstance(raw, list | tuple) and len(raw) == 1:
            raw = raw[0]
        if _is_number(raw):
            return float(raw)
        if not isinstance(raw, str) or len(raw) > 100:
            raise ResponseError(N_("Enter a number, for example 12 or 12.5."))
        return parse_number(raw)

    @staticmethod
    def _within(answer: Mapping, value: float) -> bool:
        target = float(answer["value"])
        tolerance = float(answer.get("tolerance", 0) or 0)
        # A relative slack absorbs binary rounding, e.g. |0.4 - 0.3| > 0.1 in floating point.
        return abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target))

    @classmethod
    def score(cls, defn: Mapping, response: float | None) -> Outcome:
        if response is None:
            return _outcome(defn, 0.0)
        for answer in _valid_items(defn, "answers"):
            if _is_number(answer.get("value")) and cls._within(answer, response):
                return _outcome(defn, _fraction(answer), [answer.get("feedback")])
        return _outcome(defn, 0.0)

    @classmethod
    def correct_response(cls, defn: Mapping) -> float | None:
        candidates = []
        for answer in _valid_items(defn, "answers"):
            if _fraction(answer) >= 1.0 - FRACTION_TOLERANCE and _is_number(answer.get("value")):
                value, tolerance = float(answer["value"]), float(answer.get("tolerance", 0) or 0)
                candidates += [value, value - tolerance, value + tolerance]
                candidates += [value - tolerance / 2, value + tolerance / 2]
        for candidate in candidates:
            if cls.score(defn, candidate).fraction == 1.0:
                return candidate
        return candidates[0] if candidates else None

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        # Always a range, even for an exact value ("90[:]90"): one shape for every consumer.
        patterns = []
        for answer in _valid_items(defn, "answers"):
            if _fraction(answer) < 1.0 - FRACTION_TOLERANCE or not _is_number(answer.get("value")):
                continue
            value, tolerance = float(answer["value"]), float(answer.get("tolerance", 0) or 0)
            low, high = format_number(value - tolerance), format_number(value + tolerance)
            patterns.append(f"{low}[:]{high}")
        return patterns

    @classmethod
    def xapi_response(cls, defn: Mapping, response: float | None) -> str:
        return "" if response is None else format_number(response)


class Matching(QuestionType):
    """Each left-hand item is matched with a right-hand choice; distractors are extra choices."""

    name = "matching"
    interaction_type = "matching"

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        errors += _items_errors(defn, "pairs", ("id", "left", "right"), minimum=2)
        if defn.get("distractors") is not None:
            errors += _items_errors(defn, "distractors", ("id", "text"), minimum=0)
        pair_ids = set(_ids(_valid_items(defn, "pairs")))
        for index, item in enumerate(_valid_items(defn, "distractors")):
            if item.get("id") in pair_ids:
                errors.append((f"distractors[{index}].id", f"duplicate id '{item['id']}'"))
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> dict[str, str]:
        if _is_blank(raw):
            return {}
        if not isinstance(raw, Mapping):
            raise ResponseError(N_("This answer could not be read. Please answer again."))
        pair_ids = _ids(_valid_items(defn, "pairs"))
        choices = set(pair_ids) | set(_ids(_valid_items(defn, "distractors")))
        chosen: dict[str, str] = {}
        for key, value in raw.items():
            if key not in pair_ids:
                raise ResponseError(N_("Unknown item to match: %(item)s."), item=str(key))
            if _is_blank(value):
                continue
            if not isinstance(value, str) or value.strip() not in choices:
                raise ResponseError(N_("Unknown choice: %(choice)s."), choice=str(value))
            chosen[key] = value.strip()
        return {pair_id: chosen[pair_id] for pair_id in pair_ids if pair_id in chosen}

    @classmethod
    def score(cls, defn: Mapping, response: dict[str, str]) -> Outcome:
        pair_ids = _ids(_valid_items(defn, "pairs"))
        if not pair_ids:
            return _outcome(defn, 0.0)
        right = sum(1 for pair_id in pair_ids if (response or {}).get(pair_id) == pair_id)
        return _outcome(defn, right / len(pair_ids))

    @classmethod
    def correct_response(cls, defn: Mapping) -> dict[str, str]:
        return {pair_id: pair_id for pair_id in _ids(_valid_items(defn, "pairs"))}

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return [cls.xapi_response(defn, cls.correct_response(defn))]

    @classmethod
    def _components(cls, defn: Mapping, lang: str) -> dict:
        pairs = _valid_items(defn, "pairs")
        target = _choices(pairs, lang, "right") + _choices(_valid_items(defn, "distractors"), lang)
        return {"source": _choices(pairs, lang, "left"), "target": target}

    @classmethod
    def xapi_response(cls, defn: Mapping, response: dict[str, str]) -> str:
        return "[,]".join(f"{source}[.]{target}" for source, target in (response or {}).items())


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
    SCORING = ("all_or_nothing", "partial")

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        errors += _items_errors(defn, "items", ("id", "text"), minimum=2)
        if defn.get("scoring", "all_or_nothing") not in cls.SCORING:
            errors.append(("scoring", "must be all_or_nothing or partial"))
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> list[str]:
        if _is_blank(raw):
            return []
        order = _id_list(raw, comma_separated=True)
        known = set(_ids(_valid_items(defn, "items")))
        for item_id in order:
            if item_id not in known:
                raise ResponseError(N_("Unknown item: %(item)s."), item=item_id)
        if len(set(order)) != len(order):
            raise ResponseError(N_("Each item can appear only once."))
        return order

    @classmethod
    def score(cls, defn: Mapping, response: list[str]) -> Outcome:
        correct = _ids(_valid_items(defn, "items"))
        response = list(response or [])
        if not correct or not response:
            return _outcome(defn, 0.0)
        if defn.get("scoring", "all_or_nothing") == "partial":
            rank = {item_id: index for index, item_id in enumerate(correct)}
            positions = [rank[item_id] for item_id in response if item_id in rank]
            return _outcome(defn, longest_ordered_run(positions) / len(correct))
        return _outcome(defn, 1.0 if response == correct else 0.0)

    @classmethod
    def correct_response(cls, defn: Mapping) -> list[str]:
        return _ids(_valid_items(defn, "items"))

    @classmethod
    def _patterns(cls, defn: Mapping) -> list[str]:
        return ["[,]".join(cls.correct_response(defn))]

    @classmethod
    def _components(cls, defn: Mapping, lang: str) -> dict:
        return {"choices": _choices(_valid_items(defn, "items"), lang)}

    @classmethod
    def xapi_response(cls, defn: Mapping, response: list[str]) -> str:
        return "[,]".join(response or [])


class Essay(QuestionType):
    """A free text graded by a trainer against the rubric."""

    name = "essay"
    interaction_type = "long-fill-in"

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        if defn.get("grader_info") is None:
            errors.append(("grader_info", "missing field"))
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> str:
        if _is_blank(raw):
            return ""
        if not isinstance(raw, str):
            raise ResponseError(N_("This answer could not be read. Please answer again."))
        if len(raw) > MAX_ESSAY_RESPONSE:
            raise ResponseError(
                N_("This answer is too long (at most %(limit)d characters)."),
                limit=MAX_ESSAY_RESPONSE,
            )
        # Paragraphs matter in an essay: only line endings and the outer blanks are normalised.
        return unicodedata.normalize("NFC", raw.replace("\r\n", "\n")).strip()

    @classmethod
    def score(cls, defn: Mapping, response: str) -> Outcome:
        if not response:
            return _outcome(defn, 0.0)
        return _outcome(defn, None)

    @classmethod
    def correct_response(cls, defn: Mapping) -> None:
        return None

    @classmethod
    def xapi_response(cls, defn: Mapping, response: str) -> str:
        return response or ""


QUESTION_TYPES: dict[str, type[QuestionType]] = {
    "single_choice": SingleChoice,
    "multiple_response": MultipleResponse,
    "true_false": TrueFalse,
    "short_answer": ShortAnswer,
    "numerical": Numerical,
    "matching": Matching,
    "ordering": Ordering,
    "essay": Essay,
}


# --- module-level entry points ----------------------------------------------------------------


def question_type(defn: Mapping) -> type[QuestionType]:
    """The type class of a question definition; KeyError for an unknown type."""
    try:
        return QUESTION_TYPES[defn.get("type")]
    except (KeyError, TypeError):
        raise KeyError(f"unknown question type {defn.get('type')!r}") from None


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
