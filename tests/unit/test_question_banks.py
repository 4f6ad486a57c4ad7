"""The rebuilt question banks measure the skill, not test-taking (Haladyna, Downing & Rodriguez
2002): within the validator's cue limits with a margin, plausible distractors, scenario items,
and the reviewed defects of each bank corrected."""

import pytest

from lms.catalog.validation import validate_tree
from lms.catalog.validation.cues import folded
from lms.config import DEFAULT_CONTENT_ROOT
from lms.quiz.types import QUESTION_TYPES, score_raw

REWRITTEN = ["C1.1", "C1.2", "C2", "C3", "C4.1", "C4.2", "C5"]  # banks rebuilt to these rules
CARICATURES = ("rien", "ne rien", "aucun", "nothing", "plan nothing", "none")


@pytest.fixture(scope="module")
def report():
    found = validate_tree(DEFAULT_CONTENT_ROOT, question_types=QUESTION_TYPES)
    assert found.ok
    return found


def bank(report, unit: str) -> list[dict]:
    return [q.definition for q in report.content.questions if q.module == unit]


@pytest.mark.parametrize("unit", REWRITTEN)
def test_the_bank_is_within_the_cue_limits_with_a_margin(report, unit):
    cues = next(c for c in report.cues if c.module == unit)
    assert cues.key_only_longest_share <= 0.25
    assert 0.35 <= cues.true_share <= 0.65
    assert cues.near_duplicates == ()
    files = (f"quizzes/{unit}.yaml", f"framework/{unit}.yaml")
    assert [str(w) for w in report.warnings if any(f in str(w) for f in files)] == []


@pytest.mark.parametrize("unit", REWRITTEN)
def test_every_type_is_asked_and_no_single_choice_gives_half_credit(report, unit):
    questions = bank(report, unit)
    assert {q["type"] for q in questions} == set(QUESTION_TYPES)
    single = [q for q in questions if q["type"] == "single_choice"]
    assert all(o["fraction"] in (0, 1) for q in single for o in q["options"])


@pytest.mark.parametrize("unit", REWRITTEN)
def test_wrong_options_are_plausible_and_not_always_last(report, unit):
    for question in bank(report, unit):
        if question["type"] != "multiple_response":
            continue
        fractions = [o["fraction"] for o in question["options"]]
        assert fractions != sorted(fractions, reverse=True), question["id"]
        for option in question["options"]:
            for lang in ("fr", "en"):
                assert not folded(option["text"][lang]).startswith(CARICATURES), option["text"]


def test_c1_1_budget_and_travel_days_teach_the_programme_rules(report):
    questions = {q["id"]: q for q in bank(report, "C1.1")}
    organising = questions["C1.1-Q17"]
    key = next(o for o in organising["options"] if o["fraction"] == 1)
    assert "soutien organisationnel" in key["text"]["fr"]
    assert "organisational support" in key["text"]["en"]
    travel = questions["C1.1-Q09"]["feedback"]
    assert "réellement passés en route" in travel["fr"] and "actually spent" in travel["en"]
    # the sending company's information is asked once, in C1.2, not again here
    assert "quand" not in folded(questions["C1.1-Q18"]["text"]["fr"])


def test_c1_2_asks_for_operational_decisions_not_tool_names(report):
    questions = {q["id"]: q for q in bank(report, "C1.2")}
    minor = questions["C1.2-Q18"]  # was: name the survey tool
    assert minor["answers"][0]["text"] == "autorisation de sortie du territoire"
    drafts = questions["C1.2-Q17"]  # was: the participant-report link, asked again in C5
    key = next(o for o in drafts["options"] if o["fraction"] == 1)
    assert "supprimer" in key["text"]["fr"] and "rapport final" in drafts["text"]["fr"]


def test_c2_says_the_same_in_both_languages_and_teaches_social_protection(report):
    questions = {q["id"]: q for q in bank(report, "C2")}
    annex = questions["C2-Q11"]["text"]  # the English stem alone said both terms were accepted
    assert "français ou anglais" in annex["fr"] and "French or English" in annex["en"]
    texts = questions["C2-Q07"]["distractors"][0]["text"]  # was: "sets the Erasmus+ grant"
    assert "quatre semaines" in texts["fr"]
    assert questions["C2-Q02"]["answers"][0]["value"] == 9  # applies both ceilings (C4.1 asks 12)
    social = questions["C2-Q13"]
    key = next(o for o in social["options"] if o["fraction"] == 1)
    assert "État d'accueil" in key["text"]["fr"] and "L6222-42" in social["feedback"]["fr"]


def test_c4_1_applies_the_half_contract_limit_and_keeps_contract_and_annex_apart(report):
    questions = {q["id"]: q for q in bank(report, "C4.1")}
    limit = questions["C4.1-Q03"]  # a 36-month contract: the one-year cap, below half of it
    assert [a["value"] for a in limit["answers"] if a["fraction"] == 1] == [12]
    assert "2023" not in limit["text"]["fr"] + limit["text"]["en"]
    documents = questions["C4.1-Q12"]
    key = next(o for o in documents["options"] if o["fraction"] == 1)
    assert "deux documents distincts" in key["text"]["fr"]
    assert "two distinct documents" in key["text"]["en"]
    # "mobilité hybride" is an Erasmus+ term for physical mobility with a virtual part
    for question in questions.values():
        for lang in ("fr", "en"):
            assert "hybrid" not in folded(question["text"][lang] + question["feedback"][lang])


def test_c4_2_names_europass_mobility_exactly_and_states_the_ecvet_repeal(report):
    questions = {q["id"]: q for q in bank(report, "C4.2")}
    europass = questions["C4.2-Q12"]
    for wording in ("Europass Mobilité", "europass mobility"):
        assert score_raw(europass, wording)[1].fraction == 1
    for other in ("Europass CV", "Europass", "Europass passeport de langues"):
        assert score_raw(europass, other)[1].fraction == 0
    repeal = questions["C4.2-Q04"]  # the 2020 Recommendation repealed ECVET's, kept its principles
    assert repeal["answer"] is True and "abrogé" in repeal["text"]["fr"]
    assert "repealed" in repeal["text"]["en"]
    ecvet = next(p for p in questions["C4.2-Q03"]["pairs"] if "ECVET" in p["left"]["en"])
    assert "2009" not in ecvet["right"]["fr"] and "Repealed in 2020" in ecvet["right"]["en"]


def test_c3_asks_its_own_skills_without_trivia(report):
    questions = {q["id"]: q for q in bank(report, "C3")}
    assert questions["C3-Q05"]["answers"][0]["value"] != 2022  # was: the year OLS moved
    for code in ("C3-Q12", "C3-Q17"):  # were: C2 law, and a university office's aim
        assert "veille" not in questions[code]["text"]["fr"]
        assert "universit" not in questions[code]["text"]["fr"]
    cfa = questions["C3-Q02"]["pairs"][-1]["right"]["fr"]  # the CFA is not "theory only"
    assert "hors entreprise" in cfa
    assert questions["C3-Q02"]["distractors"][0]["text"]["fr"].endswith("la théorie")


def test_c5_asks_to_apply_indicators_and_visibility_rules_not_dates(report):
    questions = {q["id"]: q for q in bank(report, "C5")}
    indicator = questions["C5-Q04"]  # was: the year the ErasmusDays started
    assert [a["value"] for a in indicator["answers"] if a["fraction"] == 1] == [75]
    statement = questions["C5-Q02"]  # the 2021-2027 funding statement replaces the Erasmus+ one
    key = next(o for o in statement["options"] if o["fraction"] == 1)
    assert "Co-funded by the European Union" in key["text"]["fr"]
    consent = questions["C5-Q12"]  # a minor's image: the parents' written, specific consent
    assert consent["answer"] is True and "parents" in consent["text"]["fr"]
    review = questions["C5-Q14"]  # was: the participant-report link, already asked in C1.2
    assert "draft" not in folded(review["text"]["en"] + review["feedback"]["en"])
