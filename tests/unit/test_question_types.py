"""Question types: definition checks, response parsing, scoring and xAPI descriptions."""

import copy

import pytest

from lms.quiz.types import (
    CMI_INTERACTION,
    QUESTION_TYPES,
    Outcome,
    ResponseError,
    correct_response,
    definition_errors,
    parse_number,
    parse_response,
    read_answer,
    score,
    score_raw,
    xapi_interaction,
    xapi_response,
)


def lm(fr: str, en: str | None = None) -> dict:
    return {"fr": fr, "en": en if en is not None else fr + " (en)"}


GENERAL = lm("Voir la leçon 2.", "See lesson 2.")

SINGLE = {
    "id": "C4.2-Q01",
    "type": "single_choice",
    "skills": ["C4.2-S1"],
    "text": lm("Quel document décrit les acquis ?", "Which document describes the outcomes?"),
    "feedback": GENERAL,
    "options": [
        {"id": "a", "text": lm("Europass Mobilité"), "fraction": 1, "feedback": lm("Oui.")},
        {"id": "b", "text": lm("Le passeport"), "fraction": 0, "feedback": lm("Non.")},
        {"id": "c", "text": lm("Le contrat pédagogique"), "fraction": 0.5},
    ],
}

MULTI = {
    "id": "C1.1-Q02",
    "type": "multiple_response",
    "skills": ["C1.1-S1"],
    "text": lm("Cochez les pièces du dossier."),
    "feedback": GENERAL,
    "options": [
        {"id": "a", "text": lm("Convention"), "fraction": 0.5, "feedback": lm("a")},
        {"id": "b", "text": lm("Contrat pédagogique"), "fraction": 0.5},
        {"id": "c", "text": lm("Billet de train"), "fraction": -1, "feedback": lm("c")},
        {"id": "d", "text": lm("Photo"), "fraction": 0},
    ],
}

TRUE_FALSE = {
    "id": "C2-Q03",
    "type": "true_false",
    "skills": ["C2-S1"],
    "text": lm("Un apprenti peut partir jusqu'à un an."),
    "answer": True,
    "feedback_true": lm("Exact."),
    "feedback_false": lm("Si : ErasmusPro."),
}

SHORT = {
    "id": "C4.2-Q04",
    "type": "short_answer",
    "skills": ["C4.2-S2"],
    "text": lm("Nommez le document européen de mobilité."),
    "answers": [
        {"text": "Europass   Mobilité", "fraction": 1, "feedback": lm("Bien.")},
        {"text": "Europass Mobility", "fraction": 1},
        {"text": "Europass*", "fraction": 0.5, "feedback": lm("Presque.")},
    ],
}

NUMERICAL = {
    "id": "C1.2-Q05",
    "type": "numerical",
    "skills": ["C1.2-S1"],
    "text": lm("Durée minimale d'une mobilité longue, en jours ?"),
    "unit": lm("jours", "days"),
    "answers": [
        {"value": 90, "tolerance": 0, "fraction": 1, "feedback": lm("Oui.")},
        {"value": 12.5, "tolerance": 0.5, "fraction": 1},
        {"value": 1000, "tolerance": 0, "fraction": 0.5},
        {"value": 100, "tolerance": 20, "fraction": 0.5, "feedback": lm("Proche.")},
    ],
}

MATCHING = {
    "id": "C2-Q06",
    "type": "matching",
    "skills": ["C2-S2"],
    "text": lm("Associez."),
    "pairs": [
        {"id": "p1", "left": lm("Convention"), "right": lm("Centre, entreprise, apprenti")},
        {"id": "p2", "left": lm("Contrat pédagogique"), "right": lm("Acquis visés")},
        {"id": "p3", "left": lm("Attestation"), "right": lm("Preuve de présence")},
        {"id": "p4", "left": lm("Europass"), "right": lm("Compétences")},
    ],
    "distractors": [{"id": "x1", "text": lm("Billet d'avion")}],
}

ORDERING = {
    "id": "C1.1-Q07",
    "type": "ordering",
    "skills": ["C1.1-S3"],
    "text": lm("Remettez dans l'ordre."),
    "scoring": "partial",
    "items": [
        {"id": "a", "text": lm("Identifier le partenaire")},
        {"id": "b", "text": lm("Signer la convention")},
        {"id": "c", "text": lm("Préparer l'apprenti")},
        {"id": "d", "text": lm("Partir")},
        {"id": "e", "text": lm("Évaluer")},
    ],
}

ESSAY = {
    "id": "C3-Q08",
    "type": "essay",
    "skills": ["C3-S1"],
    "text": lm("Décrivez votre préparation interculturelle."),
    "grader_info": lm("Cite au moins deux actions."),
    "feedback": GENERAL,
}

ALL = [SINGLE, MULTI, TRUE_FALSE, SHORT, NUMERICAL, MATCHING, ORDERING, ESSAY]


def variant(defn: dict, **changes) -> dict:
    result = copy.deepcopy(defn)
    result.update(changes)
    return result


# --- registry and definitions -----------------------------------------------------------------


def test_registry_lists_the_eight_types_of_the_content_format():
    assert set(QUESTION_TYPES) == {
        "single_choice",
        "multiple_response",
        "true_false",
        "short_answer",
        "numerical",
        "matching",
        "ordering",
        "essay",
    }
    for name, kind in QUESTION_TYPES.items():
        assert kind.name == name


@pytest.mark.parametrize("defn", ALL, ids=lambda d: d["type"])
def test_sample_definitions_are_valid(defn):
    assert definition_errors(defn) == []


def fields(errors):
    return [path for path, _ in errors]


def test_unknown_or_missing_type_is_reported():
    assert fields(definition_errors({"text": lm("x")})) == ["type"]
    assert "unknown question type" in definition_errors({"type": "hotspot"})[0][1]


def test_missing_text_and_missing_options_are_reported():
    errors = definition_errors({"type": "single_choice"})
    assert ("text", "missing field") in errors
    assert ("options", "missing field") in errors


def test_single_choice_without_a_fully_correct_option():
    defn = variant(SINGLE, options=[{**o, "fraction": 0} for o in SINGLE["options"]])
    assert fields(definition_errors(defn)) == ["options"]
    assert "no correct answer" in definition_errors(defn)[0][1]


def test_single_choice_fraction_outside_zero_one_names_the_option():
    options = copy.deepcopy(SINGLE["options"])
    options[2]["fraction"] = 1.5
    options[1]["fraction"] = -0.5
    errors = definition_errors(variant(SINGLE, options=options))
    assert fields(errors) == ["options[1].fraction", "options[2].fraction"]


def test_duplicate_option_ids_and_missing_option_fields():
    options = copy.deepcopy(SINGLE["options"])
    options[2]["id"] = "a"
    del options[1]["text"]
    errors = definition_errors(variant(SINGLE, options=options))
    assert ("options[1].text", "missing field") in errors
    assert ("options[2].id", "duplicate id 'a'") in errors


def test_multiple_response_weights_that_cannot_reach_100_percent():
    options = copy.deepcopy(MULTI["options"])
    options[1]["fraction"] = 0.4
    errors = definition_errors(variant(MULTI, options=options))
    assert errors == [("options", "partial-credit weights cannot reach 100 %")]


def test_multiple_response_thirds_sum_to_one_within_tolerance():
    options = [{"id": k, "text": lm(k), "fraction": 0.3333333} for k in ("a", "b", "c")] + [
        {"id": "d", "text": lm("d"), "fraction": -1}
    ]
    assert definition_errors(variant(MULTI, options=options)) == []
    _, outcome = score_raw(variant(MULTI, options=options), ["a", "b", "c"])
    assert outcome.fraction == 1.0 and outcome.state == "correct"


def test_multiple_response_without_positive_option():
    options = [{**o, "fraction": min(o["fraction"], 0)} for o in MULTI["options"]]
    assert "no correct answer" in definition_errors(variant(MULTI, options=options))[0][1]


def test_matching_and_ordering_need_two_items():
    errors = definition_errors(variant(MATCHING, pairs=MATCHING["pairs"][:1]))
    assert fields(errors) == ["pairs"]
    errors = definition_errors(variant(ORDERING, items=ORDERING["items"][:1]))
    assert fields(errors) == ["items"]


def test_matching_distractor_id_clashing_with_a_pair():
    errors = definition_errors(variant(MATCHING, distractors=[{"id": "p2", "text": lm("x")}]))
    assert errors == [("distractors[0].id", "duplicate id 'p2'")]


def test_ordering_scoring_must_be_known():
    assert fields(definition_errors(variant(ORDERING, scoring="best"))) == ["scoring"]


def test_numerical_negative_tolerance_and_non_numeric_value():
    answers = copy.deepcopy(NUMERICAL["answers"])
    answers[0]["tolerance"] = -1
    answers[1]["value"] = "douze"
    errors = definition_errors(variant(NUMERICAL, answers=answers))
    assert ("answers[0].tolerance", "tolerance must not be negative") in errors
    assert ("answers[1].value", "must be a number") in errors


def test_numerical_correct_answer_hidden_by_an_earlier_one():
    answers = [
        {"value": 10, "tolerance": 5, "fraction": 0.5},
        {"value": 12, "tolerance": 0, "fraction": 1},
    ]
    errors = definition_errors(variant(NUMERICAL, answers=answers))
    assert fields(errors) == ["answers"] and "earlier answer" in errors[0][1]


def test_short_answer_without_answers_or_with_empty_text():
    assert fields(definition_errors(variant(SHORT, answers=[]))) == ["answers"]
    errors = definition_errors(variant(SHORT, answers=[{"text": "  ", "fraction": 1}]))
    assert ("answers[0].text", "must be a non-empty text") in errors


def test_short_answer_correct_answer_hidden_by_catch_all():
    answers = [{"text": "*", "fraction": 0}, {"text": "Erasmus", "fraction": 1}]
    assert "earlier answer" in definition_errors(variant(SHORT, answers=answers))[0][1]


def test_true_false_answer_must_be_a_boolean():
    assert definition_errors(variant(TRUE_FALSE, answer="yes")) == [
        ("answer", "must be true or false")
    ]
    defn = variant(TRUE_FALSE)
    del defn["answer"]
    assert definition_errors(defn) == [("answer", "missing field")]


def test_essay_needs_grader_info():
    defn = variant(ESSAY)
    del defn["grader_info"]
    assert definition_errors(defn) == [("grader_info", "missing field")]


def test_language_maps_are_left_to_the_content_validator():
    defn = variant(SINGLE, text={"fr": "", "en": ""})
    assert definition_errors(defn) == []


# --- blank answers -----------------------------------------------------------------------------


BLANKS = {
    "single_choice": [None, "", "  ", []],
    "multiple_response": [None, [], ""],
    "true_false": [None, ""],
    "short_answer": [None, "", "   "],
    "numerical": [None, "", " "],
    "matching": [None, {}, {"p1": "", "p2": None}],
    "ordering": [None, [], ""],
    "essay": [None, "", "\n  \n"],
}


@pytest.mark.parametrize("defn", ALL, ids=lambda d: d["type"])
def test_blank_answer_is_valid_and_scores_zero(defn):
    for raw in BLANKS[defn["type"]]:
        response, outcome = score_raw(defn, raw)
        assert outcome.fraction == 0.0, raw
        assert outcome.state == "incorrect"
        assert xapi_response(defn, response) == ""


# --- answers a coach sends: the type's marshmallow schema, then the question ----------------

# One well-formed answer per type, as a page's form or a JSON client sends it.
WELL_FORMED = {
    "single_choice": "a",
    "multiple_response": ["a", "b"],
    "true_false": "true",
    "short_answer": "Europass Mobilité",
    "numerical": "12,5",
    "matching": {"p1": "p2", "p2": "x1"},
    "ordering": ["a", "b"],
    "essay": "Première ligne.\nSeconde ligne.",
}
# Answers whose shape is wrong for the type: what a forged form or a careless client sends.
MALFORMED = {
    "single_choice": [["a"], {"a": 1}, 3, "a" * 201],
    "multiple_response": ["a", {"a": "b"}, [1, 2], ["a"] * 101],
    "true_false": ["maybe", 2, ["true", "false"]],
    "short_answer": [["x"], {"x": "y"}, "x" * 2001, True],
    "numerical": [["1"], {"v": 1}, True],
    "matching": [["p1"], "p1=p2", {"p1": 3}],
    "ordering": ["a,b", {"1": "a"}, [None]],
    "essay": [["text"], 42, "x" * 50_001],
}


@pytest.mark.parametrize("defn", ALL, ids=lambda d: d["type"])
def test_a_well_formed_answer_is_read_against_its_question(defn):
    response = read_answer(defn, WELL_FORMED[defn["type"]])
    assert response == parse_response(defn, WELL_FORMED[defn["type"]])
    assert read_answer(defn, None) == parse_response(defn, None)


@pytest.mark.parametrize("defn", ALL, ids=lambda d: d["type"])
def test_an_answer_of_the_wrong_shape_is_refused_with_a_message(defn):
    for raw in MALFORMED[defn["type"]]:
        with pytest.raises(ResponseError) as error:
            read_answer(defn, raw)
        assert error.value.msgid, raw


def test_the_schema_checks_the_shape_and_the_question_the_ids():
    with pytest.raises(ResponseError) as error:
        read_answer(SINGLE, "z")
    assert error.value.params == {"option": "z"}


@pytest.mark.parametrize("defn", ALL, ids=lambda d: d["type"])
def test_every_type_documents_its_answer_as_a_marshmallow_schema(defn):
    schema = QUESTION_TYPES[defn["type"]].answer_schema()
    assert schema.load({"answer": WELL_FORMED[defn["type"]]}) == {
        "answer": schema.fields["answer"].deserialize(WELL_FORMED[defn["type"]])
    }
    assert schema.load({"answer": None}) == {"answer": None}


# --- single choice -----------------------------------------------------------------------------


def test_single_choice_scores_the_chosen_fraction_with_feedback():
    response, outcome = score_raw(SINGLE, "a")
    assert response == "a"
    assert outcome == Outcome(1.0, [lm("Oui."), GENERAL], "correct")
    assert score_raw(SINGLE, "b")[1] == Outcome(0.0, [lm("Non."), GENERAL], "incorrect")
    assert score_raw(SINGLE, ["c"])[1] == Outcome(0.5, [GENERAL], "partial")


def test_single_choice_rejects_unknown_option_and_several_options():
    with pytest.raises(ResponseError) as error:
        parse_response(SINGLE, "z")
    assert error.value.msgid == "Unknown answer option: %(option)s."
    assert error.value.params == {"option": "z"}
    assert str(error.value) == "Unknown answer option: z."
    with pytest.raises(ResponseError):
        parse_response(SINGLE, ["a", "b"])
    with pytest.raises(ResponseError):
        parse_response(SINGLE, {"a": 1})


# --- multiple response -------------------------------------------------------------------------


def test_multiple_response_adds_weights_and_clamps():
    assert score_raw(MULTI, ["a", "b"])[1].fraction == 1.0
    assert score_raw(MULTI, ["b"])[1].state == "partial"
    # 0.5 + 0.5 - 1 + 0 = 0: ticking everything is not a strategy.
    response, outcome = score_raw(MULTI, ["a", "b", "c", "d"])
    assert outcome.fraction == 0.0 and outcome.state == "incorrect"
    # 0.5 - 1 = -0.5, clamped to 0.
    assert score_raw(MULTI, ["c", "a"])[1].fraction == 0.0


def test_multiple_response_normalises_to_definition_order_and_gathers_feedback():
    response, outcome = score_raw(MULTI, ["c", "a"])
    assert response == ["a", "c"]
    assert outcome.feedback == [lm("a"), lm("c"), GENERAL]
    assert parse_response(MULTI, "b") == ["b"]


def test_multiple_response_malformed():
    for raw in (["a", "a"], ["a", "zz"], [1], 3, {"a": True}):
        with pytest.raises(ResponseError):
            parse_response(MULTI, raw)


# --- true / false ------------------------------------------------------------------------------


def test_true_false_scoring_and_feedback():
    assert score_raw(TRUE_FALSE, "true")[1] == Outcome(1.0, [lm("Exact.")], "correct")
    assert score_raw(TRUE_FALSE, False)[1] == Outcome(0.0, [lm("Si : ErasmusPro.")], "incorrect")
    assert parse_response(TRUE_FALSE, " FALSE ") is False
    with pytest.raises(ResponseError) as error:
        parse_response(TRUE_FALSE, "peut-être")
    assert error.value.msgid == "Choose true or false."


# --- short answer ------------------------------------------------------------------------------


def test_short_answer_is_case_insensitive_and_normalises_whitespace():
    response, outcome = score_raw(SHORT, "  europass\tMOBILITÉ ")
    assert response == "europass MOBILITÉ"
    assert outcome == Outcome(1.0, [lm("Bien.")], "correct")


def test_short_answer_nfc_composed_and_decomposed_e_acute():
    decomposed = "Europass Mobilite\u0301"
    assert decomposed != "Europass Mobilité"
    assert score_raw(SHORT, decomposed)[1].fraction == 1.0
    defn = variant(SHORT, answers=[{"text": "Mobilite\u0301", "fraction": 1}])
    assert score_raw(defn, "mobilité")[1].fraction == 1.0


def test_short_answer_wildcard_and_order():
    assert score_raw(SHORT, "Europass CV")[1] == Outcome(0.5, [lm("Presque.")], "partial")
    assert score_raw(SHORT, "Europass")[1].fraction == 0.5
    assert score_raw(SHORT, "Passeport")[1].fraction == 0.0
    # Regex characters in an answer are literal; only * is special.
    defn = variant(SHORT, answers=[{"text": "C4.2 (a+b)", "fraction": 1}])
    assert score_raw(defn, "c4.2 (a+b)")[1].fraction == 1.0
    assert score_raw(defn, "C4x2 (aab)")[1].fraction == 0.0


def test_short_answer_case_sensitive():
    defn = variant(SHORT, case_sensitive=True)
    assert score_raw(defn, "Europass Mobilité")[1].fraction == 1.0
    assert score_raw(defn, "europass mobilité")[1].fraction == 0.0
    assert xapi_interaction(defn)["correctResponsesPattern"][0].startswith("{case_matters=true}")


def test_short_answer_malformed():
    with pytest.raises(ResponseError):
        parse_response(SHORT, {"text": "x"})
    with pytest.raises(ResponseError) as error:
        parse_response(SHORT, "x" * 5000)
    assert error.value.params == {"limit": 2000}


# --- numerical ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12.0),
        ("12,5", 12.5),
        ("12.5", 12.5),
        (" -3 ", -3.0),
        ("\u22123,5", -3.5),
        ("1 000", 1000.0),
        ("1\u202f000,25", 1000.25),
        ("1\u00a0234\u00a0567", 1234567.0),
        ("90 jours", 90.0),
        ("12,5 %", 12.5),
        ("45€", 45.0),
        (",5", 0.5),
        ("1e3", 1000.0),
        ("+7", 7.0),
    ],
)
def test_parse_number_accepts_french_and_english_writing(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text", ["douze", "12 00", "1,234.5", "12.", "1 2", "--3", "90 jours et 3", "e", ".", "1e999"]
)
def test_parse_number_rejects_what_is_not_a_number(text):
    with pytest.raises(ResponseError) as error:
        parse_number(text)
    assert error.value.msgid == "Enter a number, for example 12 or 12.5."


def test_numerical_first_matching_answer_within_tolerance():
    assert score_raw(NUMERICAL, "90")[1] == Outcome(1.0, [lm("Oui.")], "correct")
    assert score_raw(NUMERICAL, "12,9")[1].fraction == 1.0
    assert score_raw(NUMERICAL, "12,4")[1].fraction == 1.0
    assert score_raw(NUMERICAL, "13,1")[1].fraction == 0.0
    assert score_raw(NUMERICAL, "1 000 jours")[1].fraction == 0.5
    assert score_raw(NUMERICAL, 110)[1] == Outcome(0.5, [lm("Proche.")], "partial")


def test_numerical_tolerance_boundary_survives_binary_rounding():
    defn = variant(NUMERICAL, answers=[{"value": 0.3, "tolerance": 0.1, "fraction": 1}])
    assert score_raw(defn, "0,4")[1].fraction == 1.0
    assert score_raw(defn, "0,2")[1].fraction == 1.0
    assert score_raw(defn, "0,41")[1].fraction == 0.0


def test_numerical_pattern_has_no_binary_noise():
    defn = variant(NUMERICAL, answers=[{"value": 0.3, "tolerance": 0.1, "fraction": 1}])
    assert xapi_interaction(defn)["correctResponsesPattern"] == ["0.2[:]0.4"]
    assert xapi_response(defn, 0.1 + 0.2) == "0.3"


def test_numerical_malformed():
    for raw in ("douze", ["1", "2"], {"v": 1}, float("nan"), True):
        with pytest.raises(ResponseError):
            parse_response(NUMERICAL, raw)


# --- matching ----------------------------------------------------------------------------------


def test_matching_share_of_right_pairs_and_distractors():
    all_right = {"p1": "p1", "p2": "p2", "p3": "p3", "p4": "p4"}
    assert score_raw(MATCHING, all_right)[1].fraction == 1.0
    half = {"p1": "p1", "p2": "x1", "p3": "p3", "p4": "p2"}
    assert score_raw(MATCHING, half)[1] == Outcome(0.5, [], "partial")
    # Unanswered pairs count as wrong.
    assert score_raw(MATCHING, {"p1": "p1"})[1].fraction == 0.25


def test_matching_malformed():
    with pytest.raises(ResponseError) as error:
        parse_response(MATCHING, {"p9": "p1"})
    assert error.value.params == {"item": "p9"}
    with pytest.raises(ResponseError):
        parse_response(MATCHING, {"p1": "nowhere"})
    with pytest.raises(ResponseError):
        parse_response(MATCHING, ["p1", "p2"])


# --- ordering ----------------------------------------------------------------------------------


def test_ordering_partial_is_longest_ordered_subsequence():
    assert score_raw(ORDERING, ["a", "b", "c", "d", "e"])[1].fraction == 1.0
    # b c d in order (3 of 5); a and e misplaced.
    assert score_raw(ORDERING, ["e", "b", "c", "a", "d"])[1].fraction == pytest.approx(0.6)
    # Reversed: any single item is an ordered run of length 1.
    assert score_raw(ORDERING, ["e", "d", "c", "b", "a"])[1].fraction == pytest.approx(0.2)
    assert parse_response(ORDERING, "b,a, c") == ["b", "a", "c"]


def test_ordering_all_or_nothing():
    defn = variant(ORDERING, scoring="all_or_nothing")
    assert score_raw(defn, ["a", "b", "c", "d", "e"])[1].fraction == 1.0
    assert score_raw(defn, ["a", "b", "c", "e", "d"])[1].fraction == 0.0
    assert score_raw(defn, ["a", "b", "c", "d"])[1].fraction == 0.0


def test_ordering_malformed():
    with pytest.raises(ResponseError) as error:
        parse_response(ORDERING, ["a", "b", "a"])
    assert error.value.msgid == "Each item can appear only once."
    with pytest.raises(ResponseError):
        parse_response(ORDERING, ["a", "z"])
    with pytest.raises(ResponseError):
        parse_response(ORDERING, 5)


# --- essay -------------------------------------------------------------------------------------


def test_essay_needs_grading():
    response, outcome = score_raw(ESSAY, "  Première partie.\r\n\r\nSeconde partie.  ")
    assert response == "Première partie.\n\nSeconde partie."
    assert outcome == Outcome(None, [GENERAL], "needs_grading")
    assert correct_response(ESSAY) is None
    with pytest.raises(ResponseError):
        parse_response(ESSAY, ["x"])


# --- correct responses and xAPI ----------------------------------------------------------------


@pytest.mark.parametrize("defn", ALL[:-1], ids=lambda d: d["type"])
def test_correct_response_scores_one(defn):
    outcome = score(defn, correct_response(defn))
    assert outcome.fraction == 1.0 and outcome.state == "correct"


def test_score_rejects_nothing_it_parsed():
    with pytest.raises(KeyError):
        score({"type": "hotspot"}, "a")


XAPI_CASES = [
    (SINGLE, "choice", ["a"], "c", "c"),
    (MULTI, "choice", ["a[,]b"], ["c", "a"], "a[,]c"),
    (TRUE_FALSE, "true-false", ["true"], "false", "false"),
    (SHORT, "fill-in", ["Europass Mobilité", "Europass Mobility"], " x  y ", "x y"),
    (NUMERICAL, "numeric", ["90[:]90", "12[:]13"], "12,5", "12.5"),
    (MATCHING, "matching", ["p1[.]p1[,]p2[.]p2[,]p3[.]p3[,]p4[.]p4"], {"p2": "x1"}, "p2[.]x1"),
    (ORDERING, "sequencing", ["a[,]b[,]c[,]d[,]e"], ["b", "a"], "b[,]a"),
    (ESSAY, "long-fill-in", None, "Texte", "Texte"),
]


@pytest.mark.parametrize(
    ("defn", "interaction", "patterns", "raw", "expected"),
    XAPI_CASES,
    ids=[case[0]["type"] for case in XAPI_CASES],
)
def test_xapi_interaction_and_response(defn, interaction, patterns, raw, expected):
    definition = xapi_interaction(defn, lang="fr")
    assert definition["type"] == CMI_INTERACTION
    assert definition["interactionType"] == interaction
    assert definition.get("correctResponsesPattern") == patterns
    assert list(definition["description"]) == ["fr", "en"]
    assert xapi_response(defn, parse_response(defn, raw)) == expected


def test_xapi_components_carry_both_languages():
    choices = xapi_interaction(SINGLE)["choices"]
    assert choices[0] == {
        "id": "a",
        "description": {"en": "Europass Mobilité (en)", "fr": "Europass Mobilité"},
    }
    matching = xapi_interaction(MATCHING)
    assert [c["id"] for c in matching["source"]] == ["p1", "p2", "p3", "p4"]
    assert [c["id"] for c in matching["target"]] == ["p1", "p2", "p3", "p4", "x1"]
    assert matching["target"][-1]["description"]["fr"] == "Billet d'avion"
    assert [c["id"] for c in xapi_interaction(ORDERING)["choices"]] == list("abcde")
    assert "choices" not in xapi_interaction(TRUE_FALSE)


def test_xapi_short_answer_pattern_leaves_wildcards_out():
    defn = variant(SHORT, answers=[{"text": "Euro*", "fraction": 1}])
    assert "correctResponsesPattern" not in xapi_interaction(defn)
