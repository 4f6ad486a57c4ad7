"""How values are shown: user errors, language maps, percentages, numbers, modalities (fr, en)."""

import pytest

from lms import create_app, formats
from lms.auth.service import AccountError
from lms.competence.evidence import EvidenceError
from lms.competence.models import Decision
from lms.competence.service import DecisionError
from lms.errors import UserError
from lms.live.service import LiveError
from lms.quiz.service import AttemptError
from lms.quiz.types import ResponseError
from lms.vocabulary import MODALITIES, MODALITY_LABELS, modality_label


@pytest.fixture(scope="module")
def web_app():
    # Not named `app`: that name asks the shared fixtures for a database.
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "LRS_URL": "",
        }
    )


@pytest.fixture
def french(web_app):
    with web_app.test_request_context(headers={"Accept-Language": "fr"}):
        yield


@pytest.fixture
def english(web_app):
    with web_app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.mark.parametrize(
    ("error", "english_text", "french_text"),
    [
        (
            AccountError("An account already exists for %(email)s.", "email", email="a@b.eu"),
            "An account already exists for a@b.eu.",
            "Un compte existe déjà pour a@b.eu.",
        ),
        (
            ResponseError("Unknown answer option: %(option)s.", option="z"),
            "Unknown answer option: z.",
            "Option de réponse inconnue : z.",
        ),
        (
            AttemptError("You have used all %(allowed)d attempts at this quiz.", allowed=3),
            "You have used all 3 attempts at this quiz.",
            "Vous avez utilisé vos 3 tentatives à ce quiz.",
        ),
        (
            DecisionError(
                "Unit %(unit)s cannot be validated by: %(modality)s.",
                unit="U2",
                modality=modality_label("test"),
            ),
            "Unit U2 cannot be validated by: Practical test.",
            "L’unité U2 ne peut pas être validée par : Épreuve pratique.",
        ),
        (
            EvidenceError(
                "Attach a PDF, PNG, JPG, ODT or DOCX file (not .%(extension)s).", extension="exe"
            ),
            "Attach a PDF, PNG, JPG, ODT or DOCX file (not .exe).",
            "Joignez un fichier PDF, PNG, JPG, ODT ou DOCX (et non .exe).",
        ),
        (
            LiveError("This session is for another cohort."),
            "This session is for another cohort.",
            "Cette session est réservée à une autre promotion.",
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_each_domain_error_is_shown_in_the_users_language(
    web_app, error, english_text, french_text
):
    assert isinstance(error, UserError)  # pages catch the one base
    assert str(error) == english_text  # logs and the command line read English
    with web_app.test_request_context(headers={"Accept-Language": "fr"}):
        assert formats.translated(error) == french_text
        assert web_app.jinja_env.from_string("{{ e | translated }}").render(e=error) == french_text
    with web_app.test_request_context(headers={"Accept-Language": "en"}):
        assert formats.translated(error) == english_text


def test_an_unknown_modality_in_an_error_is_shown_as_given(french):
    error = DecisionError(
        "Unit %(unit)s cannot be validated by: %(modality)s.",
        unit="U2",
        modality=modality_label("oral"),
    )
    assert formats.translated(error) == "L’unité U2 ne peut pas être validée par : oral."


def test_every_modality_has_one_label_translated_in_french(web_app):
    assert set(MODALITY_LABELS) == set(MODALITIES)
    shown = {}
    for language in ("en", "fr"):
        with web_app.test_request_context(headers={"Accept-Language": language}):
            shown[language] = [formats.modality(key) for key in MODALITIES]
    for labels in shown.values():
        assert len(set(labels)) == len(MODALITIES)  # no two modalities read the same
        assert not set(labels) & set(MODALITIES)  # a label, not the code
    translated = [fr != en for fr, en in zip(shown["fr"], shown["en"], strict=True)]
    assert translated == [True, True, True, False, True]  # "Jury" is French too


def test_the_database_accepts_exactly_the_modalities():
    # The same text as the migration that created the constraint.
    checks = {str(c.sqltext) for c in Decision.__table__.constraints if hasattr(c, "sqltext")}
    assert "modality IN ('quiz', 'test', 'observation', 'jury', 'debriefing')" in checks


def test_language_maps(french):
    title = {"fr": "Préparer", "en": "Prepare"}
    assert formats.localised(title) == "Préparer"
    assert formats.localised(title, "en") == "Prepare"
    assert formats.localised({"en": "Only English"}) == "Only English"
    assert formats.localised({"de": "Nur Deutsch"}) == "Nur Deutsch"
    assert formats.localised(None) == ""
    assert formats.localised("Jury") == "Jury"
    assert formats.localised("Quiz result") == "Résultat au quiz"  # a message id is translated


def test_language_maps_in_english(english):
    assert formats.localised({"fr": "Préparer", "en": "Prepare"}) == "Prepare"
    assert formats.localised({"fr": "Seulement en français"}) == "Seulement en français"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["50 %", "100 %", "0 %", "–", "1\u202f234,5", "2", "0,33", "–", "Épreuve pratique"]),
        ("en", ["50 %", "100 %", "0 %", "–", "1,234.5", "2", "0.33", "–", "Practical test"]),
    ],
)
def test_the_filters_every_template_uses(web_app, language, expected):
    # Values as variables: Jinja would compute a filter of constants once, at compile time.
    template = web_app.jinja_env.from_string(
        "{{ half | percent }}|{{ one | percent }}|{{ zero | percent }}|{{ unknown | percent }}|"
        "{{ big | number }}|{{ two | number }}|{{ third | number }}|{{ unknown | number }}|"
        "{{ key | modality }}"
    )
    values = {"half": 0.5, "one": 1, "zero": 0, "unknown": None, "big": 1234.5, "two": 2.0}
    values.update(third=1 / 3, key="test")
    with web_app.test_request_context(headers={"Accept-Language": language}):
        assert template.render(values).split("|") == expected


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_percentage_rounds_as_babel_does_whatever_was_formatted_before(web_app, language):
    """The percentages are formatted once per whole percent and language; the text is Babel's,
    halves rounded to even and negative zero kept, in any order."""
    from flask_babel import format_percent

    values = [0.125, 0.135, 0.145, 0.155, 0.005, 0.015, 1.005, 12.345, 0.0, -0.001, 1 / 3]
    values += [k / 7 for k in range(8)]
    with web_app.test_request_context(headers={"Accept-Language": language}):
        for value in [*values, *reversed(values)]:
            assert formats.percent(value) == format_percent(value, "#,##0 %"), value
