"""Jinja loader of the question types' template partials, found through the registry."""

from __future__ import annotations

from pathlib import Path

from jinja2 import BaseLoader, Environment, FileSystemLoader, TemplateNotFound

from lms.quiz import types

PREFIX = "question_types/"
# Partials a type may leave out: its describe() and correct_lines() fill the defaults.
DEFAULTS = Path(__file__).parent / "templates" / "_default"


class QuestionTypeLoader(BaseLoader):
    """``question_types/<name>/<partial>.html`` from the templates folder of type ``<name>``.

    An unregistered type is TemplateNotFound: the page fails loudly rather than show nothing.
    """

    def get_source(self, environment: Environment, template: str):
        name, _, partial = template.removeprefix(PREFIX).partition("/")
        kind = types.QUESTION_TYPES.get(name)
        if not template.startswith(PREFIX) or kind is None or not partial:
            raise TemplateNotFound(template)
        try:
            return FileSystemLoader(kind.templates).get_source(environment, f"{name}/{partial}")
        except TemplateNotFound:
            if not (DEFAULTS / partial).is_file():
                raise
            return FileSystemLoader(DEFAULTS).get_source(environment, partial)
