"""The shipped lessons: the errors a review found stay corrected, and the running case agrees."""

import re

import pytest

from lms.catalog.validation import validate_tree
from lms.config import DEFAULT_CONTENT_ROOT
from lms.quiz.types import QUESTION_TYPES


@pytest.fixture(scope="module")
def content():
    report = validate_tree(DEFAULT_CONTENT_ROOT, question_types=QUESTION_TYPES)
    assert [str(error) for error in report.errors] == []
    return report.content


@pytest.fixture(scope="module")
def lessons(content):
    """``{(module, slug, language): Markdown with the case filled in}``."""
    return {
        (module.code, lesson.slug, language): lesson.source.get(language)
        for module in content.modules
        for lesson in module.lessons
        for language in ("fr", "en")
    }


def _text(lessons, module, slug, language):
    return " ".join(lessons[(module, slug, language)].split())


# (issue number, module, lesson, language, must contain, must not contain)
CORRECTIONS = [
    (
        1,
        "C4.2",
        "reference-frameworks",
        "fr",
        ["32020H1202(01)", "l'a **abrogée**"],
        ["ne l'affirmez pas"],
    ),
    (
        1,
        "C4.2",
        "reference-frameworks",
        "en",
        ["32020H1202(01)", "**repealed** it"],
        ["do not claim this"],
    ),
    (
        2,
        "C4.1",
        "pedagogical-contract",
        "fr",
        ["**deux documents distincts**"],
        ["Dans les deux cas, ce document"],
    ),
    (
        2,
        "C4.1",
        "pedagogical-contract",
        "en",
        ["**two separate documents**"],
        ["Either way, the document"],
    ),
    (3, "C1.1", "project-draft", "fr", ["**soutien organisationnel**", "CONTENT_FACTS 42"], []),
    (3, "C1.1", "project-draft", "en", ["**organisational support**", "CONTENT_FACTS 42"], []),
    (
        4,
        "C1.1",
        "erasmus-routes",
        "fr",
        ["**trajet réellement effectué**"],
        ["à inscrire au calendrier"],
    ),
    (
        4,
        "C1.1",
        "erasmus-routes",
        "en",
        ["**journey actually made**"],
        ["put them in the calendar"],
    ),
    (
        5,
        "C4.1",
        "mobility-in-the-pathway",
        "fr",
        ["par une autre limite", "**la moitié de la durée du contrat**"],
        ["Depuis la loi du 27 décembre 2023, le contrat"],
    ),
    (
        5,
        "C4.1",
        "mobility-in-the-pathway",
        "en",
        ["with another limit", "**half of the contract**"],
        ["Since the French law of 27 December 2023, an"],
    ),
    (6, "C3", "presenting-the-framework", "fr", ["le fournil du CFA"], ["formation théorique"]),
    (6, "C3", "presenting-the-framework", "en", ["the CFA's own bakehouse"], ["school-based part"]),
    (
        7,
        "C2",
        "two-arrangements",
        "fr",
        ["art. L6222-42, II, 1°", "**formulaire A1**"],
        ["À vérifier avec le partenaire"],
    ),
    (
        7,
        "C2",
        "two-arrangements",
        "en",
        ["art. L6222-42, II, 1°", "**A1 form**"],
        ["Check case by case"],
    ),
    (
        8,
        "C4.2",
        "europass-and-mobility-unit",
        "fr",
        ["**session 2015**", "session 2021"],
        ["existe depuis la **session 2020**"],
    ),
    (
        8,
        "C4.2",
        "europass-and-mobility-unit",
        "en",
        ["**2015 exam session**", "2021 session"],
        ["since the **2020 exam session**"],
    ),
    (
        9,
        "C4.2",
        "assessing-in-the-host-company",
        "fr",
        ["2020-1-FR01-KA202-080445"],
        ["Le guide Erasmus+ de la mobilité"],
    ),
    (
        9,
        "C4.2",
        "assessing-in-the-host-company",
        "en",
        ["2020-1-FR01-KA202-080445"],
        ["The Erasmus+ step-by-step guide"],
    ),
    (
        11,
        "C1.1",
        "erasmus-routes",
        "fr",
        ["**rejoindre un consortium de mobilité**"],
        ["Deux voies d'accès"],
    ),
    (
        11,
        "C1.1",
        "erasmus-routes",
        "en",
        ["**join an existing mobility consortium**"],
        ["Two routes to"],
    ),
]


@pytest.mark.parametrize(("issue", "module", "slug", "language", "present", "absent"), CORRECTIONS)
def test_reviewed_errors_stay_corrected(lessons, issue, module, slug, language, present, absent):
    text = _text(lessons, module, slug, language)
    for fragment in present:
        assert fragment in text, f"error {issue}: {fragment!r} missing"
    for fragment in absent:
        assert fragment not in text, f"error {issue}: {fragment!r} is back"


def test_no_lesson_dates_the_mobility_unit_of_every_diploma_to_2020(lessons):
    dated = re.compile(r"(depuis la \**session 2020|since the \**2020 exam session)", re.I)
    assert [key for key, text in lessons.items() if dated.search(text)] == []


def test_hybrid_mobility_keeps_its_erasmus_meaning(lessons):
    """Error 10: wherever a lesson says 'hybrid', it says the virtual component."""
    for key, text in lessons.items():
        flat = " ".join(text.split())
        if re.search(r"hybride?\b", flat, re.I):
            assert re.search(r"virtu(elle|al)", flat), key


def test_the_running_case_tells_one_story(lessons):
    """Error 12: one tutor, one group size, one set of outcomes in every module."""
    everything = "\n".join(lessons.values())
    assert "Becker, maître" not in everything and "Ms Becker" not in everything
    assert "Mme Becker" not in everything
    assert not re.search(r"huit apprentis|eight bakery apprentices", everything)
    assert "{{" not in everything
    with_case = {key for key, text in lessons.items() if "Jonas" in text}
    assert {module for module, _, _ in with_case} >= {
        "C1.1",
        "C1.2",
        "C2",
        "C3",
        "C4.1",
        "C4.2",
        "C5",
    }


def test_the_framework_keeps_contract_and_annex_apart(content):
    skill = next(s for s in content.framework.skills if s.id == "C4.1-S3")
    assert "contrat ou l'annexe" not in skill.description.fr
    assert "annexe pédagogique de la convention" in skill.description.fr


# (module, topic, words that must appear in one of its lessons, in each language)
TOPICS = [
    (
        "C1.1",
        "budget categories",
        {
            "fr": ["Soutien individuel", "Soutien organisationnel", "Coûts exceptionnels"],
            "en": ["Individual support", "Organisational support", "Exceptional costs"],
        },
    ),
    ("C1.1", "call calendar", {"fr": ["19 février 2026"], "en": ["19 February 2026"]}),
    ("C1.1", "consortium route", {"fr": ["consortium"], "en": ["consortium"]}),
    (
        "C1.2",
        "Beneficiary Module and final report",
        {
            "fr": ["Beneficiary Module", "rapport final", "60 jours"],
            "en": ["Beneficiary Module", "final report", "60 calendar days"],
        },
    ),
    (
        "C1.2",
        "minors",
        {
            "fr": ["cerfa n° 15646", "représentants légaux"],
            "en": ["cerfa no. 15646", "legal representatives"],
        },
    ),
    (
        "C1.2",
        "health and insurance",
        {"fr": ["CEAM", "A1", "rapatriement"], "en": ["EHIC", "A1", "repatriation"]},
    ),
    ("C1.2", "emergencies", {"fr": ["112"], "en": ["112"]}),
    (
        "C2",
        "OPCO social contributions (fact 76)",
        {"fr": ["**obligatoire**", "2023-1267"], "en": ["**compulsory**", "2023-1267"]},
    ),
    (
        "C1.1",
        "inclusion lump sum dated (fact 49)",
        {"fr": ["100 €", "125 €"], "en": ["€100", "€125"]},
    ),
]


@pytest.mark.parametrize(("module", "topic", "words"), TOPICS, ids=[t[1] for t in TOPICS])
def test_operational_topics_are_taught_in_both_languages(lessons, module, topic, words):
    for language, expected in words.items():
        text = " ".join(
            " ".join(source.split())
            for (code, _, lang), source in lessons.items()
            if code == module and lang == language
        )
        missing = [word for word in expected if word not in text]
        assert missing == [], f"{module} ({language}) does not teach {topic}: {missing}"


def test_the_documents_the_lessons_walk_through_are_offered(content):
    offered = {
        document.slug: document
        for module in content.modules
        for document in module.documents
        if document.lessons
    }
    assert {
        "model-convention",
        "evaluation-grid",
        "lea-dossier",
        "communication-plan-template",
        "image-consent-form",
    } <= offered.keys()
    assert "# Annexe pédagogique" in offered["model-convention"].source.fr
    assert "Maîtrisé avec autonomie" in offered["evaluation-grid"].source.fr


@pytest.mark.parametrize("language", ["fr", "en"])
def test_c3_teaches_language_glossary_templates_and_incidents(lessons, language):
    glossary = lessons[("C3", "mobility-glossary", language)]
    header = "| Français | English | Deutsch | Español | Italiano |"
    assert glossary.count(header) == 4
    rows = [line for line in glossary.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) - 4 >= 30  # terms, headers excluded
    assert all(row.count("|") == 6 and "|  |" not in row for row in rows)
    templates = lessons[("C3", "host-company-templates", language)]
    assert templates.count("> **Subject:**") == 5 and "Auf Deutsch" in templates
    incidents = lessons[("C3", "critical-incidents", language)]
    assert len(re.findall(r"^### Incident \d", incidents, re.M)) == 5
