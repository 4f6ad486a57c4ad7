"""`flask content …`: validate the content files and export the framework as CASE."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from lms.catalog.case import framework_to_case
from lms.catalog.service import load_content
from lms.catalog.validation import LANGUAGES, Report, validate_tree
from lms.extensions import db

content_cli = AppGroup("content", help="Validate, export and load the course content.")

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
    help="Folder holding content/ and quizzes/ (default: the CONTENT_ROOT setting).",
)


def _question_types():
    """The question-type registry the application was built with (the catalog sits below it)."""
    return current_app.extensions["lms.question_types"]


def _count(number: int, what: str) -> str:
    return f"{number} {what}{'' if number == 1 else 's'}"


def _root(root: Path | None) -> Path:
    return root if root is not None else Path(current_app.config["CONTENT_ROOT"])


def report_summary(report: Report) -> dict[str, Any]:
    """The report as one JSON-ready object (what ``validate --json`` prints)."""
    content = report.content
    per_skill: dict[str, int] = {skill.id: 0 for skill in content.framework.skills}
    scenarios: dict[str, int] = {}
    for question in content.questions:
        scenario = question.definition.get("scenario") is True
        for skill_id in question.skills:
            per_skill[skill_id] = per_skill.get(skill_id, 0) + 1
            scenarios[skill_id] = scenarios.get(skill_id, 0) + scenario
    cues = {bank.module: bank.as_dict() for bank in report.cues}
    modules = []
    for module in content.modules:
        quiz = content.quiz(module.code)
        questions = quiz.questions if quiz else ()
        languages = [
            lang
            for lang in sorted(LANGUAGES)
            if module.lessons and all(lesson.source.get(lang).strip() for lesson in module.lessons)
        ]
        modules.append(
            {
                "code": module.code,
                "lessons": len(module.lessons),
                "questions": len(questions),
                "question_types": sorted({question.type for question in questions}),
                "languages": languages,
                "cues": cues.get(module.code),
            }
        )
    skills = [
        {
            "id": skill.id,
            "unit": skill.unit,
            "questions": per_skill.get(skill.id, 0),
            "scenarios": scenarios.get(skill.id, 0),
        }
        for skill in content.framework.skills
    ]
    return {
        "ok": report.ok,
        "errors": [error.as_dict() for error in report.errors],
        "warnings": [warning.as_dict() for warning in report.warnings],
        "modules": modules,
        "skills": skills,
    }


@content_cli.command("validate")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of lines.")
@root_option
def validate_command(as_json: bool, root: Path | None) -> None:
    """Check every content file; list each problem as file:line: field: message."""
    report = validate_tree(_root(root), question_types=_question_types())
    if as_json:
        click.echo(json.dumps(report_summary(report), ensure_ascii=False, indent=2))
    else:
        for error in report.errors:
            click.echo(str(error))
        for warning in report.warnings:
            click.echo(f"warning: {warning}")
        content = report.content
        if report.ok:
            lessons = sum(len(module.lessons) for module in content.modules)
            click.echo(
                f"content OK: {_count(len(content.modules), 'module')}, "
                f"{_count(lessons, 'lesson')}, {_count(len(content.questions), 'question')}, "
                f"{_count(len(content.framework.skills), 'skill')}"
                + (f" ({_count(len(report.warnings), 'warning')})" if report.warnings else "")
            )
        else:
            files = len({error.file for error in report.errors})
            click.echo(f"{_count(len(report.errors), 'error')} in {_count(files, 'file')}")
    if not report.ok:
        raise SystemExit(1)


@content_cli.command("export-case")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write (default: standard output).",
)
@root_option
def export_case_command(out: Path | None, root: Path | None) -> None:
    """Export the reference framework as a 1EdTech CASE 1.1 package (JSON)."""
    report = validate_tree(_root(root), question_types=_question_types())
    if not report.ok:
        for error in report.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(
            f"the content has {len(report.errors)} errors; fix them before exporting"
        )
    package = framework_to_case(report.content.framework, base_uri=current_app.config["BASE_IRI"])
    text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out} ({len(package['CFItems'])} items)", err=True)


@content_cli.command("load")
@root_option
def load_command(root: Path | None) -> None:
    """Validate, then load the content into the database in one transaction (versioned)."""
    report = validate_tree(_root(root), question_types=_question_types())
    if not report.ok:
        for error in report.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(
            f"the content has {_count(len(report.errors), 'error')}; nothing was loaded"
        )
    try:
        summary = load_content(db.session, report)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for line in summary.lines():
        click.echo(line)
    click.echo("content loaded" if summary.changed else "content unchanged")
