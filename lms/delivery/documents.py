"""The downloadable documents of a module: Markdown to edit, or an A4 PDF made on request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask import render_template

from lms.catalog.markdown import render_markdown

DOCUMENT_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "document.css"
FORMATS = {"pdf": "application/pdf", "md": "text/markdown; charset=utf-8"}


@dataclass(frozen=True)
class ModuleDocument:
    slug: str
    title: str
    source: str


def find(module, slug: str, language: str) -> ModuleDocument | None:
    """The document ``slug`` of ``module`` in ``language``, or None."""
    for document in module.documents or []:
        if document["slug"] == slug:
            return ModuleDocument(slug, document["title"][language], document["source"][language])
    return None


def for_lesson(module, lesson_slug: str) -> list[dict]:
    """The module's documents that a lesson walks through."""
    return [d for d in module.documents or [] if lesson_slug in d.get("lessons", [])]


def filename(module_code: str, document: ModuleDocument, language: str, fmt: str) -> str:
    code = re.sub(r"[^A-Za-z0-9]+", "-", module_code)
    return f"{code}-{document.slug}-{language}.{fmt}"


def pdf(module_code: str, document: ModuleDocument, language: str) -> bytes:
    """The document as an A4 PDF; nothing is fetched from the network while rendering."""
    from weasyprint import CSS, HTML

    def no_fetch(url: str, *args, **kwargs):
        raise ValueError(f"documents load no external resource ({url})")

    page = render_template(
        "delivery/document_pdf.html",
        body=render_markdown(document.source),
        title=document.title,
        language=language,
        module_code=module_code,
    )
    return HTML(string=page, url_fetcher=no_fetch).write_pdf(
        stylesheets=[CSS(filename=str(DOCUMENT_CSS))]
    )
