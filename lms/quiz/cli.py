"""Quiz commands: item statistics from a marks CSV, GIFT import into a bank, GIFT export."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup

from lms.quiz.gift import Problem, parse_gift, write_gift
from lms.quiz.gift_import import LANGUAGES, for_bank, import_gift, located_errors, preview
from lms.quiz.statistics import compute_statistics, statistics_as_dict

quiz_cli = AppGroup("quiz", help="Question banks (GIFT import and export) and item statistics.")

MODULE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


# --- stats ------------------------------------------------------------------------------------


def _number(cell: str, where: str) -> float:
    text = cell.strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise click.UsageError(f"{where}: '{cell}' is not a number") from None
    if not math.isfinite(value):
        raise click.UsageError(f"{where}: '{cell}' is not a finite number")
    return value


def read_marks_csv(path: Path) -> tuple[list[str], list[float], list[list[float]]]:
    """Question ids, maximum marks and the marks matrix of a CSV; UsageError on bad input.

    Layout: a header ``attempt,<question id>,…``; optionally a row whose first cell is ``max``
    with each question's maximum mark (default 1); then one row per attempt. A semicolon
    separator (with decimal commas) is accepted as spreadsheets write it in French.
    """
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise click.UsageError(f"{path}: cannot be read: {error}") from None
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(content.splitlines(), delimiter=delimiter)
    ids: list[str] = []
    maxima: list[float] | None = None
    marks: list[list[float]] = []
    for row in reader:
        where = f"{path}:{reader.line_num}"
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if not ids:
            ids = _header_ids(cells, where)
            continue
        if len(cells) != len(ids) + 1:
            raise click.UsageError(
                f"{where}: expected {len(ids) + 1} cells (attempt and {len(ids)} marks), "
                f"found {len(cells)}"
            )
        if cells[0].lower() == "max":
            if maxima is not None or marks:
                raise click.UsageError(f"{where}: the max row must come right after the header")
            maxima = _maxima(ids, cells, where)
            continue
        marks.append(_row_marks(ids, cells, maxima or [1.0] * len(ids), where))
    if not ids:
        raise click.UsageError(
            f"{path}:1: empty file: a header attempt,<question id>,... is needed"
        )
    return ids, maxima or [1.0] * len(ids), marks


def _header_ids(cells: list[str], where: str) -> list[str]:
    if cells[0].lower() != "attempt" or len(cells) < 2:
        raise click.UsageError(f"{where}: the header must be attempt,<question id>,...")
    ids = cells[1:]
    for index, question_id in enumerate(ids):
        if not question_id:
            raise click.UsageError(f"{where}: column {index + 2} has no question id")
        if ids.index(question_id) != index:
            raise click.UsageError(f"{where}: duplicate question id '{question_id}'")
    return ids


def _maxima(ids: list[str], cells: list[str], where: str) -> list[float]:
    maxima = [_number(cell, where) for cell in cells[1:]]
    for question_id, maximum in zip(ids, maxima, strict=True):
        if maximum <= 0:
            raise click.UsageError(f"{where}: the maximum mark of {question_id} must be positive")
    return maxima


def _row_marks(ids: list[str], cells: list[str], maxima: list[float], where: str) -> list[float]:
    row_marks = [_number(cell, where) for cell in cells[1:]]
    for question_id, mark, maximum in zip(ids, row_marks, maxima, strict=True):
        if mark > maximum:
            raise click.UsageError(
                f"{where}: mark {mark:g} of {question_id} is above its maximum {maximum:g}"
            )
    return row_marks


@quiz_cli.command("stats")
@click.option(
    "--marks-csv",
    "marks_csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV: attempt,<question id>,...; an optional 'max' row; one row per attempt.",
)
@click.option("--quiz", "quiz_id", type=int, help="A quiz id: its graded attempts in the database.")
def stats_command(marks_csv: Path | None, quiz_id: int | None) -> None:
    """Print the quiz and item statistics of a marks matrix as one JSON object."""
    if (marks_csv is None) == (quiz_id is None):
        raise click.UsageError("give exactly one of --marks-csv FILE or --quiz ID")
    if marks_csv is not None:
        ids, maxima, marks = read_marks_csv(marks_csv)
    else:
        from lms.extensions import db
        from lms.quiz.queries import quiz_marks

        matrix = quiz_marks(db.session, quiz_id)
        if matrix.left_out:
            click.echo(f"left out (not in every attempt): {', '.join(matrix.left_out)}", err=True)
        ids, maxima, marks = matrix.question_ids, matrix.max_marks, matrix.marks
    stats = compute_statistics(marks, maxima, ids)
    click.echo(json.dumps(statistics_as_dict(stats), ensure_ascii=False))


# --- import-gift ------------------------------------------------------------------------------


def _report(file: str, problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(f"{file}:{problem.line}: {problem.message}", err=True)


@quiz_cli.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--module", "module_code", required=True, help="Module code, e.g. C1.1.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="fr", show_default=True)
@click.option("--dry-run", is_flag=True, help="Print what would be imported; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the import summary as JSON.")
@click.option("--strict", is_flag=True, help="Fail (exit 1), importing nothing, on any problem.")
def import_gift_command(
    file: Path, module_code: str, lang: str, dry_run: bool, as_json: bool, strict: bool
) -> None:
    """Import the questions of a GIFT FILE into a module's question bank."""
    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.UsageError(
            f"{file}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    result = parse_gift(text, lang=lang)
    _report(str(file), result.problems)
    for note in result.renamed:
        click.echo(f"{file}:{note.line}: note: {note.message}", err=True)
    if dry_run:
        click.echo(json.dumps(preview(result, lang), ensure_ascii=False, indent=2))
        if strict and result.problems:
            raise SystemExit(1)
        return
    if strict and result.problems:
        click.echo(f"{len(result.problems)} problem(s): nothing imported (--strict)", err=True)
        raise SystemExit(1)

    from lms.catalog.service import ContentInvalid
    from lms.extensions import db

    questions = [for_bank(q, module_code, f"GIFT import: {file.name}") for q in result.questions]
    try:
        summary = import_gift(db.session, module_code, questions, source=str(file))
    except ContentInvalid as invalid:
        db.session.rollback()
        for line in located_errors(invalid, result, str(file)):
            click.echo(line, err=True)
        click.echo(f"{len(invalid.errors)} error(s): nothing imported", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    counts = summary.counts["questions"]
    if as_json:
        figures = {
            "module": module_code,
            "questions": len(questions),
            "created": counts.created,
            "new_versions": counts.new_versions,
            "unchanged": counts.unchanged,
            "problems": [{"line": p.line, "message": p.message} for p in result.problems],
            "renamed": [{"line": p.line, "message": p.message} for p in result.renamed],
        }
        click.echo(json.dumps(figures, ensure_ascii=False))
    else:
        renamed = (
            f"; {len(result.renamed)} sharing a name, given their own id" if result.renamed else ""
        )
        click.echo(
            f"{len(questions)} question(s) imported into {module_code}: {counts.created} new, "
            f"{counts.new_versions} new version(s), {counts.unchanged} unchanged{renamed}"
        )


# --- export-gift ------------------------------------------------------------------------------


@quiz_cli.command("export-gift")
@click.option("--module", "module_code", required=True, help="Module code, e.g. C1.1.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: stdout).",
)
@click.option("--lang", type=click.Choice(LANGUAGES), default="fr", show_default=True)
def export_gift_command(module_code: str, out: Path | None, lang: str) -> None:
    """Write a module's question bank (quizzes/<CODE>.yaml) as GIFT, in one language."""
    if not MODULE_CODE.fullmatch(module_code) or ".." in module_code:
        raise click.UsageError(f"'{module_code}' is not a module code (e.g. C1.1)")
    relative = f"quizzes/{module_code}.yaml"
    path = Path(current_app.config["CONTENT_ROOT"]) / relative
    if not path.is_file():
        raise click.UsageError(f"no question bank for module {module_code}: {relative} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{relative}: cannot be read: {error}") from None
    questions = data.get("questions") if isinstance(data, Mapping) else None
    if not isinstance(questions, list):
        raise click.ClickException(f"{relative}: no 'questions' list")
    problems: list[Problem] = []
    text = write_gift(questions, lang=lang, problems=problems)
    for problem in problems:
        click.echo(f"{relative}: questions[{problem.line - 1}]: {problem.message}", err=True)
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    written = len(questions) - len({p.line for p in problems if "not exported" in p.message})
    click.echo(f"{written} question(s) of {module_code} written to {out}")
