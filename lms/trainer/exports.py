"""Downloads of the trainer pages: the rows of the CSV files (written by lms.spreadsheets) and
completion records as PDF (lms.completion_document, shared with the coach's download)."""

from flask_babel import gettext as _

from lms.competence.queries import CompletionLine, Matrix
from lms.formats import modality
from lms.quiz.statistics import Statistics
from lms.trainer.labels import DECISION_LABELS, STATUS_LABELS


def matrix_rows(matrix: Matrix) -> list[list]:
    # Minimisation: a name tells the trainer who is who; the e-mail address serves no purpose.
    header = [_("Coach"), _("Last activity")]
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
        line = [row.name, row.last_activity]
        for unit in matrix.units:
            cell = row.cells[unit.code]
            best = None if cell.best_score is None else round(cell.best_score * 100, 1)
            line += [str(STATUS_LABELS[cell.status]), best, cell.last_activity]
        line += [str(STATUS_LABELS[row.competences[c.code]]) for c in matrix.competences]
        rows.append(line)
    return rows


def completion_rows(lines: list[CompletionLine]) -> list[list]:
    status = {**DECISION_LABELS, "revoked": _("Revoked")}
    header = [_("Coach"), _("Competence"), _("Unit"), _("Status"), _("Date"),
              _("Modality"), _("Validator"), _("Score (%)")]  # fmt: skip
    return [header] + [
        [
            line.coach,
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
