"""Counts read right for zero, one and many, in French and in English (ngettext)."""

import pytest
from flask_babel import force_locale, ngettext

from lms import create_app


@pytest.fixture(scope="module")
def babel_app(tmp_path_factory):
    return create_app({"TESTING": True, "INSTANCE_PATH": tmp_path_factory.mktemp("i")})


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("fr", 0, "0 unité validée sur 7."),
        ("fr", 1, "1 unité validée sur 7."),
        ("fr", 2, "2 unités validées sur 7."),
        ("en", 0, "0 units validated out of 7."),
        ("en", 1, "1 unit validated out of 7."),
        ("en", 2, "2 units validated out of 7."),
    ],
)
def test_units_validated(babel_app, language, count, expected):
    with babel_app.test_request_context(), force_locale(language):
        text = ngettext(
            "%(num)d unit validated out of %(total)d.",
            "%(num)d units validated out of %(total)d.",
            count,
            total=7,
        )
    assert text == expected


@pytest.mark.parametrize(
    ("language", "singular", "plural", "one", "four"),
    [
        ("fr", "%(num)d account created", "%(num)d accounts created", "1 compte créé",
         "4 comptes créés"),
        ("en", "%(num)d account created", "%(num)d accounts created", "1 account created",
         "4 accounts created"),
        ("fr", "Nothing was imported: %(num)d problem", "Nothing was imported: %(num)d problems",
         "Rien n’a été importé\u00a0: 1 problème", "Rien n’a été importé\u00a0: 4 problèmes"),
        ("fr", "%(num)d statement will be sent again.", "%(num)d statements will be sent again.",
         "1 déclaration sera renvoyée.", "4 déclarations seront renvoyées."),
    ],
)  # fmt: skip
def test_counts_without_brackets(babel_app, language, singular, plural, one, four):
    with babel_app.test_request_context(), force_locale(language):
        assert ngettext(singular, plural, 1) == one
        assert ngettext(singular, plural, 4) == four


def test_no_french_message_counts_with_brackets_or_addresses_a_man_only():
    from babel.messages.pofile import read_po

    from lms.config import PACKAGE_DIR

    path = PACKAGE_DIR / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    texts = [
        text
        for message in catalog
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else [message.string])
    ]
    assert [t for t in texts if "(s)" in t] == []
    assert [t for t in texts if "m'étais arrêté" in t or "à côté" in t] == []
