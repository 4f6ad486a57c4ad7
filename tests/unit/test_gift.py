"""GIFT import and export: the corpus in tests/unit/gift, problems with lines, round trips."""

import json
from pathlib import Path

import pytest
import yaml
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.extensions import db
from lms.quiz.cli import quiz_cli
from lms.quiz.gift import Problem, escape, parse_gift, write_gift
from lms.quiz.types import QUESTION_TYPES, definition_errors

CORPUS = Path(__file__).parent / "gift"


def read(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the corpus")


@pytest.fixture(scope="module")
def corpus():
    text = read("mobility.gift")
    return text, parse_gift(text)


def by_id(result, question_id):
    return next(q for q in result.questions if q["id"] == question_id)


# --- the corpus --------------------------------------------------------------------------------


def test_corpus_imports_every_valid_question_of_every_gift_type(corpus):
    _, result = corpus
    assert len(result.questions) == 28
    assert all(definition_errors(q) == [] for q in result.questions)
    types = {q["type"] for q in result.questions}
    assert types == set(QUESTION_TYPES) - {"ordering"}
    assert len(result.lines) == len(result.questions)


def test_corpus_problems_name_their_lines_and_the_rest_still_imports(corpus):
    text, result = corpus
    expected = {
        "BAD-01": "unbalanced braces",
        "BAD-02": "no answer block",
        "BAD-03": "partial-credit weights cannot reach 100 %",
        "BAD-04": "'douze' is not a number",
        "BAD-05": "a matching pair is written =left -> right",
        "BAD-06": "answer 1 is empty",
        "BAD-07": "weight 150 % is outside",
        "BAD-08": "pairs: at least 2 entries",
        "BAD-09": "unknown answer block",
        "BAD-10": "a '{' inside the answer block",
    }
    for title, message in expected.items():
        line = line_of(text, f"::{title}")
        matching = [p for p in result.problems if p.line == line]
        assert len(matching) == 1, title
        assert matching[0].message.startswith(f"{title}: ")
        assert message in matching[0].message
    duplicate = line_of(text, "::C1.1-G01::Titre en double")
    assert not any(problem.line == duplicate for problem in result.problems)
    unclosed = line_of(text, "::BAD-12")
    assert Problem(unclosed, "the title is not closed with ::") in result.problems
    assert not any(q["id"].startswith("BAD") for q in result.questions)
    assert result.questions[-1]["id"] == "C5-G27"  # after every malformed question


def test_questions_sharing_a_name_import_with_distinct_ids(corpus):
    """Moodle allows several questions with one name: each imports, the later ones renamed."""
    text, result = corpus
    first, second = by_id(result, "C1.1-G01"), by_id(result, "C1.1-G01-2")
    assert second["text"] == {"fr": "Titre en double"} and first["text"] != second["text"]
    line = line_of(text, "::C1.1-G01::Titre en double")
    assert result.renamed == [
        Problem(line, "another question is already named 'C1.1-G01': imported as 'C1.1-G01-2'")
    ]


def test_a_third_question_of_the_same_name_gets_the_next_free_id():
    result = parse_gift("::Q::Un {T}\n\n::Q-2::Deux {T}\n\n::Q::Trois {F}\n\n::Q::Quatre {F}\n")
    assert [q["id"] for q in result.questions] == ["Q", "Q-2", "Q-3", "Q-4"]
    assert result.problems == [] and [note.line for note in result.renamed] == [5, 7]


def test_unsupported_construct_is_a_problem_but_the_question_imports(corpus):
    text, result = corpus
    line = line_of(text, "::C4.1-G22")
    assert Problem(line, "C4.1-G22: the feedback for any other number (~) is not imported") in (
        result.problems
    )
    assert by_id(result, "C4.1-G22")["answers"] == [{"value": 0.5, "tolerance": 0.5, "fraction": 1}]


def test_single_choice_with_feedback_and_general_feedback(corpus):
    text, result = corpus
    question = by_id(result, "C1.1-G01")
    assert question == {
        "id": "C1.1-G01",
        "type": "single_choice",
        "skills": ["C1.1-S1"],
        "category": "$course$/top/ATMA/C1.1",
        "text": {"fr": "Quel programme européen finance la mobilité des apprentis ?"},
        "feedback": {"fr": "Voir la leçon « Le cadre Erasmus+ »."},
        "options": [
            {
                "id": "a",
                "text": {"fr": "Erasmus+"},
                "fraction": 1,
                "feedback": {
                    "fr": "Oui : le programme de l'Union pour l'éducation et la formation."
                },
            },
            {
                "id": "b",
                "text": {"fr": "Horizon Europe"},
                "fraction": 0,
                "feedback": {"fr": "Non : c'est la recherche."},
            },
            {"id": "c", "text": {"fr": "Europe Créative"}, "fraction": 0},
        ],
    }
    assert result.lines[0] == line_of(text, "::C1.1-G01::Quel")


def test_partial_weights_and_multiple_response(corpus):
    _, result = corpus
    multi = by_id(result, "C1.1-G02")
    assert multi["type"] == "multiple_response"
    assert multi["skills"] == ["C1.1-S2", "C1.1-S3"]
    # 33.33333 % is read as exactly one third, so the weights reach 100 %.
    assert [o["fraction"] for o in multi["options"]] == [1 / 3, 1 / 3, 1 / 3, -1]
    partial = by_id(result, "C2-G17")
    assert partial["type"] == "single_choice"
    assert [o["fraction"] for o in partial["options"]] == [0, 1, 0.5]
    assert partial["format"] == "plain"
    assert by_id(result, "C5-G24")["type"] == "multiple_response"


def test_true_false_feedback_for_wrong_then_right(corpus):
    _, result = corpus
    assert by_id(result, "C1.1-G03") == {
        "id": "C1.1-G03",
        "type": "true_false",
        "skills": ["C1.1-S1"],
        "category": "$course$/top/ATMA/C1.1",
        "text": {"fr": "Une mobilité longue ErasmusPro dure au moins 90 jours."},
        "answer": True,
        "feedback_true": {"fr": "Exact, 90 jours au moins."},
        "feedback_false": {"fr": "Non : relisez la durée minimale."},
    }
    false_answer = by_id(result, "C5-G26")
    assert false_answer["answer"] is False
    assert false_answer["feedback_true"] == {"fr": "Faux, c'est vrai."}
    assert false_answer["feedback_false"] == {"fr": "Bien vu."}
    assert false_answer["text"] == {"fr": "Mobilité\nsur deux lignes : vrai ?"}
    assert by_id(result, "C1.1-G04")["answer"] is False
    assert by_id(result, "C2-G16")["feedback_true"] == {"fr": "Exact."}


def test_short_answer_missing_word_and_weights(corpus):
    _, result = corpus
    missing = by_id(result, "C1.1-G05")
    assert missing["text"]["fr"] == (
        "Le document qui décrit les acquis d'une mobilité s'appelle ___ "
        "et il est délivré au retour."
    )
    assert missing["answers"] == [
        {"text": "Europass Mobilité", "fraction": 1},
        {"text": "Europass Mobility", "fraction": 1},
        {"text": "Europass*", "fraction": 0.5, "feedback": {"fr": "Presque : précisez lequel."}},
    ]
    assert len(by_id(result, "C3-G19")["answers"]) == 3
    choice_blank = by_id(result, "C3-G21")
    assert choice_blank["text"]["fr"] == (
        "Trouvez le mot manquant : la ___ interculturelle se fait avant le départ."
    )


def test_numerical_tolerance_range_and_weighted_answers(corpus):
    _, result = corpus
    assert by_id(result, "C1.2-G07")["answers"] == [{"value": 90, "tolerance": 0, "fraction": 1}]
    assert by_id(result, "C1.2-G08")["answers"] == [{"value": 7, "tolerance": 5, "fraction": 1}]
    weighted = by_id(result, "C1.2-G09")
    assert [(a["value"], a["tolerance"], a["fraction"]) for a in weighted["answers"]] == [
        (8, 2, 1),
        (8, 4, 0.5),
    ]
    assert weighted["answers"][1]["feedback"] == {"fr": "Vous êtes proche."}
    assert weighted["feedback"] == {"fr": "Voir la fiche « Accompagnateurs »."}
    assert by_id(result, "C4.1-G23")["answers"][1] == {
        "value": 100,
        "tolerance": 1,
        "fraction": 0.5,
    }


def test_matching_with_a_distractor(corpus):
    _, result = corpus
    question = by_id(result, "C1.2-G10")
    assert [p["id"] for p in question["pairs"]] == ["p1", "p2", "p3"]
    assert question["pairs"][1] == {
        "id": "p2",
        "left": {"fr": "Contrat pédagogique"},
        "right": {"fr": "Décrit les acquis visés"},
    }
    assert question["distractors"] == [{"id": "x1", "text": {"fr": "Réserve le billet d'avion"}}]
    assert "distractors" not in by_id(result, "C3-G20")


def test_essays_formats_and_grader_info(corpus):
    _, result = corpus
    essay = by_id(result, "C1.2-G11")
    assert essay["type"] == "essay" and essay["format"] == "markdown"
    assert essay["text"]["fr"].startswith("Décrivez **en quelques lignes**")
    assert essay["grader_info"] == {"fr": ""}  # for the author to fill in
    with_info = by_id(result, "C1.2-G12")
    assert with_info["grader_info"] == {
        "fr": "Cite au moins deux actions concrètes\n(atelier, rencontre, lecture)."
    }
    assert with_info["feedback"] == {"fr": "Pensez à l'entretien de retour."}
    assert by_id(result, "C2-G13")["format"] == "html"


def test_escapes_categories_and_generated_ids(corpus):
    _, result = corpus
    escaped = by_id(result, "C2-G14")
    assert escaped["text"]["fr"] == (
        "Dans GIFT, le symbole { ouvre un bloc et ~ marque une mauvaise réponse = # \\ fin."
    )
    assert escaped["options"][0]["text"] == {"fr": "D'accord = compris"}
    assert by_id(result, "C2-G13")["text"]["fr"].endswith("frais de voyage : forfait ou réel ?")
    # No title: the id is the question's rank in the file.
    untitled = by_id(result, "Q15")
    assert untitled["text"]["fr"] == "Le contrat pédagogique est signé avant le départ."
    assert untitled["skills"] == ["C2-S2"]
    assert by_id(result, "C2-G16")["skills"] == ["C2-S2"]  # id from a // [id:…] comment
    assert by_id(result, "C1.2-G07")["category"] == "$course$/top/ATMA/C1.2"
    assert by_id(result, "C5-G27")["category"] == "$course$/top/ATMA/C2"
    assert by_id(result, "C2-G18")["skills"] == []


def test_moodle_export_with_bom_crlf_and_comments():
    text = (CORPUS / "moodle_export.gift").read_bytes().decode("utf-8")
    assert text.startswith("\ufeff") and "\r\n" in text
    result = parse_gift(text, lang="en")
    assert [q["id"] for q in result.questions] == [
        "Europass",
        "Duration",
        "Partners",
        "Keyword",
        "Pairs",
        "TF",
        "Reflect",
    ]
    assert all(q["category"] == "$course$/top/Mobility" for q in result.questions)
    assert all(set(q["text"]) == {"en"} for q in result.questions)
    assert result.questions[1]["answers"][0] == {"value": 90, "tolerance": 0, "fraction": 1}
    assert result.problems == [
        Problem(
            45,
            "Intro: no answer block { }: text without a question (a description) is not imported",
        )
    ]


# --- writing and round trips -------------------------------------------------------------------


def fr(text: str) -> dict:
    return {"fr": text}


ROUND_TRIP = [
    {
        "id": "C1.1-Q01",
        "type": "single_choice",
        "skills": ["C1.1-S1", "C1.1-S2"],
        "category": "ATMA/C1.1",
        "format": "markdown",
        "text": fr("Quel **programme** finance : la mobilité {apprentis} ?\nDeux lignes ~ # = \\"),
        "feedback": fr("Voir la leçon 1 : « Erasmus+ »."),
        "options": [
            {"id": "a", "text": fr("Erasmus+"), "fraction": 1, "feedback": fr("Oui = bien.")},
            {"id": "b", "text": fr("Horizon"), "fraction": 0},
            {"id": "c", "text": fr("Interreg #2"), "fraction": 0.5, "feedback": fr("À moitié.")},
        ],
    },
    {
        "id": "C1.1-Q02",
        "type": "multiple_response",
        "skills": ["C1.1-S1"],
        "category": "ATMA/C1.1",
        "text": fr("Qui signe la convention ?"),
        "options": [
            {"id": "a", "text": fr("Le centre"), "fraction": 1 / 3},
            {"id": "b", "text": fr("L'accueil"), "fraction": 1 / 3, "feedback": fr("Oui.")},
            {"id": "c", "text": fr("L'apprenti"), "fraction": 1 / 3},
            {"id": "d", "text": fr("La compagnie aérienne"), "fraction": -1},
            {"id": "e", "text": fr("Le voisin"), "fraction": 0},
        ],
    },
    {
        "id": "C1.2-Q03",
        "type": "true_false",
        "skills": ["C1.2-S1"],
        "category": "ATMA/C1.2",
        "text": fr("Le contrat pédagogique précède le départ."),
        "feedback": fr("Leçon 3."),
        "answer": True,
        "feedback_true": fr("Exact."),
        "feedback_false": fr("Non : il est signé avant."),
    },
    {
        "id": "C1.2-Q04",
        "type": "true_false",
        "skills": ["C1.2-S1"],
        "category": "ATMA/C1.2",
        "text": fr("La convention est facultative."),
        "answer": False,
        "feedback_false": fr("Bien vu."),
    },
    {
        "id": "C1.2-Q05",
        "type": "true_false",
        "skills": ["C1.2-S1"],
        "category": "ATMA/C1.2",
        "text": fr("Un apprenti peut partir un an."),
        "answer": True,
        "feedback_false": fr("Si, avec ErasmusPro."),
    },
    {
        "id": "C2-Q06",
        "type": "short_answer",
        "skills": ["C2-S1"],
        "text": fr("Le document s'appelle ___ au retour."),
        "answers": [
            {"text": "Europass Mobilité", "fraction": 1, "feedback": fr("Bien.")},
            {"text": "Europass*", "fraction": 0.5},
            {"text": "CV", "fraction": 0, "feedback": fr("Non : c'est un autre document.")},
        ],
    },
    {
        "id": "C2-Q07",
        "type": "short_answer",
        "skills": ["C2-S1"],
        "text": fr("Nommez le programme (réponse ___)"),
        "feedback": fr("Voir la leçon."),
        "answers": [{"text": "Erasmus+", "fraction": 1}],
    },
    {
        "id": "C2-Q08",
        "type": "numerical",
        "skills": ["C2-S2"],
        "text": fr("Durée minimale en jours ?"),
        "feedback": fr("ErasmusPro : 90 jours."),
        "answers": [
            {"value": 90, "tolerance": 0, "fraction": 1, "feedback": fr("Oui.")},
            {"value": 90, "tolerance": 10.5, "fraction": 0.5},
            {"value": -3.25, "tolerance": 0.125, "fraction": 0.25, "feedback": fr("Étrange.")},
        ],
    },
    {
        "id": "C3-Q09",
        "type": "matching",
        "skills": ["C3-S1"],
        "text": fr("Associez."),
        "feedback": fr("Voir le tableau : niveaux."),
        "pairs": [
            {"id": "p1", "left": fr("Comprendre {simple}"), "right": fr("A2 = élémentaire")},
            {"id": "p2", "left": fr("Argumenter"), "right": fr("B2 # avancé")},
            {"id": "p3", "left": fr("Nuancer"), "right": fr("C1")},
        ],
        "distractors": [{"id": "x1", "text": fr("Z9")}, {"id": "x2", "text": fr("A0 : aucun")}],
    },
    {
        "id": "C3-Q10",
        "type": "essay",
        "skills": ["C3-S2"],
        "text": fr("Décrivez votre préparation interculturelle."),
        "feedback": fr("Comparez avec la leçon 2."),
        "grader_info": fr("Deux actions au moins :\n- atelier\n- rencontre {avant}"),
    },
    {
        "id": "C3-Q11",
        "type": "essay",
        "skills": [],
        "text": fr("Réflexion libre."),
        "grader_info": fr(""),
    },
]


@pytest.mark.parametrize("question", ROUND_TRIP, ids=lambda q: f"{q['id']}-{q['type']}")
def test_round_trip_of_each_supported_question(question):
    assert definition_errors(question) == []
    problems: list[Problem] = []
    text = write_gift([question], problems=problems)
    assert problems == []
    result = parse_gift(text)
    assert result.problems == []
    assert result.questions == [question]


def test_round_trip_of_the_whole_bank_keeps_order_and_categories():
    text = write_gift(ROUND_TRIP)
    assert text.count("$CATEGORY:") == 2
    result = parse_gift(text)
    assert result.problems == []
    # A category applies to the questions after it, as in Moodle.
    expected = [{**q, "category": q.get("category") or "ATMA/C1.2"} for q in ROUND_TRIP]
    assert result.questions == expected


def test_round_trip_of_the_corpus(corpus):
    _, result = corpus
    again = parse_gift(write_gift(result.questions))
    assert again.problems == []
    assert again.questions == result.questions


def test_written_gift_looks_like_moodles():
    text = write_gift([ROUND_TRIP[0], ROUND_TRIP[2], ROUND_TRIP[7]])
    assert (
        "// [tag:C1.1-S1] [tag:C1.1-S2]\n::C1.1-Q01::[markdown]Quel **programme** finance \\:"
        in text
    )
    assert "\t=Erasmus+#Oui \\= bien.\n" in text
    assert "\t~%50%Interreg \\#2#À moitié.\n" in text
    assert "{TRUE#Non \\: il est signé avant.#Exact.####Leçon 3.}" in text
    assert "{#\n\t=90#Oui.\n\t=%50%90:10.5\n\t=%25%-3.25:0.125#Étrange.\n" in text


def test_missing_word_is_written_where_the_blank_is():
    text = write_gift([ROUND_TRIP[5]])
    assert "::C2-Q06::Le document s'appelle {\n" in text
    assert "} au retour." in text


def test_ordering_and_invalid_questions_are_skipped_with_a_problem():
    ordering = {
        "id": "C4-Q01",
        "type": "ordering",
        "text": fr("Ordonnez."),
        "items": [{"id": "a", "text": fr("a")}, {"id": "b", "text": fr("b")}],
    }
    invalid = {"id": "C4-Q02", "type": "single_choice", "text": fr("?"), "options": []}
    problems: list[Problem] = []
    text = write_gift([ordering, ROUND_TRIP[2], invalid], problems=problems)
    assert [p.line for p in problems] == [1, 3]
    assert problems[0].message == (
        "C4-Q01: not exported: ordering questions cannot be written in GIFT"
    )
    assert problems[1].message.startswith("C4-Q02: not exported: invalid definition: options")
    assert "// C4-Q01 not exported" in text
    assert [q["id"] for q in parse_gift(text).questions] == ["C1.2-Q03"]


def test_what_gift_cannot_hold_is_reported():
    short = {**ROUND_TRIP[6], "case_sensitive": True}
    numerical = {**ROUND_TRIP[7], "unit": {"fr": "jours", "en": "days"}}
    english_only = {**ROUND_TRIP[2], "text": {"en": "The learning agreement comes first."}}
    problems: list[Problem] = []
    text = write_gift([short, numerical, english_only], problems=problems)
    messages = [p.message for p in problems]
    assert any("case-sensitive" in m for m in messages)
    assert any("unit" in m for m in messages)
    assert any("no 'fr' text: the 'en' one is used" in m for m in messages)
    assert "The learning agreement comes first." in text


def test_writing_in_english():
    question = {
        **ROUND_TRIP[2],
        "text": {"fr": "Vrai ?", "en": "True?"},
        "feedback": {"fr": "Leçon 3.", "en": "Lesson 3."},
        "feedback_true": {"fr": "Exact.", "en": "Right."},
        "feedback_false": {"fr": "Non.", "en": "No."},
    }
    result = parse_gift(write_gift([question], lang="en"), lang="en")
    assert result.questions[0]["text"] == {"en": "True?"}
    assert result.questions[0]["feedback_true"] == {"en": "Right."}


def test_escape_covers_every_special_character():
    assert escape("a~b=c#d{e}f:g\\h\ni\r") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


def test_empty_input_gives_nothing():
    assert parse_gift("").questions == []
    assert parse_gift("\n\n// only a comment\n\n").problems == []
    assert write_gift([]) == ""


texts = (
    st.text(
        alphabet=st.sampled_from(list("abcé XYZ~=#{}:\\\n\t[]->_/.!?'\"«»0123456789")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=200, deadline=None, database=None)
@given(texts, st.lists(texts, min_size=2, max_size=5), texts, texts)
def test_any_text_survives_a_round_trip(question_text, option_texts, feedback, general):
    # A text starting with a format name in brackets would be read as that format.
    if question_text.startswith(
        tuple(f"[{name}]" for name in ("html", "markdown", "plain", "moodle"))
    ):
        question_text = "x" + question_text
    options = [
        {"id": chr(ord("a") + i), "text": fr(t), "fraction": 1 if i == 0 else 0}
        for i, t in enumerate(option_texts)
    ]
    options[1]["feedback"] = fr(feedback)
    question = {
        "id": "C1.1-Q99",
        "type": "single_choice",
        "skills": ["C1.1-S1"],
        "text": fr(question_text),
        "feedback": fr(general),
        "options": options,
    }
    result = parse_gift(write_gift([question]))
    assert result.problems == []
    assert result.questions == [question]


# --- flask quiz import-gift / export-gift ------------------------------------------------------


@pytest.fixture
def bare_app(tmp_path):
    """A bare Flask app: the quiz commands need no more than CONTENT_ROOT and a session."""
    app = Flask(__name__)
    app.config.update(
        TESTING=True, CONTENT_ROOT=tmp_path / "content", SQLALCHEMY_DATABASE_URI="sqlite://"
    )
    db.init_app(app)
    app.cli.add_command(quiz_cli)
    return app


@pytest.fixture
def quiz_runner(bare_app):
    return bare_app.test_cli_runner()


CORPUS_FILE = str(CORPUS / "mobility.gift")


def test_cli_import_dry_run_prints_json_and_problems(quiz_runner):
    result = quiz_runner.invoke(
        args=["quiz", "import-gift", CORPUS_FILE, "--module", "C1.1", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    preview = json.loads(result.stdout)
    assert len(preview) == 28
    first = preview[0]
    assert first["title"] == "C1.1-G01"
    assert first["type"] == "single_choice"
    assert first["text"] == "Quel programme européen finance la mobilité des apprentis ?"
    assert first["skills"] == ["C1.1-S1"]
    assert first["answers"][0] == {"text": "Erasmus+", "fraction": 1}
    matching = next(item for item in preview if item["title"] == "C1.2-G10")
    assert matching["answers"][-1] == {"left": "", "right": "Réserve le billet d'avion"}
    assert f"{CORPUS_FILE}:{line_of(read('mobility.gift'), '::BAD-04')}: BAD-04: " in result.stderr
    assert result.stderr.count(CORPUS_FILE) == 13


def test_cli_import_strict_fails_on_problems_and_writes_nothing(quiz_runner, monkeypatch):
    calls = []
    monkeypatch.setattr("lms.quiz.gift_import.import_questions", lambda *a, **k: calls.append(a))
    args = ["quiz", "import-gift", CORPUS_FILE, "--module", "C1.1", "--strict"]
    assert quiz_runner.invoke(args=[*args, "--dry-run"]).exit_code == 1
    result = quiz_runner.invoke(args=args)
    assert result.exit_code == 1
    assert "nothing imported (--strict)" in result.stderr
    assert calls == []


def test_cli_import_english_file_in_dry_run(quiz_runner, tmp_path):
    gift = tmp_path / "bank.gift"
    gift.write_text("::C1.1-Q40::A coach prepares departures.{T}\n", encoding="utf-8")
    args = ["quiz", "import-gift", str(gift), "--module", "C1.1", "--lang", "en", "--dry-run"]
    result = quiz_runner.invoke(args=[*args, "--strict"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["question"]["text"] == {
        "en": "A coach prepares departures."
    }


def test_cli_import_hands_the_questions_to_the_catalog(quiz_runner, monkeypatch, tmp_path):
    from lms.catalog.service import LoadSummary

    received = {}

    def import_questions(session, module_code, questions, **options):
        received.update(session=session, module=module_code, questions=questions, **options)
        summary = LoadSummary()
        summary.counts["questions"].created = len(questions)
        return summary

    monkeypatch.setattr("lms.quiz.gift_import.import_questions", import_questions)
    gift = tmp_path / "bank.gift"
    gift.write_text(
        "$CATEGORY: top\n\n// [tag:C1.1-S1]\n::C1.1-Q07::[html]Vrai ?{T}\n\n"
        "::Titre libre::Faux ?{F}\n",
        encoding="utf-8",
    )
    result = quiz_runner.invoke(
        args=["quiz", "import-gift", str(gift), "--module", "C1.1", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "module": "C1.1",
        "questions": 2,
        "created": 2,
        "new_versions": 0,
        "unchanged": 0,
        "problems": [],
        "renamed": [],
    }
    assert received["module"] == "C1.1"
    assert received["session"] is db.session
    first, second = received["questions"]
    # GIFT-only keys are dropped; a title that is no bank id leaves the numbering to the bank;
    # the other language starts as a copy, for a translator to replace.
    assert first == {
        "id": "C1.1-Q07",
        "type": "true_false",
        "skills": ["C1.1-S1"],
        "text": {"fr": "Vrai ?", "en": "Vrai ?"},
        "answer": True,
        "source": "GIFT import: bank.gift",
    }
    assert "id" not in second and second["answer"] is False

    result = quiz_runner.invoke(args=["quiz", "import-gift", str(gift), "--module", "C1.1"])
    assert result.exit_code == 0
    assert "2 question(s) imported into C1.1: 2 new" in result.stdout


def test_cli_import_reports_the_catalog_errors_at_their_lines(quiz_runner, monkeypatch, tmp_path):
    from lms.catalog.service import ContentInvalid
    from lms.catalog.validation import ContentError

    def import_questions(session, module_code, questions, **options):
        raise ContentInvalid(
            [ContentError(options["source"], 2, "questions[1].text", "missing translation 'en'")]
        )

    monkeypatch.setattr("lms.quiz.gift_import.import_questions", import_questions)
    gift = tmp_path / "bank.gift"
    gift.write_text("::a::Un ?{T}\n\n\n::b::Deux ?{F}\n", encoding="utf-8")
    result = quiz_runner.invoke(args=["quiz", "import-gift", str(gift), "--module", "C1.1"])
    assert result.exit_code == 1
    assert f"{gift}:4: questions[1].text: missing translation 'en'" in result.stderr
    assert "1 error(s): nothing imported" in result.stderr


def test_cli_import_refuses_a_file_that_is_not_utf8(quiz_runner, tmp_path):
    gift = tmp_path / "latin1.gift"
    gift.write_bytes("Qu'est-ce qu'un accompagnateur ? {=Un référent}".encode("latin-1"))
    result = quiz_runner.invoke(
        args=["quiz", "import-gift", str(gift), "--module", "C1.1", "--dry-run"]
    )
    assert result.exit_code == 2
    assert "not UTF-8 text" in result.output


def write_bank(app, questions):
    folder = Path(app.config["CONTENT_ROOT"]) / "quizzes"
    folder.mkdir(parents=True)
    bank = {"quiz": {"module": "C1.1", "title": fr("Quiz")}, "questions": questions}
    (folder / "C1.1.yaml").write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")


def test_cli_export_writes_the_bank_as_gift(bare_app, quiz_runner, tmp_path):
    ordering = {
        "id": "C1.1-Q03",
        "type": "ordering",
        "skills": ["C1.1-S1"],
        "text": fr("Ordonnez."),
        "items": [{"id": "a", "text": fr("a")}, {"id": "b", "text": fr("b")}],
    }
    bank = [ROUND_TRIP[0], ROUND_TRIP[1], ordering]
    write_bank(bare_app, bank)
    result = quiz_runner.invoke(args=["quiz", "export-gift", "--module", "C1.1"])
    assert result.exit_code == 0, result.output
    assert parse_gift(result.stdout).questions == bank[:2]
    assert "quizzes/C1.1.yaml: questions[2]: C1.1-Q03: not exported: ordering" in result.stderr

    out = tmp_path / "C1.1.gift"
    result = quiz_runner.invoke(args=["quiz", "export-gift", "--module", "C1.1", "--out", str(out)])
    assert result.exit_code == 0
    assert "2 question(s) of C1.1 written to" in result.stdout
    assert parse_gift(out.read_text(encoding="utf-8")).questions == bank[:2]


def test_cli_export_in_english(bare_app, quiz_runner):
    question = {**ROUND_TRIP[2], "text": {"fr": "Vrai ?", "en": "True?"}}
    write_bank(bare_app, [question])
    result = quiz_runner.invoke(args=["quiz", "export-gift", "--module", "C1.1", "--lang", "en"])
    assert result.exit_code == 0
    assert "::C1.2-Q03::True? {TRUE" in result.stdout


@pytest.mark.parametrize("code", ["../etc", "C1.1/../x", ".hidden", ""])
def test_cli_export_refuses_what_is_not_a_module_code(quiz_runner, code):
    result = quiz_runner.invoke(args=["quiz", "export-gift", "--module", code])
    assert result.exit_code == 2
    assert "is not a module code" in result.output


def test_cli_export_without_a_bank(quiz_runner):
    result = quiz_runner.invoke(args=["quiz", "export-gift", "--module", "C9"])
    assert result.exit_code == 2
    assert "quizzes/C9.yaml not found" in result.output
