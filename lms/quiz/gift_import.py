"""GIFT into a module's question bank: the preview a person checks, the questions as the bank
takes them, and the import itself; shared by ``flask quiz import-gift`` and the admin page."""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from lms.catalog.service import ContentInvalid, LoadSummary, import_questions
from lms.quiz import types
from lms.quiz.gift import GiftResult

LANGUAGES = ("fr", "en")
# Keys a GIFT file carries that the content format does not have.
GIFT_ONLY_KEYS = ("category", "format")


def _text(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(lang) or "")
    return "" if value is None else str(value)


def answers_summary(question: Mapping, lang: str) -> list[dict]:
    """The answers of a question, flat, for a person checking an import."""
    return types.question_type(question).summary(question, lang)


def preview(result: GiftResult, lang: str) -> list[dict]:
    return [
        {
            "title": question["id"],
            "line": line,
            "type": question["type"],
            "text": _text(question["text"], lang),
            "answers": answers_summary(question, lang),
            "skills": question["skills"],
            "category": question.get("category"),
            "question": question,
        }
        for question, line in zip(result.questions, result.lines, strict=True)
    ]


def _both_languages(value: Any) -> Any:
    """GIFT holds one language: the other starts as a copy, for a translator to replace."""
    if isinstance(value, dict):
        if value and set(value) <= set(LANGUAGES):
            text = next(iter(value.values()))
            return {lang: value.get(lang) or text for lang in LANGUAGES}
        return {key: _both_languages(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_both_languages(item) for item in value]
    return value


def for_bank(question: Mapping, module_code: str, source: str) -> dict:
    """A parsed GIFT question as the bank takes it: GIFT-only keys dropped, a provenance note.

    A title that is not a ``<module>-Q<nn>`` id is dropped too, so the bank numbers the question;
    a title that is one updates that question.
    """
    prepared = {
        key: _both_languages(value) for key, value in question.items() if key not in GIFT_ONLY_KEYS
    }
    if not re.fullmatch(rf"{re.escape(module_code)}-Q\d+", str(prepared.get("id", ""))):
        prepared.pop("id", None)
    prepared.setdefault("source", source)
    return prepared


def import_gift(
    session: Session, module_code: str, questions: Iterable[Mapping], *, source: str
) -> LoadSummary:
    """Add or update the questions (from :func:`for_bank`) in the module's bank; flushes.

    :class:`ContentInvalid` when anything is wrong, with nothing written."""
    return import_questions(
        session, module_code, questions, source=source, question_types=types.QUESTION_TYPES
    )


def located_errors(invalid: ContentInvalid, result: GiftResult, file: str) -> list[str]:
    """``file:line: field: message`` for each error, at the question's line in the GIFT file."""
    lines = []
    for error in invalid.errors:
        # The bank names a question by its rank in the list; point at its line in the file.
        rank = getattr(error, "line", 0)
        line = result.lines[rank - 1] if 0 < rank <= len(result.lines) else rank
        lines.append(f"{file}:{line}: {error.field}: {error.message}")
    return lines
