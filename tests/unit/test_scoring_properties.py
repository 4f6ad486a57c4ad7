"""Scoring properties that must hold for any valid question and any response (hypothesis)."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lms.quiz.types import (
    ResponseError,
    correct_response,
    definition_errors,
    parse_response,
    score,
    score_raw,
)

# No example database: the tests leave nothing behind in the working tree.
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def lm(text: str) -> dict:
    return {"fr": text, "en": text}


ids = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=4),
    min_size=2,
    max_size=8,
    unique=True,
)
grid = st.sampled_from([0, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.75, 1])


@st.composite
def single_choice(draw):
    option_ids = draw(ids)
    fractions = [draw(grid) for _ in option_ids]
    fractions[draw(st.integers(0, len(option_ids) - 1))] = 1
    options = [
        {"id": i, "text": lm(i), "fraction": f} for i, f in zip(option_ids, fractions, strict=True)
    ]
    return {"type": "single_choice", "text": lm("q"), "options": options}


@st.composite
def multiple_response(draw):
    option_ids = draw(ids)
    n_right = draw(st.integers(1, len(option_ids)))
    # Positive weights that sum to 1: cut [0, 1] at sorted random points.
    cuts = sorted(draw(st.lists(st.floats(0.01, 0.99), min_size=n_right - 1, max_size=n_right - 1)))
    bounds = [0.0, *cuts, 1.0]
    positives = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    assume(all(p > 1e-9 for p in positives))
    negatives = [
        draw(st.sampled_from([0, -0.25, -0.5, -1])) for _ in range(len(option_ids) - n_right)
    ]
    options = [
        {"id": i, "text": lm(i), "fraction": f}
        for i, f in zip(option_ids, positives + negatives, strict=True)
    ]
    return {"type": "multiple_response", "text": lm("q"), "options": options}


words = st.text(alphabet="abcdeéE*  ", min_size=1, max_size=8).filter(lambda t: t.strip("* "))


@st.composite
def short_answer(draw):
    answers = [
        {"text": draw(words), "fraction": draw(grid)} for _ in range(draw(st.integers(0, 3)))
    ]
    answers.insert(draw(st.integers(0, len(answers))), {"text": draw(words), "fraction": 1})
    return {
        "type": "short_answer",
        "text": lm("q"),
        "case_sensitive": draw(st.booleans()),
        "answers": answers,
    }


numbers = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def numerical(draw):
    answers = [
        {"value": draw(numbers), "tolerance": draw(st.floats(0, 100)), "fraction": draw(grid)}
        for _ in range(draw(st.integers(1, 4)))
    ]
    answers[draw(st.integers(0, len(answers) - 1))]["fraction"] = 1
    return {"type": "numerical", "text": lm("q"), "answers": answers}


@st.composite
def matching(draw):
    pair_ids = draw(ids)
    pairs = [{"id": i, "left": lm(i), "right": lm(i.upper())} for i in pair_ids]
    distractors = [{"id": f"x{n}", "text": lm("x")} for n in range(draw(st.integers(0, 2)))]
    return {"type": "matching", "text": lm("q"), "pairs": pairs, "distractors": distractors}


@st.composite
def ordering(draw):
    items = [{"id": i, "text": lm(i)} for i in draw(ids)]
    scoring = draw(st.sampled_from(["partial", "all_or_nothing"]))
    return {"type": "ordering", "text": lm("q"), "items": items, "scoring": scoring}


true_false = st.builds(
    lambda answer: {"type": "true_false", "text": lm("q"), "answer": answer}, st.booleans()
)

questions = st.one_of(
    single_choice(),
    multiple_response(),
    short_answer(),
    numerical(),
    matching(),
    ordering(),
    true_false,
)


def numeral(value: float) -> str:
    """A number as a learner may type it: decimal comma or point, maybe a unit after it."""
    return repr(value).replace(".", ",")


@st.composite
def question_and_raw(draw):
    """A question and a response its type accepts (blank included)."""
    defn = draw(questions)
    kind = defn["type"]
    if kind in ("single_choice", "multiple_response"):
        option_ids = [o["id"] for o in defn["options"]]
        if kind == "single_choice":
            raw = draw(st.sampled_from([*option_ids, "", None]))
        else:
            raw = draw(st.lists(st.sampled_from(option_ids), unique=True))
    elif kind == "short_answer":
        raw = draw(st.text(max_size=12))
    elif kind == "numerical":
        raw = draw(
            st.one_of(numbers, numbers.map(numeral), numbers.map(lambda n: f"{n} €"), st.just(""))
        )
    elif kind == "matching":
        choices = [p["id"] for p in defn["pairs"]] + [d["id"] for d in defn["distractors"]]
        raw = {p["id"]: draw(st.sampled_from([*choices, ""])) for p in defn["pairs"]}
    elif kind == "ordering":
        item_ids = [i["id"] for i in defn["items"]]
        raw = draw(st.permutations(item_ids))
        raw = raw[: draw(st.integers(0, len(raw)))]
    else:
        raw = draw(st.sampled_from(["true", "false", "", True, False]))
    return defn, raw


@st.composite
def question_and_rejected_raw(draw):
    """A question and a response its type refuses: unknown ids, repeats, wrong shapes."""
    defn = draw(questions)
    kind = defn["type"]
    unknown = "not-an-id"
    if kind == "single_choice":
        raw = draw(st.sampled_from([unknown, [unknown], 3, ["a", "b"]]))
    elif kind == "multiple_response":
        first = defn["options"][0]["id"]
        raw = draw(st.sampled_from([[unknown], [first, first], {"x": first}, [3]]))
    elif kind == "short_answer":
        raw = draw(st.sampled_from(["x" * 2_001, {"x": "y"}, 3j]))
    elif kind == "numerical":
        raw = draw(st.sampled_from(["douze", "1,2,3", "--1", "€", {"x": 1}]))
    elif kind == "matching":
        first = defn["pairs"][0]["id"]
        raw = draw(st.sampled_from([{unknown: first}, {first: unknown}, [first], "text"]))
    elif kind == "ordering":
        first = defn["items"][0]["id"]
        raw = draw(st.sampled_from([[unknown], [first, first], {"x": first}, [3]]))
    else:
        raw = draw(st.sampled_from(["maybe", ["true", "false"], 3, {"x": True}]))
    return defn, raw


@PROPERTY
@given(questions)
def test_generated_questions_are_valid(defn):
    errors = definition_errors(defn)
    # Numerical and short-answer generators may hide the correct answer behind an earlier one;
    # that is a definition error, and the only one allowed here.
    assert all("earlier answer" in message for _, message in errors), errors


@PROPERTY
@given(question_and_raw())
def test_every_score_is_between_zero_and_one(case):
    defn, raw = case
    _, outcome = score_raw(defn, raw)
    assert outcome.fraction is not None
    assert 0.0 <= outcome.fraction <= 1.0
    expected = (
        "correct" if outcome.fraction == 1 else "incorrect" if outcome.fraction == 0 else None
    )
    assert outcome.state == (expected or "partial")


@PROPERTY
@given(question_and_rejected_raw())
def test_a_response_the_type_refuses_raises_and_gets_no_score(case):
    defn, raw = case
    with pytest.raises(ResponseError):
        score_raw(defn, raw)


@PROPERTY
@given(questions)
def test_correct_response_always_scores_one(defn):
    assume(definition_errors(defn) == [])
    outcome = score(defn, correct_response(defn))
    assert outcome.fraction == 1.0
    assert outcome.state == "correct"


@PROPERTY
@given(multiple_response(), st.data())
def test_multiple_response_is_invariant_to_option_and_response_order(defn, data):
    option_ids = [o["id"] for o in defn["options"]]
    chosen = data.draw(st.lists(st.sampled_from(option_ids), unique=True))
    reference = score_raw(defn, chosen)[1].fraction

    shuffled_options = data.draw(st.permutations(defn["options"]))
    shuffled_defn = {**defn, "options": list(shuffled_options)}
    shuffled_chosen = data.draw(st.permutations(chosen))
    assert score_raw(shuffled_defn, list(shuffled_chosen))[1].fraction == reference
    assert score_raw(defn, list(shuffled_chosen))[1].fraction == reference


@PROPERTY
@given(ordering(), st.data())
def test_any_shuffled_ordering_scores_between_zero_and_one(defn, data):
    item_ids = [i["id"] for i in defn["items"]]
    assert score_raw(defn, item_ids)[1].fraction == 1.0
    shuffled = list(data.draw(st.permutations(item_ids)))
    fraction = score_raw(defn, shuffled)[1].fraction
    assert 0.0 <= fraction <= 1.0
    if defn["scoring"] == "partial":
        # Any one item is an ordered run on its own.
        assert fraction >= 1 / len(item_ids)
    if shuffled != item_ids:
        assert fraction < 1.0


@PROPERTY
@given(numerical(), numbers)
def test_numerical_decimal_comma_scores_like_the_point(defn, value):
    text = repr(value)
    assume("e" not in text)
    assert math.isclose(parse_response(defn, text.replace(".", ",")), value)
    assert score_raw(defn, text.replace(".", ","))[1] == score_raw(defn, text)[1]
