"""The base of every question type and the helpers the types share."""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate

from lms.errors import UserError
from lms.i18n import N_

CMI_INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"

# A fraction this close to 0 or 1 is that value: weights such as 1/3 + 1/3 + 1/3 must give 100 %.
FRACTION_TOLERANCE = 1e-6

MAX_TEXT_RESPONSE = 2_000
MAX_ESSAY_RESPONSE = 50_000

UNREADABLE = N_("This answer could not be read. Please answer again.")
# Longest option, item or pair id an answer may name; ids in the banks are a few characters.
MAX_ID = 200
# Most choices an answer may name; a question shows a handful.
MAX_CHOICES = 100


def answer_id() -> fields.String:
    """The answer field of one option, item or pair id."""
    return fields.String(validate=validate.Length(max=MAX_ID))


class TextOrNumber(fields.Field):
    """A typed text, or a number as a JSON client may send it."""

    def __init__(self, max_length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and len(value) <= self.max_length:
            return value
        if is_number(value):
            return value
        raise ValidationError(f"a text of at most {self.max_length} characters or a number")


class ResponseError(UserError):
    """A raw response that cannot be read."""


class NotInGift(Exception):
    """A question that GIFT cannot hold; the message says why."""


@dataclass(frozen=True)
class Outcome:
    """The result of scoring one response; ``fraction`` None means a trainer must grade it."""

    fraction: float | None
    feedback: list[dict] = field(default_factory=list)
    state: str = "incorrect"


@dataclass(frozen=True)
class Entries:
    """A list of sub-mappings of a question (options, answers, pairs…) in the content format."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()  # language maps
    strings: tuple[str, ...] = ()  # plain texts


@dataclass(frozen=True)
class ContentSchema:
    """The type-specific keys of a question, as the content files write them.

    The catalog checks this structure with file lines; ``definition_errors`` checks the meaning.
    """

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    entries: Mapping[str, Entries] = field(default_factory=dict)
    texts: tuple[str, ...] = ()  # language maps of the question itself
    booleans: tuple[str, ...] = ()
    choices: Mapping[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    grids: tuple[str, ...] = ()  # evaluation grids (a rubric)

    def keys(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.required, self.optional


# --- small helpers ----------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _snap(fraction: float) -> float:
    if abs(fraction - 1.0) <= FRACTION_TOLERANCE:
        return 1.0
    if abs(fraction) <= FRACTION_TOLERANCE:
        return 0.0
    return fraction


def _state(fraction: float | None) -> str:
    if fraction is None:
        return "needs_grading"
    if fraction >= 1.0:
        return "correct"
    if fraction <= 0.0:
        return "incorrect"
    return "partial"


def outcome(defn: Mapping, fraction: float | None, feedback: Iterable[Any] = ()) -> Outcome:
    maps = [item for item in feedback if isinstance(item, dict) and item]
    general = defn.get("feedback")
    if isinstance(general, dict) and general:
        maps.append(general)
    if fraction is not None:
        fraction = min(1.0, max(0.0, _snap(float(fraction))))
    return Outcome(fraction=fraction, feedback=maps, state=_state(fraction))


def normalise_text(text: str) -> str:
    """NFC, trimmed, inner whitespace runs collapsed to one space: how typed answers compare."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    if isinstance(raw, list | tuple | dict):
        return len(raw) == 0
    return False


def lang_map(value: Any, lang: str) -> dict[str, str]:
    """An xAPI language map from a content language map, ``lang`` first, empty texts left out."""
    if isinstance(value, str):
        return {lang: value} if value.strip() else {}
    if not isinstance(value, Mapping):
        return {}
    keys = sorted(value, key=lambda key: key != lang)
    return {key: value[key] for key in keys if isinstance(value[key], str) and value[key].strip()}


def text_in(value: Any, lang: str) -> str:
    """The ``lang`` text of a language map (a plain text as it is)."""
    if isinstance(value, Mapping):
        return str(value.get(lang) or "")
    return "" if value is None else str(value)


def format_number(value: float) -> str:
    """Shortest text for a number: integers without a decimal point, binary noise rounded off."""
    value = float(f"{float(value):.12g}")  # 0.3 - 0.1 is 0.19999999999999998 in binary
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def items_errors(
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
        errors += [
            (f"{path}.{name}", "missing field")
            for name in required
            if name not in item or item[name] is None
        ]
        if "id" in required and "id" in item:
            errors += _id_errors(item["id"], f"{path}.id", seen)
    return errors


def _id_errors(item_id: Any, path: str, seen: set[str]) -> list[tuple[str, str]]:
    if not isinstance(item_id, str) or not item_id.strip():
        return [(path, "must be a non-empty text")]
    if item_id in seen:
        return [(path, f"duplicate id '{item_id}'")]
    seen.add(item_id)
    return []


def fraction_errors(items: list, key: str, low: float, high: float) -> list[tuple[str, str]]:
    errors = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or "fraction" not in item:
            continue
        value = item["fraction"]
        if not is_number(value):
            errors.append((f"{key}[{index}].fraction", "must be a number"))
        elif not low <= value <= high:
            errors.append((f"{key}[{index}].fraction", f"must be between {low:g} and {high:g}"))
    return errors


def raw_list(defn: Mapping, key: str) -> list:
    value = defn.get(key)
    return value if isinstance(value, list) else []


def valid_items(defn: Mapping, key: str) -> list[Mapping]:
    return [item for item in raw_list(defn, key) if isinstance(item, Mapping)]


def fraction_of(item: Mapping) -> float:
    value = item.get("fraction", 0)
    return float(value) if is_number(value) else 0.0


def is_full(item: Mapping) -> bool:
    return fraction_of(item) >= 1.0 - FRACTION_TOLERANCE


def ids_of(items: Iterable[Mapping]) -> list[str]:
    return [item["id"] for item in items if isinstance(item.get("id"), str)]


def one_id(raw: Any) -> str:
    """A single id from a form value or JSON: a text, or a list holding one text."""
    if isinstance(raw, list | tuple):
        if len(raw) != 1:
            raise ResponseError(N_("Choose only one answer."))
        raw = raw[0]
    if not isinstance(raw, str):
        raise ResponseError(UNREADABLE)
    return raw.strip()


def id_list(raw: Any, comma_separated: bool = False) -> list[str]:
    if isinstance(raw, str):
        raw = raw.split(",") if comma_separated else [raw]
    if not isinstance(raw, list | tuple):
        raise ResponseError(UNREADABLE)
    ids = []
    for value in raw:
        if not isinstance(value, str):
            raise ResponseError(UNREADABLE)
        if value.strip():
            ids.append(value.strip())
    return ids


def checked_text(raw: Any, limit: int) -> str:
    """A typed answer as it came: a text of at most ``limit`` characters, else ResponseError."""
    if not isinstance(raw, str):
        raise ResponseError(UNREADABLE)
    if len(raw) > limit:
        raise ResponseError(
            N_("This answer is too long (at most %(limit)d characters)."), limit=limit
        )
    return raw


def choices_of(items: Iterable[Mapping], lang: str, text_key: str = "text") -> list[dict]:
    return [{"id": item["id"], "description": lang_map(item.get(text_key), lang)} for item in items]


def in_order(items: Iterable[Mapping], order: list | None) -> list[Mapping]:
    """``items`` in the order of their ids in ``order`` (all of them, as written, without one)."""
    by_id = {item["id"]: item for item in items}
    return [by_id[item_id] for item_id in (order or list(by_id)) if item_id in by_id]


# --- the base class ---------------------------------------------------------------------------


class QuestionType:
    """Base of every question type: stateless, every method a classmethod on a plain dict.

    A type owns its content schema, its definition checks, reading and scoring a response, its
    xAPI interaction, its GIFT mapping, the lines that describe a response, its demo answers and
    its template partials (``<templates>/<name>/<partial>.html``, found through the registry).
    """

    name: ClassVar[str] = ""
    interaction_type: ClassVar[str] = ""
    schema: ClassVar[ContentSchema] = ContentSchema()
    # The folder holding ``<name>/answer.html``; a type defined elsewhere brings its own.
    templates: ClassVar[Path] = Path(__file__).parent / "templates"
    # Lines of a response are a sequence (shown numbered) rather than a set.
    ordered_lines: ClassVar[bool] = False
    # GIFT import: answer blocks are offered to the types in ascending order of this rank.
    gift_rank: ClassVar[int | None] = None
    # Whether a trainer can ask it in a live session (scored on the spot).
    asked_live: ClassVar[bool] = True

    # -- content

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        """(field path, message) for each problem of the question definition."""
        if "text" not in defn or defn["text"] is None:
            return [("text", "missing field")]
        return []

    # -- answering

    @classmethod
    def answer_field(cls) -> fields.Field:
        """The shape of an answer, as a page's form or an API body gives it (marshmallow)."""
        return fields.Raw()

    @classmethod
    def answer_schema(cls) -> Schema:
        """The marshmallow schema of ``{"answer": …}``: what the pages and the API accept."""
        field = cls.answer_field()
        field.allow_none = True
        return Schema.from_dict({"answer": field}, name=f"{cls.__name__}Answer")()

    @classmethod
    def read_answer(cls, defn: Mapping, raw: Any) -> Any:
        """The normalised response to an answer sent by a coach; ResponseError if it is unfit.

        The schema checks the shape (types, lengths); ``parse_response`` checks it against the
        question (known ids, numbers).
        """
        try:
            cls.answer_schema().load({"answer": raw})
        except ValidationError:
            raise ResponseError(UNREADABLE) from None
        return cls.parse_response(defn, raw)

    @classmethod
    def form_answer(cls, defn: Mapping, form: Any, name: str) -> Any:
        """The raw response in the fields of an answer page (``form`` is a MultiDict)."""
        return form.get(name) or None

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> Any:
        """The normalised response, or ResponseError; blank answers are valid."""
        raise NotImplementedError

    @classmethod
    def option_order(cls, defn: Mapping, settings: Mapping, rng: random.Random) -> list | None:
        """The order an attempt shows the choices in; None when nothing is shuffled."""
        return None

    @classmethod
    def shown_items(cls, defn: Mapping, option_order: list | None) -> list[Mapping]:
        """The choices an attempt shows, in its order."""
        return []

    # -- scoring

    @classmethod
    def score(cls, defn: Mapping, response: Any) -> Outcome:
        raise NotImplementedError

    @classmethod
    def correct_response(cls, defn: Mapping) -> Any:
        raise NotImplementedError

    # -- reading back: review, trainer, live session

    @classmethod
    def describe(cls, defn: Mapping, response: Any) -> list:
        """Lines of a non-blank response: language maps, ``{"text": …}`` or msgids."""
        return [{"text": str(response)}]

    @classmethod
    def correct_lines(cls, defn: Mapping) -> list:
        return cls.describe(defn, cls.correct_response(defn))

    @classmethod
    def live_bars(cls, defn: Mapping, responses: list) -> list[tuple[Any, int, bool]] | None:
        """(label, count, is correct) per choice of a live distribution; None: by outcome."""
        return None

    @classmethod
    def summary(cls, defn: Mapping, lang: str) -> list[dict]:
        """The answers of a question, flat, for a person checking an import."""
        return []

    # -- xAPI

    @classmethod
    def xapi_interaction(cls, defn: Mapping, lang: str = "en") -> dict:
        """The xAPI 1.0.3 activity definition of the question."""
        definition: dict[str, Any] = {"type": CMI_INTERACTION}
        description = lang_map(defn.get("text"), lang)
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

    # -- GIFT

    @classmethod
    def gift_read(cls, answer: str, base: int, lang: str, warn: list) -> dict | None:
        """The type-specific fields of a GIFT answer block, or None when it is not this type."""
        return None

    @classmethod
    def gift_write(cls, writer: Any) -> str:
        """The GIFT answer block; NotInGift when GIFT cannot hold the question."""
        raise NotInGift(f"{cls.name} questions cannot be written in GIFT")

    # -- demo data

    @classmethod
    def demo_wrong_response(cls, defn: Mapping, rng: random.Random) -> Any:
        """A plausible mistake, in the form a browser sends."""
        return "Je ne sais pas encore."

    @classmethod
    def demo_raw(cls, defn: Mapping, response: Any) -> Any:
        """A normalised response in the form a browser sends."""
        return response


class TypedAnswer(QuestionType):
    """A type answered in one text field."""

    @classmethod
    def answer_field(cls) -> fields.Field:
        return TextOrNumber(MAX_TEXT_RESPONSE)

    @classmethod
    def form_answer(cls, defn: Mapping, form: Any, name: str) -> str:
        return form.get(name, "")
