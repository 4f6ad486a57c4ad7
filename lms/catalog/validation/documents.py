"""Downloadable documents: ``content/documents/<slug>.<lang>.md``, offered by the modules that list
them (``documents:`` in module.yaml, each with the lessons that walk through it)."""

from __future__ import annotations

from lms.catalog.markdown import plain_text, raw_html_lines
from lms.catalog.validation.files import _File, _State
from lms.catalog.validation.results import Document, LangText
from lms.catalog.validation.rules import DOCUMENTS_DIR, LANGUAGES, SLUG
from lms.catalog.validation.running_case import fill_case
from lms.catalog.yamlfile import LineDict


def read_documents(
    state: _State, f: _File, node: LineDict, lesson_slugs: set[str]
) -> list[Document]:
    """The documents listed under ``documents`` of a module, their files checked."""
    documents: list[Document] = []
    seen: set[str] = set()
    for _, item, line, here in f.items(node, "documents", "module", what="document"):
        entry = f.mapping(item, line, here)
        if entry is None:
            continue
        f.keys(entry, here, ("slug",), ("lessons",))
        slug = f.string(entry, "slug", here, pattern=SLUG, example="model-convention")
        lessons = []
        for _, value, lline, lhere in f.items(entry, "lessons", here, what="lesson"):
            if value not in lesson_slugs:
                f.error(lline, lhere, f"'{value}' is not a lesson of this module")
            else:
                lessons.append(value)
        if slug is None:
            continue
        if slug in seen:
            f.at(entry, "slug", here, f"document '{slug}' is listed twice")
            continue
        seen.add(slug)
        sources = _document_sources(state, f, entry, here, slug)
        if len(sources) == len(LANGUAGES):
            titles = {lang: _title(sources[lang]) for lang in LANGUAGES}
            documents.append(
                Document(
                    slug=slug,
                    title=LangText(titles["fr"], titles["en"]),
                    source=LangText(sources["fr"], sources["en"]),
                    lessons=tuple(lessons),
                )
            )
    return documents


def _document_sources(
    state: _State, f: _File, entry: LineDict, here: str, slug: str
) -> dict[str, str]:
    sources: dict[str, str] = {}
    for lang in LANGUAGES:
        name = f"{DOCUMENTS_DIR}/{slug}.{lang}.md"
        path = state.root / name
        if not path.is_file():
            f.at(entry, "slug", here, f"document file {name} is missing")
            continue
        md = state.file(name)
        source = path.read_text(encoding="utf-8")
        if not source.startswith("# "):
            md.error(1, "markdown", "a document starts with its title as a '# ' heading")
            continue
        for line in raw_html_lines(source):
            md.error(line, "markdown", "raw HTML is not allowed (it would be shown as text)")
        sources[lang] = fill_case(md, source, lang, state.case)
    return sources


def _title(source: str) -> str:
    return plain_text(source.split("\n", 1)[0]).strip()
