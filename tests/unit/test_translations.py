"""The French catalogue translates every message of the application."""

from pathlib import Path

from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "lms" / "translations"


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_msgid_has_a_french_translation():
    template = _read(TRANSLATIONS / "messages.pot")
    french = _read(TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po")
    missing = [
        m.id
        for m in template
        if m.id
        and not (
            french.get(m.id)
            and all(
                french.get(m.id).string if isinstance(m.id, tuple) else [french.get(m.id).string]
            )
        )
    ]
    assert missing == [], f"untranslated in French: {missing}"
    fuzzy = [m.id for m in french if m.id and m.fuzzy]
    assert fuzzy == [], f"fuzzy French translations: {fuzzy}"


def test_template_is_up_to_date_with_the_sources(tmp_path):
    from babel.messages.frontend import CommandLineInterface

    out = tmp_path / "fresh.pot"
    root = TRANSLATIONS.parents[1]
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(root / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "N_",
            "--no-location",
            "--ignore-dirs=.venv .venv-ralph tests",
            "-o",
            str(out),
            str(root),
        ]
    )
    fresh = {m.id for m in _read(out) if m.id}
    committed = {m.id for m in _read(TRANSLATIONS / "messages.pot") if m.id}
    assert fresh - committed == set(), "run `make messages` and translate the new strings"
