"""Essay: a free text graded by a trainer against the rubric."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate

from lms.quiz import gift_syntax as gift
from lms.quiz.types.base import (
    MAX_ESSAY_RESPONSE,
    ContentSchema,
    Outcome,
    TypedAnswer,
    checked_text,
    is_blank,
    outcome,
)

DEMO_ANSWER = (
    "Je prépare la mobilité avec le tuteur : objectifs réalistes, grille d'évaluation partagée, "
    "suivi à distance chaque semaine et débriefing au retour avec l'entreprise d'envoi."
)


class Essay(TypedAnswer):
    """A free text graded by a trainer against the rubric."""

    name = "essay"
    interaction_type = "long-fill-in"
    schema = ContentSchema(
        required=("grader_info",), optional=("rubric",), texts=("grader_info",), grids=("rubric",)
    )
    gift_rank = 0
    asked_live = False  # a trainer grades it, so it cannot be revealed on the spot

    @classmethod
    def answer_field(cls) -> fields.Field:
        return fields.String(validate=validate.Length(max=MAX_ESSAY_RESPONSE))

    @classmethod
    def definition_errors(cls, defn: Mapping) -> list[tuple[str, str]]:
        errors = super().definition_errors(defn)
        if defn.get("grader_info") is None:
            errors.append(("grader_info", "missing field"))
        return errors

    @classmethod
    def parse_response(cls, defn: Mapping, raw: Any) -> str:
        if is_blank(raw):
            return ""
        raw = checked_text(raw, MAX_ESSAY_RESPONSE)
        # Paragraphs matter in an essay: only line endings and the outer blanks are normalised.
        return unicodedata.normalize("NFC", raw.replace("\r\n", "\n")).strip()

    @classmethod
    def score(cls, defn: Mapping, response: str) -> Outcome:
        return outcome(defn, None if response else 0.0)

    @classmethod
    def correct_response(cls, defn: Mapping) -> None:
        return None

    @classmethod
    def correct_lines(cls, defn: Mapping) -> list:
        return []

    @classmethod
    def xapi_response(cls, defn: Mapping, response: str) -> str:
        return response or ""

    @classmethod
    def demo_wrong_response(cls, defn: Mapping, rng: Any) -> str:
        return DEMO_ANSWER

    @classmethod
    def gift_read(cls, answer: str, base: int, lang: str, warn: list) -> dict | None:
        # An empty answer block; the grader information comes from a "// grader_info:" line.
        return {"grader_info": None} if not answer else None

    @classmethod
    def gift_write(cls, writer: gift.GiftWriter) -> str:
        return "{" + writer.general() + "}"
