"""The running case: one file of facts that lessons quote as {{ case.key }}."""

import shutil

import pytest

from lms.catalog.validation import validate_tree
from lms.quiz.types import QUESTION_TYPES
from tests.unit.test_catalog_validate import FIXTURE, LESSONS, Tree

CASE = "content/case/case.yaml"
LESSON_FR = f"{LESSONS}/budget.fr.md"
LESSON_EN = f"{LESSONS}/budget.en.md"
HEADING_FR = "## Le budget\n"
HEADING_EN = "## The budget\n"


@pytest.fixture
def tree(tmp_path) -> Tree:
    shutil.copytree(FIXTURE, tmp_path / "tree")
    return Tree(tmp_path / "tree").write(
        CASE,
        "case:\n"
        "  host:\n"
        "    tutor: Jonas\n"
        "    city: {fr: Cologne, en: Cologne}\n"
        "  duration: {fr: deux semaines, en: two weeks}\n"
        "  group:\n"
        "    size: 6\n",
    )


def _lesson(tree: Tree, language: str):
    report = validate_tree(tree.root, question_types=QUESTION_TYPES)
    assert [str(e) for e in report.errors] == []
    lesson = next(
        lesson for m in report.content.modules for lesson in m.lessons if lesson.slug == "budget"
    )
    return lesson.source.get(language), lesson.html.get(language)


def test_placeholders_are_filled_in_each_language(tree):
    tree.replace(
        LESSON_FR,
        HEADING_FR,
        HEADING_FR
        + "\nTuteur : {{ case.host.tutor }}, {{case.duration}}, {{ case.group.size }} apprentis.\n",
    )
    tree.replace(
        LESSON_EN,
        HEADING_EN,
        HEADING_EN + "\nTutor: {{ case.host.tutor }} for {{ case.duration }}.\n",
    )
    source_fr, html_fr = _lesson(tree, "fr")
    source_en, html_en = _lesson(tree, "en")
    assert "Tuteur : Jonas, deux semaines, 6 apprentis." in source_fr
    assert "Jonas, deux semaines" in html_fr and "{{" not in html_fr
    assert "Tutor: Jonas for two weeks." in source_en and "{{" not in html_en


def test_unknown_case_key_is_an_error_at_its_line(tree):
    tree.replace(LESSON_FR, HEADING_FR, HEADING_FR + "\nLe tuteur est {{ case.host.tutr }}.\n")
    assert tree.errors() == [
        f"{LESSON_FR}:3: markdown: unknown case key 'host.tutr'; did you mean 'host.tutor'?"
    ]


def test_text_between_braces_that_is_no_placeholder_is_an_error(tree):
    tree.replace(LESSON_EN, HEADING_EN, HEADING_EN + "\nThe tutor is {{ tutor }}.\n")
    assert tree.errors() == [
        f"{LESSON_EN}:3: markdown: '{{{{ tutor }}}}' is not a placeholder like "
        "{{ case.tutor.name }}"
    ]


def test_a_placeholder_without_a_case_file_is_reported(tree):
    tree.remove(CASE).replace(LESSON_FR, HEADING_FR, HEADING_FR + "\n{{ case.host.tutor }}\n")
    assert tree.errors() == [
        f"{LESSON_FR}:3: markdown: unknown case key 'host.tutor' (not in {CASE})"
    ]


def test_case_file_values_are_checked_with_their_line(tree):
    tree.write(
        CASE,
        "case:\n  host:\n    tutor: Jonas\n    city: [Cologne]\n  Bad-Key: x\n  empty: {fr: x}\n",
    )
    assert tree.errors() == [
        f"{CASE}:4: case.host.city: must be text, a number, {{fr, en}} or a mapping",
        f"{CASE}:5: case.Bad-Key: a case key is lower-case letters, digits and _",
        f"{CASE}:6: case.empty: missing translation 'en'",
    ]


# -- downloadable documents (content/documents/<slug>.<lang>.md, listed by modules)

MODULE = "content/modules/C1.1/module.yaml"
LISTED = "  documents:\n    - slug: grid\n      lessons: [budget]\n"


def _with_document(tree: Tree, fr: str = "# Grille de {{ case.host.tutor }}\n\nTexte.\n") -> Tree:
    path = tree.root / MODULE
    path.write_text(path.read_text(encoding="utf-8") + LISTED, encoding="utf-8")
    tree.write("content/documents/grid.fr.md", fr)
    return tree.write("content/documents/grid.en.md", "# {{ case.host.tutor }}'s grid\n\nText.\n")


def test_a_listed_document_is_read_with_the_case_filled_in(tree):
    report = validate_tree(_with_document(tree).root, question_types=QUESTION_TYPES)
    assert [str(e) for e in report.errors] == []
    module = next(m for m in report.content.modules if m.code == "C1.1")
    [document] = module.documents
    assert document.title.fr == "Grille de Jonas" and document.title.en == "Jonas's grid"
    assert document.lessons == ("budget",) and "{{" not in document.source.fr


def test_document_errors_are_located(tree):
    _with_document(tree, fr="Pas de titre {{ case.nobody }}\n")
    tree.replace(MODULE, "lessons: [budget]", "lessons: [budget, nowhere]")
    tree.remove("content/documents/grid.en.md")
    line = len((tree.root / MODULE).read_text(encoding="utf-8").splitlines())
    assert tree.errors() == [
        "content/documents/grid.fr.md:1: markdown: "
        "a document starts with its title as a '# ' heading",
        f"{MODULE}:{line - 1}: module.documents[0].slug: document file "
        "content/documents/grid.en.md is missing",
        f"{MODULE}:{line}: module.documents[0].lessons[1]: "
        "'nowhere' is not a lesson of this module",
    ]
