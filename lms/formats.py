"""The one way each kind of value is shown to a user, in their language.

Language maps, user errors, percentages and numbers; ``init_app`` registers them once as
Jinja filters for every template.
"""

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_percent
from flask import Flask, current_app, url_for
from flask_babel import format_decimal, get_locale, gettext

from lms.errors import UserError
from lms.i18n import Label
from lms.vocabulary import modality_label

LANGUAGES = ("fr", "en")


def current_language() -> str:
    """The page's language, French when none is chosen."""
    language = str(get_locale() or "fr")
    return language if language in LANGUAGES else "fr"


def localised(value, language: str | None = None) -> str:
    """A language map in ``language`` (default: the page's), else French, else any text.

    A plain string is a message id and is translated.
    """
    if isinstance(value, dict):
        language = language or current_language()
        return value.get(language) or value.get("fr") or next(iter(value.values()), "") or ""
    return gettext(value) if isinstance(value, str) and value else (value or "")


def translated(error: UserError) -> str:
    """A user error in the page's language, with its parameters filled in."""
    params = {
        key: gettext(value) if isinstance(value, Label) else value
        for key, value in error.params.items()
    }
    return gettext(error.msgid, **params)


def percent(value: float | None) -> str:
    """A fraction (0.5) as a percentage in the page's language; a dash when unknown."""
    if value is None:
        return "–"
    # Rounded as Babel rounds it (whole percent, half to even): a page of scores formats each
    # of the few distinct percentages once.
    return _whole_percent(str(Decimal(str(value)).scaleb(2).quantize(_ONE)), str(get_locale()))


_ONE = Decimal(1)


@lru_cache(maxsize=2048)
def _whole_percent(hundredths: str, locale: str) -> str:
    return format_percent(Decimal(hundredths).scaleb(-2), "#,##0 %", locale=locale)


def number(value: float | None) -> str:
    """A mark or a count, with at most two decimals, in the page's language."""
    return "–" if value is None else format_decimal(round(value, 2), "#,##0.##")


def modality(key: str) -> str:
    """The label of a validation modality in the page's language."""
    return gettext(modality_label(key))


def public_url(endpoint: str, **values) -> str:
    """The address of a page as people outside reach it: the configured ``LMS_BASE_URL``,
    never the request's Host header (which anyone can set), followed by the page's path."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["public_url"] = public_url
    app.jinja_env.filters.update(
        localised=localised,
        translated=translated,
        percent=percent,
        number=number,
        modality=modality,
    )
