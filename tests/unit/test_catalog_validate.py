"""The content validator: one deliberately broken copy of a valid mini tree per check."""

import json
import shutil
from pathlib import Path

import pytest
from flask import Flask

from lms.catalog.cli import content_cli
from lms.catalog.validation import Report, files, validate_tree
from lms.catalog.validation.cues import folded
from lms.catalog.yamlfile import LineDict, parse_yaml
from lms.config import DEFAULT_CONTENT_ROOT
from lms.quiz.types import QUESTION_TYPES

FIXTURE = Path(__file__).parent / "catalog_fixtures" / "valid"

MODULE = "content/modules/C1.1/module.yaml"
UNIT = "content/framework/C1.1.yaml"
COMPETENCES = "content/framework/competences.yaml"
QUIZ = "quizzes/C1.1.yaml"
LESSONS = "content/modules/C1.1/lessons"


class Tree:
    """A copy of the valid fixture that a test breaks in one place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def replace(self, name: str, old: str, new: str) -> "Tree":
        path = self.root / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur once in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return self

    def write(self, name: str, text: str | bytes) -> "Tree":
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return self

    def remove(self, name: str) -> "Tree":
        path = self.root / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        return self

    def report(self) -> Report:
        return validate_tree(self.root, question_types=QUESTION_TYPES)

    def errors(self) -> list[str]:
        return [str(error) for error in self.report().errors]

    def findings(self) -> list[str]:
        """Errors and warnings: the cue rules report warnings until they are enforced."""
        report = self.report()
        return [str(finding) for finding in report.errors + report.warnings]


@pytest.fixture
def tree(tmp_path) -> Tree:
    shutil.copytree(FIXTURE, tmp_path / "tree")
    return Tree(tmp_path / "tree")


# --------------------------------------------------------------------------- YAML reader


def test_yaml_reader_keeps_the_line_of_keys_and_items():
    document = parse_yaml("a: 1\nlist:\n  - x\n  - {fr: un, en: one}\n")
    assert document.problems == []
    assert isinstance(document.data, LineDict)
    assert document.data.line_of("list") == 2
    assert document.data["list"].line_of(1) == 4
    assert document.data["list"][1].line_of("en") == 4


def test_yaml_reader_reports_duplicate_keys_that_pyyaml_would_drop():
    document = parse_yaml("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert [(p.line, p.field, p.message) for p in document.problems] == [
        (4, "b.c", "duplicate key 'c' (first on line 3)")
    ]
    assert document.data["b"]["c"] == 1


def test_yaml_reader_reports_syntax_errors_with_their_line():
    document = parse_yaml("a: 1\nb: [1, 2\nc: 3\n")
    assert document.data is None
    assert [(p.line, p.field) for p in document.problems] == [(3, "yaml")]
    assert document.problems[0].message.startswith("syntax error: ")


# --------------------------------------------------------------------------- the valid tree


def test_the_valid_fixture_has_no_error_and_is_fully_read():
    report = validate_tree(FIXTURE, question_types=QUESTION_TYPES)
    assert report.errors == []
    content = report.content
    assert content.framework.id == "atma-mobility-coach"
    assert [unit.id for unit in content.framework.units] == ["C1.1"]
    assert [skill.id for skill in content.framework.skills] == [f"C1.1-S{n}" for n in range(1, 5)]
    (module,) = content.modules
    assert [lesson.slug for lesson in module.lessons] == ["project-formats", "budget", "partners"]
    budget = module.lessons[1]
    assert "<table>" in budget.html.en and "<li>first step</li>" in budget.html.fr
    assert 300 <= budget.words_en <= 1200 and 300 <= budget.words_fr <= 1200
    assert module.mastery.overall == 0.7
    assert report.warnings == []
    assert len(content.questions) == 14
    question = content.questions[0]
    assert question.module == "C1.1" and question.skills == ("C1.1-S1",)
    assert question.definition["options"][0]["fraction"] == 1
    assert len(question.content_hash) == 64


def test_hashes_change_with_the_content_and_only_then(tree):
    before = validate_tree(tree.root, question_types=QUESTION_TYPES).content
    again = validate_tree(tree.root, question_types=QUESTION_TYPES).content
    assert [q.content_hash for q in before.questions] == [q.content_hash for q in again.questions]
    tree.replace(QUIZ, "Which format suits a newcomer?", "Which format suits a beginner?")
    tree.replace(f"{LESSONS}/budget.fr.md", "## Le budget", "## Le budget du projet")
    after = validate_tree(tree.root, question_types=QUESTION_TYPES).content
    changed = [
        q.id for q, r in zip(before.questions, after.questions, strict=True)
        if q.content_hash != r.content_hash
    ]  # fmt: skip
    assert changed == ["C1.1-Q01"]
    lessons = zip(before.modules[0].lessons, after.modules[0].lessons, strict=True)
    assert [a.slug for a, b in lessons if a.content_hash != b.content_hash] == ["budget"]


def test_the_definition_is_a_fresh_copy(tree):
    question = validate_tree(tree.root, question_types=QUESTION_TYPES).content.questions[0]
    question.definition["id"] = "changed"
    assert question.definition["id"] == "C1.1-Q01"


# --------------------------------------------------------------------------- one check each


def test_yaml_syntax_error(tree):
    tree.replace(MODULE, "  duration_minutes: 60\n", "  duration_minutes: [60\n")
    errors = tree.errors()
    assert len(errors) == 1
    assert errors[0].startswith(f"{MODULE}:6: yaml: syntax error: ")


def test_duplicate_key(tree):
    tree.replace(
        MODULE, "  duration_minutes: 60\n", "  duration_minutes: 60\n  duration_minutes: 90\n"
    )
    assert tree.errors() == [
        f"{MODULE}:6: module.duration_minutes: duplicate key 'duration_minutes' (first on line 5)"
    ]


def test_duplicate_question_id(tree):
    tree.replace(QUIZ, "  - id: C1.1-Q02\n", "  - id: C1.1-Q01\n")
    assert tree.errors() == [
        f"{QUIZ}:24: questions[1].id: duplicate question id 'C1.1-Q01' (first on line 15)"
    ]


def test_duplicate_skill_id(tree):
    tree.replace(UNIT, "    - id: C1.1-S4\n", "    - id: C1.1-S3\n")
    errors = tree.errors()
    assert (
        f"{UNIT}:22: unit.skills[3].id: duplicate skill id 'C1.1-S3' (first on line 18)" in errors
    )


def test_duplicate_option_id(tree):
    tree.replace(
        QUIZ,
        '{id: b, text: {fr: "Accréditation Erasmus"',
        '{id: a, text: {fr: "Accréditation Erasmus"',
    )
    assert tree.errors() == [
        f"{QUIZ}:23: questions[0].options[1].id: "
        "duplicate id 'a' in this question (first on line 22)"
    ]


def test_unknown_skill(tree):
    tree.replace(QUIZ, "    skills: [C1.1-S4, C1.1-S2]\n", "    skills: [C1.1-S4, C1.1-S9]\n")
    assert tree.errors() == [
        f"{UNIT}:14: unit.skills[1].id: skill C1.1-S2 has no scenario question: mark at least 1 "
        "case the coach must act on with `scenario: true`",  # its scenario was that question
        f"{QUIZ}:118: questions[11].skills[1]: unknown skill 'C1.1-S9': not in {UNIT}",
    ]


def test_unknown_skill_in_an_evaluation_grid(tree):
    tree.replace(
        MODULE, "          skills: [C1.1-S1, C1.1-S3]\n", "          skills: [C1.1-S1, C1.1-S7]\n"
    )
    assert tree.errors() == [
        f"{MODULE}:21: module.validation.evaluation_grid.criteria[0].skills[1]: "
        f"unknown skill 'C1.1-S7': not in {UNIT}"
    ]


def test_missing_translation(tree):
    tree.replace(MODULE, ', en: "A short module for tests."}', "}")
    assert tree.errors() == [f"{MODULE}:4: module.summary: missing translation 'en'"]


def test_empty_translation(tree):
    tree.replace(QUIZ, 'feedback: {fr: "Oui.", en: "Yes."}\n', 'feedback: {fr: "Oui.", en: " "}\n')
    assert tree.errors() == [f"{QUIZ}:39: questions[2].feedback.en: empty translation"]


def test_unknown_question_type(tree):
    tree.replace(QUIZ, "    type: essay\n", "    type: essai\n")
    assert tree.errors() == [
        f"{QUIZ}:83: questions[7].type: unknown question type 'essai'; did you mean 'essay'?"
    ]


def test_skill_with_fewer_than_three_questions(tree):
    tree.replace(QUIZ, "  - id: C1.1-Q03\n    type: true_false\n    skills: [C1.1-S1]\n",
                 "  - id: C1.1-Q03\n    type: true_false\n    skills: [C1.1-S2]\n")  # fmt: skip
    q02 = "  - id: C1.1-Q02\n    type: multiple_response\n    skills: [C1.1-S{}]\n"
    tree.replace(QUIZ, q02.format(1), q02.format(2))
    assert tree.errors() == [
        f"{UNIT}:10: unit.skills[0].id: skill C1.1-S1 has 2 questions; at least 3 are required"
    ]


def test_module_without_lessons(tree):
    text = (tree.root / MODULE).read_text(encoding="utf-8")
    tree.write(MODULE, text[: text.index("  lessons:\n")] + "  lessons: []\n")
    tree.remove(LESSONS)
    assert tree.errors() == [f"{MODULE}:32: module.lessons: has 0 lessons; expected at least 3"]


def test_lesson_file_missing(tree):
    tree.remove(f"{LESSONS}/budget.en.md")
    assert tree.errors() == [
        f"{MODULE}:36: module.lessons[1].slug: lesson file lessons/budget.en.md is missing"
    ]


def test_lesson_file_not_listed(tree):
    tree.write(f"{LESSONS}/extra.fr.md", "## Extra\n")
    tree.write(f"{LESSONS}/budget.de.md", "## Budget\n")
    assert tree.errors() == [
        f"{LESSONS}/budget.de.md:1: file: unknown language 'de'; expected one of: fr, en",
        f"{LESSONS}/extra.fr.md:1: file: not a lesson of {MODULE}",
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    overall: 0.7\n", "    overall: 1.5\n",
         f"{MODULE}:26: module.mastery.overall: must be a number in (0, 1], got 1.5"),
        ("    overall: 0.7\n", "    overall: 0\n",
         f"{MODULE}:26: module.mastery.overall: must be a number in (0, 1], got 0"),
        ("    per_skill: 0.5\n", "    per_skill: -0.1\n",
         f"{MODULE}:27: module.mastery.per_skill: must be a number in [0, 1], got -0.1"),
    ],
)  # fmt: skip
def test_mastery_rule_out_of_range(tree, old, new, expected):
    tree.replace(MODULE, old, new)
    assert tree.errors() == [expected]


def test_mastery_per_skill_zero_is_allowed(tree):
    tree.replace(MODULE, "    per_skill: 0.5\n", "    per_skill: 0\n")
    assert tree.errors() == []


def test_pass_mark_out_of_range(tree):
    tree.replace(QUIZ, "    pass_mark: 0.7\n", "    pass_mark: 70\n")
    assert tree.errors() == [
        f"{QUIZ}:8: quiz.settings.pass_mark: must be a number in (0, 1], got 70"
    ]


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (MODULE, "[asynchronous, synchronous]", "[asynchronous, live]",
         f"{MODULE}:6: module.delivery_modes[1]: unknown delivery mode 'live'; "
         "expected one of: asynchronous, synchronous"),
        (MODULE, "[quiz, observation]", "[quiz, interview]",
         f"{MODULE}:14: module.validation.modalities[1]: unknown validation modality 'interview'; "
         "expected one of: quiz, test, observation, jury, debriefing"),
        (QUIZ, "grading_method: highest", "grading_method: best",
         f"{QUIZ}:6: quiz.settings.grading_method: unknown grading method 'best'; "
         "expected one of: highest, average, first, last"),
        (QUIZ, "feedback_timing: after_submission", "feedback_timing: after_submit",
         f"{QUIZ}:11: quiz.settings.feedback_timing: unknown feedback timing 'after_submit'; "
         "did you mean 'after_submission'?"),
        (QUIZ, "layout: one_per_page", "layout: single_page",
         f"{QUIZ}:13: quiz.settings.layout: unknown layout 'single_page'; "
         "expected one of: one_per_page, all_on_one_page"),
    ],
)  # fmt: skip
def test_unknown_vocabulary(tree, name, old, new, expected):
    tree.replace(name, old, new)
    assert tree.errors() == [expected]


def test_questions_per_attempt_larger_than_the_bank(tree):
    tree.replace(QUIZ, "    questions_per_attempt: 0\n", "    questions_per_attempt: 15\n")
    assert tree.errors() == [
        f"{QUIZ}:12: quiz.settings.questions_per_attempt: "
        "15 is more than the 14 questions of the bank"
    ]


def test_questions_per_attempt_too_small_to_represent_every_skill(tree):
    tree.replace(QUIZ, "    questions_per_attempt: 0\n", "    questions_per_attempt: 3\n")
    assert tree.errors() == [
        f"{QUIZ}:12: quiz.settings.questions_per_attempt: 3 questions cannot represent each of "
        "the 4 skills of the bank"
    ]


def test_unexpected_key(tree):
    tree.replace(MODULE, "  duration_minutes: 60\n", "  duration_minutes: 60\n  duration: 60\n")
    assert tree.errors() == [
        f"{MODULE}:6: module.duration: unexpected key; did you mean 'duration_minutes'?"
    ]


def test_unexpected_key_inside_a_question_option(tree):
    tree.replace(
        QUIZ, 'en: "Short-term project"}, fraction: 1}', 'en: "Short-term project"}, fracton: 1}'
    )
    errors = tree.errors()
    assert (
        f"{QUIZ}:22: questions[0].options[0].fracton: unexpected key; did you mean 'fraction'?"
        in errors
    )
    assert f"{QUIZ}:22: questions[0].options[0].fraction: is required" in errors


def test_unexpected_language(tree):
    tree.replace(
        MODULE, 'en: "Notes for the trainer."}', 'en: "Notes for the trainer.", de: "Notizen"}'
    )
    assert tree.errors() == [
        f"{MODULE}:28: module.trainer_notes.de: unexpected key; expected one of: fr, en"
    ]


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (UNIT, "    - id: C1.1-S3\n", "    - id: C1.1-X3\n",
         f"{UNIT}:18: unit.skills[2].id: 'C1.1-X3' is not a valid id like C1.1-S1"),
        (QUIZ, "  - id: C1.1-Q05\n", "  - id: C1.1-Q5\n",
         f"{QUIZ}:50: questions[4].id: 'C1.1-Q5' is not a valid id like C1.1-Q01"),
        (QUIZ, "  - id: C1.1-Q05\n", "  - id: C2-Q05\n",
         f"{QUIZ}:50: questions[4].id: question id 'C2-Q05' must start with C1.1-Q"),
    ],
)  # fmt: skip
def test_ids_must_match_their_pattern(tree, name, old, new, expected):
    tree.replace(name, old, new)
    assert expected in tree.errors()


def test_unit_listed_without_a_framework_file(tree):
    tree.replace(COMPETENCES, "    units: [C1.1]\n", "    units: [C1.1, C1.2]\n")
    errors = tree.errors()
    assert (
        f"{COMPETENCES}:9: competences[0].units[1]: "
        "unit C1.2 has no file content/framework/C1.2.yaml" in errors
    )
    assert (
        f"{COMPETENCES}:9: competences[0].units[1]: "
        "unit C1.2 has no module content/modules/C1.2/module.yaml" in errors
    )


def test_framework_file_of_an_unlisted_unit(tree):
    text = (tree.root / UNIT).read_text(encoding="utf-8")
    tree.write("content/framework/C1.3.yaml", text.replace("C1.1", "C1.3"))
    errors = tree.errors()
    assert (
        f"content/framework/C1.3.yaml:2: unit.id: unit C1.3 is not listed in {COMPETENCES}"
        in errors
    )


def test_question_on_a_skill_of_another_unit(tree):
    tree.replace(COMPETENCES, "    units: [C1.1]\n", "    units: [C1.1, C1.2]\n")
    text = (tree.root / UNIT).read_text(encoding="utf-8")
    tree.write("content/framework/C1.2.yaml", text.replace("C1.1", "C1.2"))
    tree.replace(QUIZ, "    skills: [C1.1-S4, C1.1-S2]\n", "    skills: [C1.1-S4, C1.2-S2]\n")
    assert (
        f"{QUIZ}:118: questions[11].skills[1]: skill 'C1.2-S2' belongs to unit C1.2, not C1.1"
        in tree.errors()
    )


def test_markdown_lesson_rules(tree):
    tree.write(f"{LESSONS}/budget.en.md", "")
    partners = (tree.root / f"{LESSONS}/partners.fr.md").read_text(encoding="utf-8")
    tree.write(f"{LESSONS}/partners.fr.md", "Intro sans titre.\n\n" + partners + "\n<b>gras</b>\n")
    tree.write(f"{LESSONS}/project-formats.en.md", b"## Formats\n\n\xff\xfe broken\n")
    assert tree.errors() == [
        f"{LESSONS}/budget.en.md:1: markdown: empty lesson",
        f"{LESSONS}/partners.fr.md:1: markdown: a lesson starts with a '## ' heading",
        f"{LESSONS}/partners.fr.md:13: markdown: raw HTML "
        "is not allowed (it would be shown as text)",
        f"{LESSONS}/project-formats.en.md:1: markdown: not valid UTF-8 text",
    ]


def test_lesson_word_count(tree):
    tree.write(f"{LESSONS}/budget.en.md", "## Budget\n\nToo short.\n")
    assert tree.errors() == [
        f"{LESSONS}/budget.en.md:1: markdown: 3 words; a lesson has 300 to 1,200 words"
    ]


def test_every_problem_is_reported_at_once(tree):
    tree.replace(MODULE, "    overall: 0.7\n", "    overall: 2\n")
    tree.replace(QUIZ, "    pass_mark: 0.7\n", "    pass_mark: 0\n")
    tree.replace(UNIT, "      kind: attitude\n", "      kind: behaviour\n")
    assert tree.errors() == [
        f"{UNIT}:23: unit.skills[3].kind: unknown skill kind 'behaviour'; "
        "expected one of: knowledge, know-how, attitude",
        f"{MODULE}:26: module.mastery.overall: must be a number in (0, 1], got 2",
        f"{QUIZ}:8: quiz.settings.pass_mark: must be a number in (0, 1], got 0",
    ]


# --------------------------------------------------------------------------- type-specific checks

TYPE_CASES = [
    pytest.param(
        'en: "Short-term project"}, fraction: 1}\n',
        'en: "Short-term project"}, fraction: 0.5}\n',
        f"{QUIZ}:21: questions[0].options: no correct answer: no option has fraction 1",
        id="single choice without a correct answer",
    ),
    pytest.param(
        'en: "ErasmusPro"}, fraction: 0.5}\n',
        'en: "ErasmusPro"}, fraction: 0.25}\n',
        f"{QUIZ}:30: questions[1].options: partial-credit weights cannot reach 100 %",
        id="multiple response weights below 100 %",
    ),
    pytest.param(
        '      - {id: p2, left: {fr: "Référent", en: "Coach"}, '
        'right: {fr: "Organise", en: "Organises"}}\n',
        "",
        f"{QUIZ}:77: questions[6].pairs: at least 2 entries are needed, found 1",
        id="matching with one pair",
    ),
    pytest.param(
        "      - {value: 6, tolerance: 0, fraction: 1}\n",
        "      - {value: 6, tolerance: -1, fraction: 1}\n",
        f"{QUIZ}:48: questions[3].answers[0].tolerance: tolerance must not be negative",
        id="numerical with a negative tolerance",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), TYPE_CASES)
def test_type_specific_definition_errors(tree, old, new, expected):
    tree.replace(QUIZ, old, new)
    assert tree.errors() == [expected]


def test_structure_already_reported_is_not_repeated_by_the_type(tree):
    tree.replace(
        QUIZ,
        '{id: b, text: {fr: "Accréditation Erasmus"',
        '{id: a, text: {fr: "Accréditation Erasmus"',
    )
    tree.replace(
        QUIZ, "    answer: true\n    feedback_true", "    answer: yes please\n    feedback_true"
    )
    assert tree.errors() == [
        f"{QUIZ}:23: questions[0].options[1].id: "
        "duplicate id 'a' in this question (first on line 22)",
        f"{QUIZ}:104: questions[9].answer: must be true or false, got 'yes please'",
    ]


def test_question_types_can_be_injected(tree):
    def strict(kind):
        class Strict(kind):
            @classmethod
            def definition_errors(cls, defn):
                return [("text.en", "too short")] if len(defn["text"]["en"]) < 40 else []

        return Strict

    types = {name: strict(kind) for name, kind in QUESTION_TYPES.items()}
    errors = [str(e) for e in validate_tree(tree.root, question_types=types).errors]
    assert f"{QUIZ}:19: questions[0].text.en: too short" in errors


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def runner():
    app = Flask(__name__)
    app.config.update(CONTENT_ROOT=FIXTURE, BASE_IRI="https://lms.example.org/xapi")
    app.extensions["lms.question_types"] = QUESTION_TYPES
    app.cli.add_command(content_cli)
    return app.test_cli_runner()


def test_cli_validate_ok(runner):
    result = runner.invoke(args=["content", "validate"])
    assert result.exit_code == 0
    assert result.output == "content OK: 1 module, 3 lessons, 14 questions, 4 skills\n"


def test_cli_validate_lists_errors_and_fails(runner, tree):
    tree.replace(MODULE, "    overall: 0.7\n", "    overall: 1.5\n")
    result = runner.invoke(args=["content", "validate", "--root", str(tree.root)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{MODULE}:26: module.mastery.overall: must be a number in (0, 1], got 1.5",
        "1 error in 1 file",
    ]


def test_cli_validate_json_prints_one_object(runner, tree):
    tree.replace(QUIZ, "    pass_mark: 0.7\n", "    pass_mark: 7\n")
    result = runner.invoke(args=["content", "validate", "--json", "--root", str(tree.root)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["errors"] == [
        {"file": QUIZ, "line": 8, "field": "quiz.settings.pass_mark",
         "message": "must be a number in (0, 1], got 7"}
    ]  # fmt: skip
    assert data["modules"] == [
        {
            "code": "C1.1",
            "lessons": 3,
            "questions": 14,
            "question_types": [
                "essay", "matching", "multiple_response", "numerical",
                "ordering", "short_answer", "single_choice", "true_false",
            ],
            "languages": ["en", "fr"],
            "cues": {
                "module": "C1.1", "single_choice": 3, "key_only_longest": 0,
                "key_only_longest_share": 0.0, "true_false": 3, "answer_true": 2,
                "true_share": 0.667, "near_duplicates": [],
            },
        }
    ]  # fmt: skip
    assert data["warnings"] == []
    assert data["skills"] == [
        {"id": "C1.1-S1", "unit": "C1.1", "questions": 4, "scenarios": 1},
        {"id": "C1.1-S2", "unit": "C1.1", "questions": 4, "scenarios": 1},
        {"id": "C1.1-S3", "unit": "C1.1", "questions": 4, "scenarios": 1},
        {"id": "C1.1-S4", "unit": "C1.1", "questions": 3, "scenarios": 1},
    ]


# --------------------------------------------------------------------------- answer cues

TRUE_FALSE = """  - id: C1.1-Q{number}
    type: true_false
    skills: [C1.1-S4]
    source: "fixture"
    text: {{fr: "{fr}", en: "{en}"}}
    feedback: {{fr: "Voir la leçon 2.", en: "See lesson 2."}}
    answer: {answer}
"""
STATEMENTS = [
    ("Le voyage vert donne droit à des jours de voyage en plus.", "Green travel gives extra days."),
    ("Un apprenti mineur a besoin de l'accord de ses parents.", "A minor needs parental consent."),
    (
        "La carte européenne d'assurance maladie se demande à la CPAM.",
        "The EHIC comes from the fund.",
    ),
    (
        "Le formulaire A1 atteste la sécurité sociale applicable.",
        "The A1 form shows the social law.",
    ),
]


def add_true_false(tree: Tree, *answers: bool) -> None:
    """Append true/false questions C1.1-Q15… with the given answers to the fixture's bank."""
    text = (tree.root / QUIZ).read_text(encoding="utf-8")
    for number, answer in enumerate(answers, start=15):
        fr, en = STATEMENTS[number - 15]
        text += TRUE_FALSE.format(number=number, fr=fr, en=en, answer=str(answer).lower())
    tree.write(QUIZ, text)


def add_second_module(tree: Tree, unit: str = "C1.2", bank: str | None = None) -> None:
    """A copy of the C1.1 module as ``unit``: its bank is ``bank``, or a copy of C1.1's."""
    tree.replace(COMPETENCES, "    units: [C1.1]\n", f"    units: [C1.1, {unit}]\n")
    for name in (UNIT, QUIZ, MODULE):
        text = (tree.root / name).read_text(encoding="utf-8")
        tree.write(name.replace("C1.1", unit), text.replace("C1.1", unit))
    shutil.copytree(tree.root / LESSONS, tree.root / LESSONS.replace("C1.1", unit))
    if bank is not None:
        head = (tree.root / QUIZ).read_text(encoding="utf-8").split("questions:\n")[0]
        tree.write(f"quizzes/{unit}.yaml", head.replace("C1.1", unit) + "questions:\n" + bank)


def test_keys_that_are_the_only_longest_option(tree):
    # The key of Q09 becomes the longest in French, the key of Q01 in English: 2 of 3.
    tree.replace(QUIZ, '"L\'apprenti et son tuteur", en: "The apprentice and the tutor"',
                 '"L\'apprenti seul", en: "The apprentice alone"')  # fmt: skip
    tree.replace(QUIZ, '"Accréditation Erasmus", en: "Erasmus accreditation"',
                 '"Accréditation", en: "Accreditation"')  # fmt: skip
    report = tree.report()
    assert [str(finding) for finding in report.errors + report.warnings] == [
        f"{QUIZ}:14: questions: 2 of 3 single-choice keys (67%) are the only longest option; "
        "at most 35%"
    ]
    assert report.cues[0].key_only_longest == 2 and report.cues[0].single_choice == 3


def test_one_longest_key_of_three_is_within_the_limit(tree):
    tree.replace(QUIZ, '"Accréditation Erasmus", en: "Erasmus accreditation"',
                 '"Accréditation", en: "Accreditation"')  # fmt: skip
    assert tree.findings() == []


def test_true_false_balance_of_a_bank_with_six_items(tree):
    add_true_false(tree, True, True, False)  # with the bank's true, true, false: 4 of 6
    report = tree.report()
    assert [str(finding) for finding in report.errors + report.warnings] == [
        f"{QUIZ}:14: questions: 4 of 6 true/false answers (67%) are true; keep between 35% and 65%"
    ]


def test_true_false_balance_is_only_reported_below_six_items(tree):
    add_true_false(tree, True, True)  # 4 of 5
    report = tree.report()
    assert tree.findings() == []
    assert (report.cues[0].true_false, report.cues[0].answer_true) == (5, 4)
    assert report.cues[0].true_share == 0.8


def test_balanced_true_false_bank_passes(tree):
    add_true_false(tree, True, False, False)  # 3 of 6
    assert tree.findings() == []


def test_near_duplicate_stems_within_a_bank(tree):
    text = (tree.root / QUIZ).read_text(encoding="utf-8")
    tree.write(QUIZ, text + TRUE_FALSE.format(
        number=15, fr="Quel format conseiller à une débutante ?",
        en="Which format suits newcomers?", answer="true",
    ))  # fmt: skip
    assert tree.findings() == [
        f"{QUIZ}:150: questions[14].text: stem nearly the same as C1.1-Q01 (line 19; "
        "similarity 0.97 ≥ 0.85): ask it once, and reuse it elsewhere with `ref:`"
    ]


def test_near_duplicate_stems_across_banks(tree):
    add_second_module(tree)
    findings = tree.findings()
    assert len(findings) == 14  # every question of the copy
    assert findings[0] == (
        "quizzes/C1.2.yaml:19: questions[0].text: stem nearly the same as C1.1-Q01 "
        f"({QUIZ}:19; similarity 1.00 ≥ 0.85): ask it once, and reuse it elsewhere with `ref:`"
    )


def test_stems_are_compared_lower_cased_and_without_accents():
    assert folded("  Quel   FORMAT conseiller à un Débutant ?") == (
        "quel format conseiller a un debutant ?"
    )


REFERENCES = "".join(
    f"  - {{id: C1.2-Q{n:02}, ref: C1.1-Q{n:02}, skills: [{skills}]}}\n"
    for n, skills in [
        (1, "C1.2-S1"),
        (2, "C1.2-S1"),
        (3, "C1.2-S1"),
        (4, "C1.2-S2"),
        (5, "C1.2-S2"),
        (6, "C1.2-S2"),
        (7, "C1.2-S3"),
        (8, "C1.2-S3"),
        (9, "C1.2-S3"),
        (10, "C1.2-S4"),
        (11, "C1.2-S4"),
        (12, "C1.2-S4, C1.2-S2"),
        (13, "C1.2-S1"),
        (14, "C1.2-S3"),
    ]
)


def test_a_bank_reuses_questions_of_another_bank_by_reference(tree):
    add_second_module(tree, bank=REFERENCES)
    report = tree.report()
    assert tree.findings() == []
    first, reused = report.content.quiz("C1.1"), report.content.quiz("C1.2")
    assert [q.id for q in reused.questions] == [f"C1.2-Q{n:02}" for n in range(1, 15)]
    original, copy = first.questions[11], reused.questions[11]
    assert copy.reused_from == "C1.1-Q12" and copy.module == "C1.2"
    assert copy.skills == ("C1.2-S4", "C1.2-S2")
    assert copy.definition == original.definition | {
        "id": "C1.2-Q12", "skills": ["C1.2-S4", "C1.2-S2"]
    }  # fmt: skip
    assert report.cues[1].single_choice == 3  # the reused questions count in their bank


def test_a_reference_changes_with_the_question_it_reuses(tree):
    add_second_module(tree, bank=REFERENCES)
    before = tree.report().content.quiz("C1.2").questions[0].content_hash
    tree.replace(QUIZ, "Which format suits a newcomer?", "Which format suits a beginner?")
    assert tree.report().content.quiz("C1.2").questions[0].content_hash != before


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("ref: C1.1-Q01,", "ref: C1.1-Q99,", "question 'C1.1-Q99' is unknown"),
        ("ref: C1.1-Q01,", "ref: C1.2-Q02,", "question 'C1.2-Q02' is itself a reference"),
        ("ref: C1.1-Q01,", "ref: C1.1-Q1,", "'C1.1-Q1' is not a valid id like C1.1-Q01"),
    ],
)
def test_reference_errors(tree, old, new, expected):
    add_second_module(tree, bank=REFERENCES)
    tree.replace("quizzes/C1.2.yaml", old, new)
    assert f"quizzes/C1.2.yaml:15: questions[0].ref: {expected}" in tree.errors()


def test_a_reference_within_its_own_bank_is_refused(tree):
    own = TRUE_FALSE.format(number=15, fr="Une phrase.", en="A sentence.", answer="true")
    own = own.replace("C1.1", "C1.2") + "  - {id: C1.2-Q16, ref: C1.2-Q15, skills: [C1.2-S1]}\n"
    add_second_module(tree, bank=REFERENCES + own)
    assert tree.errors() == [
        "quizzes/C1.2.yaml:36: questions[15].ref: question 'C1.2-Q15' is in this bank already"
    ]


def test_a_reference_carries_only_its_id_and_skills(tree):
    add_second_module(tree, bank=REFERENCES)
    tree.replace("quizzes/C1.2.yaml", "ref: C1.1-Q01,", "ref: C1.1-Q01, type: essay,")
    assert tree.errors() == [
        "quizzes/C1.2.yaml:15: questions[0].type: unexpected key; expected one of: id, ref, skills"
    ]


def test_every_skill_needs_a_scenario(tree):
    tree.replace(QUIZ, "    source: \"fixture\"\n    scenario: true\n    text: {fr: \"Votre CFA",
                 "    source: \"fixture\"\n    text: {fr: \"Votre CFA")  # fmt: skip
    assert tree.findings() == [
        f"{UNIT}:10: unit.skills[0].id: skill C1.1-S1 has no scenario question: mark at least 1 "
        "case the coach must act on with `scenario: true`"
    ]


def test_cue_rules_are_warnings_until_enforced_then_errors(tree, monkeypatch):
    tree.replace(QUIZ, "    source: \"fixture\"\n    scenario: true\n    text: {fr: \"Votre CFA",
                 "    source: \"fixture\"\n    text: {fr: \"Votre CFA")  # fmt: skip
    report = tree.report()
    rules = files.CUE_RULES_AS_WARNINGS
    assert (len(report.warnings), len(report.errors)) == ((1, 0) if "scenario" in rules else (0, 1))
    monkeypatch.setattr(files, "CUE_RULES_AS_WARNINGS", frozenset())
    report = tree.report()
    assert report.warnings == [] and not report.ok
    assert [str(error) for error in report.errors] == [
        f"{UNIT}:10: unit.skills[0].id: skill C1.1-S1 has no scenario question: mark at least 1 "
        "case the coach must act on with `scenario: true`"
    ]


def test_cli_validate_prints_the_warnings(runner, tree, monkeypatch):
    monkeypatch.setattr(files, "CUE_RULES_AS_WARNINGS", frozenset({"scenario"}))
    tree.replace(QUIZ, "    source: \"fixture\"\n    scenario: true\n    text: {fr: \"Votre CFA",
                 "    source: \"fixture\"\n    text: {fr: \"Votre CFA")  # fmt: skip
    result = runner.invoke(args=["content", "validate", "--root", str(tree.root)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"warning: {UNIT}:10: unit.skills[0].id: skill C1.1-S1 has no scenario question: mark "
        "at least 1 case the coach must act on with `scenario: true`",
        "content OK: 1 module, 3 lessons, 14 questions, 4 skills (1 warning)",
    ]
    result = runner.invoke(args=["content", "validate", "--json", "--root", str(tree.root)])
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["warnings"][0]["line"] == 10


# --------------------------------------------------------------------------- the real content


def test_the_repository_content_is_valid():
    """Acceptance: seven modules, both languages, every skill with at least three questions."""
    report = validate_tree(DEFAULT_CONTENT_ROOT, question_types=QUESTION_TYPES)
    assert [str(error) for error in report.errors] == []
    content = report.content
    assert [module.code for module in content.modules] == [
        "C1.1", "C1.2", "C2", "C3", "C4.1", "C4.2", "C5"
    ]  # fmt: skip
    assert [competence.id for competence in content.framework.competences] == [
        "C1", "C2", "C3", "C4", "C5"
    ]  # fmt: skip
    per_skill = {skill.id: 0 for skill in content.framework.skills}
    for question in content.questions:
        for skill_id in question.skills:
            per_skill[skill_id] += 1
    assert min(per_skill.values()) >= 3
    for module in content.modules:
        assert len(module.lessons) >= 3
        for lesson in module.lessons:
            assert lesson.html.fr and lesson.html.en


def test_scenario_mark_is_a_boolean(tree):
    tree.replace(
        QUIZ,
        "    answer: true\n    feedback_true",
        "    scenario: often\n    answer: true\n    feedback_true",
    )
    assert tree.errors() == [
        f"{QUIZ}:104: questions[9].scenario: must be true or false, got 'often'"
    ]


def test_cli_validate_fails_on_a_bank_with_cues(runner, tree, monkeypatch):
    monkeypatch.setattr(files, "CUE_RULES_AS_WARNINGS", frozenset())  # as shipped
    tree.replace(QUIZ, '"L\'apprenti et son tuteur", en: "The apprentice and the tutor"',
                 '"L\'apprenti seul", en: "The apprentice alone"')  # fmt: skip
    tree.replace(QUIZ, '"Accréditation Erasmus", en: "Erasmus accreditation"',
                 '"Accréditation", en: "Accreditation"')  # fmt: skip
    result = runner.invoke(args=["content", "validate", "--root", str(tree.root)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{QUIZ}:14: questions: 2 of 3 single-choice keys (67%) are the only longest option; "
        "at most 35%",
        "1 error in 1 file",
    ]
