"""Answer cues: what lets a test-wise coach pass without the skill, measured per bank.

The rules follow Haladyna, Downing & Rodriguez (2002), "A review of multiple-choice
item-writing guidelines": keys not given away by their length, balanced true/false keys, no
item asked twice under another wording, and scenarios that make the coach apply the skill."""

from __future__ import annotations

import difflib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from lms.catalog.validation.files import _State
from lms.catalog.validation.results import BankCues, NearDuplicate, Question, Quiz
from lms.catalog.validation.rules import (
    LANGUAGES,
    LONGEST_KEY_MAX_SHARE,
    MIN_SCENARIOS_PER_SKILL,
    NEAR_DUPLICATE_RATIO,
    QUIZZES_DIR,
    TRUE_FALSE_MIN_ITEMS,
    TRUE_SHARE_RANGE,
)


def check_cues(state: _State, quizzes: list[Quiz]) -> tuple[BankCues, ...]:
    """Report every cue rule (errors or warnings, see ``CUE_RULES_AS_WARNINGS``); the figures."""
    pairs = near_duplicates(
        question for quiz in quizzes for question in quiz.questions if not question.reused_from
    )
    for pair in pairs:
        file, line, path = state.stems[pair.question]
        other_file, other_line, _ = state.stems[pair.other]
        where = f"line {other_line}" if other_file == file else f"{other_file}:{other_line}"
        state.cue_file(file, "near_duplicate").error(
            line,
            path,
            f"stem nearly the same as {pair.other} ({where}; similarity {pair.ratio:.2f} ≥ "
            f"{NEAR_DUPLICATE_RATIO}): ask it once, and reuse it elsewhere with `ref:`",
        )
    figures = []
    for quiz in quizzes:
        cues = bank_cues(quiz, [p for p in pairs if p.question in _ids(quiz)])
        _check_bank(state, quiz, cues)
        figures.append(cues)
    _check_scenarios(state, quizzes)
    return tuple(figures)


def bank_cues(quiz: Quiz, pairs: list[NearDuplicate]) -> BankCues:
    definitions = [question.definition for question in quiz.questions]
    single = [d for d in definitions if d["type"] == "single_choice"]
    true_false = [d for d in definitions if d["type"] == "true_false"]
    return BankCues(
        module=quiz.module,
        single_choice=len(single),
        key_only_longest=sum(key_is_only_longest(d.get("options") or []) for d in single),
        true_false=len(true_false),
        answer_true=sum(d.get("answer") is True for d in true_false),
        near_duplicates=tuple(pairs),
    )


def key_is_only_longest(options: list[dict[str, Any]]) -> bool:
    """Whether the best option is, in either language, longer than every other option."""
    if len(options) < 2:
        return False
    key = max(range(len(options)), key=lambda i: options[i].get("fraction", 0))
    for lang in LANGUAGES:
        lengths = [len(_text(option.get("text"), lang)) for option in options]
        others = lengths[:key] + lengths[key + 1 :]
        if lengths[key] > max(others):
            return True
    return False


def folded(text: str) -> str:
    """Lower-cased, accents removed, spaces collapsed: the form stems are compared in."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def near_duplicates(questions: Iterable[Question]) -> list[NearDuplicate]:
    """Pairs of questions whose stems, in one language or the other, are nearly the same;
    each pair is named by its later question."""
    ids, stems = [], []
    for question in questions:
        ids.append(question.id)
        stems.append([folded(_text(question.definition.get("text"), lang)) for lang in LANGUAGES])
    best: dict[tuple[int, int], float] = {}
    for lang in range(len(LANGUAGES)):
        texts = [stem[lang] for stem in stems]
        for later, ratio_to in enumerate(_ratios_to_earlier(texts)):
            for earlier, ratio in ratio_to.items():
                best[later, earlier] = max(best.get((later, earlier), 0.0), ratio)
    return [
        NearDuplicate(ids[later], ids[earlier], round(ratio, 2))
        for (later, earlier), ratio in sorted(best.items())
    ]


def _ratios_to_earlier(texts: list[str]) -> Iterator[dict[int, float]]:
    """For each text, the earlier texts at least ``NEAR_DUPLICATE_RATIO`` alike, with the ratio.
    Two upper bounds of the ratio (lengths, then shared characters) stop almost every pair
    before the matcher runs."""
    counts = [Counter(text) for text in texts]
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for later, text in enumerate(texts):
        found: dict[int, float] = {}
        matcher.set_seq2(text)
        for earlier in range(later):
            total = len(text) + len(texts[earlier])
            if not text or 2 * min(len(text), len(texts[earlier])) < NEAR_DUPLICATE_RATIO * total:
                continue
            shared = sum((counts[later] & counts[earlier]).values())
            if 2 * shared < NEAR_DUPLICATE_RATIO * total:
                continue
            matcher.set_seq1(texts[earlier])
            if (ratio := matcher.ratio()) >= NEAR_DUPLICATE_RATIO:
                found[earlier] = ratio
        yield found


def _check_bank(state: _State, quiz: Quiz, cues: BankCues) -> None:
    file = f"{QUIZZES_DIR}/{quiz.module}.yaml"
    share = cues.key_only_longest_share
    if share is not None and share > LONGEST_KEY_MAX_SHARE + 1e-9:
        state.cue_file(file, "longest_key").error(
            _questions_line(state, quiz),
            "questions",
            f"{cues.key_only_longest} of {cues.single_choice} single-choice keys "
            f"({share:.0%}) are the only longest option; at most {LONGEST_KEY_MAX_SHARE:.0%}",
        )
    low, high = TRUE_SHARE_RANGE
    true_share = cues.true_share
    if (
        cues.true_false >= TRUE_FALSE_MIN_ITEMS
        and true_share is not None
        and not low - 1e-9 <= true_share <= high + 1e-9
    ):
        state.cue_file(file, "true_false_balance").error(
            _questions_line(state, quiz),
            "questions",
            f"{cues.answer_true} of {cues.true_false} true/false answers ({true_share:.0%}) are "
            f"true; keep between {low:.0%} and {high:.0%}",
        )


def _check_scenarios(state: _State, quizzes: list[Quiz]) -> None:
    scenarios: dict[str, int] = {}
    for quiz in quizzes:
        for question in quiz.questions:
            if question.definition.get("scenario") is True:
                for skill in question.skills:
                    scenarios[skill] = scenarios.get(skill, 0) + 1
    for sid, ref in state.skills.items():
        if scenarios.get(sid, 0) < MIN_SCENARIOS_PER_SKILL:
            state.cue_file(ref.file, "scenario").error(
                ref.line,
                ref.path,
                f"skill {sid} has no scenario question: mark at least "
                f"{MIN_SCENARIOS_PER_SKILL} case the coach must act on with `scenario: true`",
            )


def _questions_line(state: _State, quiz: Quiz) -> int:
    return state.bank_lines.get(quiz.module, 1)


def _ids(quiz: Quiz) -> set[str]:
    return {question.id for question in quiz.questions}


def _text(value: Any, lang: str) -> str:
    return value.get(lang, "") if isinstance(value, dict) else ""
