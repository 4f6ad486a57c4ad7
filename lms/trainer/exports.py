"""Downloads of the trainer pages: the rows of the CSV files (written by lms.spreadsheets) and
completion records as PDF (WeasyPrint)."""

import re
import unicodedata
from pathlib import Path

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.competence.queries import CompletionLine, Matrix
from lms.competence.record import CompletionRecord
from lms.formats import modality
from lms.quiz.statistics import Statistics
from lms.trainer.labels import DECISION_LABELS, STATUS_LABELS
from lms.typography import french_html

RECORD_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "record.css"


def matrix_rows(matrix: Matrix) -> list[list]:
    header = [_("Coach"), _("Email"), _("Last activity")]
    for unit in matrix.units:
        header += [
            _("Unit %(unit)s: status", unit=unit.code),
            _("Unit %(unit)s: best score (%%)", unit=unit.code),
            _("Unit %(unit)s: last activity", unit=unit.code),
        ]
    header += [
        _("Competence %(competence)s: status", competence=c.code) for c in matrix.competences
    ]
    rows = [header]
    for row in matrix.rows:
        line = [row.name, row.email, row.last_activity]
        for unit in matrix.units:
            cell = row.cells[unit.code]
            best = None if cell.best_score is None else round(cell.best_score * 100, 1)
            line += [str(STATUS_LABELS[cell.status]), best, cell.last_activity]
        line += [str(STATUS_LABELS[row.competences[c.code]]) for c in matrix.competences]
        rows.append(line)
    return rows


def completion_rows(lines: list[CompletionLine]) -> list[list]:
    status = {**DECISION_LABELS, "revoked": _("Revoked")}
    header = [_("Coach"), _("Email"), _("Competence"), _("Unit"), _("Status"), _("Date"),
              _("Modality"), _("Validator"), _("Score (%)")]  # fmt: skip
    return [header] + [
        [
            line.coach,
            line.email,
            line.competence,
            line.unit,
            str(status[line.status]),
            line.decided_at,
            modality(line.modality),
            line.validator or _("Automatic (quiz rule)"),
            None if line.score is None else round(100 * line.score, 1),
        ]  # fmt: skip
        for line in lines
    ]


def statistics_rows(stats: Statistics) -> list[list]:
    quiz = stats.quiz
    rows = [
        [
            "n",
            "mean",
            "median",
            "sd",
            "skewness",
            "kurtosis",
            "cic",
            "error_ratio",
            "standard_error",
        ],
        [
            quiz.n,
            quiz.mean,
            quiz.median,
            quiz.sd,
            quiz.skewness,
            quiz.kurtosis,
            quiz.cic,
            quiz.error_ratio,
            quiz.standard_error,
        ],
        [],
        [
            "question",
            "max_mark",
            "facility",
            "sd",
            "discrimination_index",
            "discriminative_efficiency",
            "effective_weight",
        ],
    ]
    for q in stats.questions:
        rows.append(
            [
                q.id,
                q.max_mark,
                q.facility,
                q.sd,
                q.discrimination_index,
                q.discriminative_efficiency,
                q.effective_weight,
            ]
        )
    return rows


def record_filename(data: CompletionRecord) -> str:
    ascii_name = unicodedata.normalize("NFKD", data.coach_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower() or "coach"
    return f"completion-record-{data.coach_id}-{slug}.pdf"


def record_html(data: CompletionRecord, language: str, *, for_pdf: bool = False) -> str:
    with force_locale(language):
        html = render_template(
            "trainer/record_document.html", record=data, language=language, for_pdf=for_pdf
        )
    return french_html(html) if language == "fr" else html


def record_pdf(data: CompletionRecord, language: str) -> bytes:
    """The record as a PDF; nothing is fetched from the network while rendering."""
    from weasyprint import CSS, HTML

    def no_fetch(url: str, *args, **kwargs):
        raise ValueError(f"completion records load no external resource ({url})")

    html = HTML(string=record_html(data, language, for_pdf=True), url_fetcher=no_fetch)
    return html.write_pdf(stylesheets=[CSS(filename=str(RECORD_CSS))])
