"""The completion record as a designed document: the same HTML and A4 PDF (WeasyPrint) for the
coach who downloads it and for the trainer."""

import re
import unicodedata
from pathlib import Path

from flask import render_template
from flask_babel import force_locale, format_date

from lms.competence.record import CompletionRecord
from lms.typography import french_html

RECORD_CSS = Path(__file__).resolve().parent / "static" / "css" / "record.css"


def record_filename(data: CompletionRecord) -> str:
    ascii_name = unicodedata.normalize("NFKD", data.coach_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower() or "coach"
    return f"completion-record-{data.coach_id}-{slug}.pdf"


def record_html(data: CompletionRecord, language: str, *, for_pdf: bool = False) -> str:
    with force_locale(language):
        html = render_template(
            "trainer/record_document.html",
            record=data,
            language=language,
            for_pdf=for_pdf,
            format_date=format_date,
        )
    return french_html(html) if language == "fr" else html


def record_pdf(data: CompletionRecord, language: str) -> bytes:
    """The record as a PDF; nothing is fetched from the network while rendering."""
    from weasyprint import CSS, HTML

    def no_fetch(url: str, *args, **kwargs):
        raise ValueError(f"completion records load no external resource ({url})")

    html = HTML(string=record_html(data, language, for_pdf=True), url_fetcher=no_fetch)
    return html.write_pdf(stylesheets=[CSS(filename=str(RECORD_CSS))])
