"""Operator commands that belong to no single domain."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from lms import backup as backup_service
from lms.credentials import keys
from lms.extensions import db
from lms.timeutil import utcnow


@click.command("db-check")
@with_appcontext
def db_check() -> None:
    """Check that the database can be reached; one clear line either way."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    shown = url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise click.ClickException(f"cannot reach the database {shown}: {reason}") from None
    click.echo(f"database reachable: {shown}")


@click.command("setup")
@click.option("--demo", is_flag=True, help="Also create the demo cohort and accounts.")
@click.pass_context
@with_appcontext
def setup(ctx: click.Context, demo: bool) -> None:
    """Everything a server needs before it starts, in one process: database, content, demo."""
    import flask_migrate

    from lms.catalog.cli import load_command
    from lms.demo import seed

    ctx.invoke(db_check)
    flask_migrate.upgrade()
    if any((current_app.config["CONTENT_ROOT"] / "content").glob("*")):
        ctx.invoke(load_command, root=None)
    if demo:
        ctx.invoke(seed)
    key_dir = Path(current_app.config["CREDENTIAL_KEY_DIR"])
    if not keys.load_all(key_dir):
        click.echo(f"credential signing key {keys.generate(key_dir).key_id} created")


@click.command("issue-missing")
@with_appcontext
def issue_missing_credentials() -> None:
    """Record and sign the credentials of decisions taken before credentials were issued."""
    from lms.competence.credentials import record_missing
    from lms.credentials import service as credentials

    recorded = record_missing(db.session)
    signed = credentials.sign_pending(db.session, credentials.settings_from(current_app.config))
    db.session.commit()
    click.echo(f"{recorded} credential(s) recorded, {signed} signed")


@click.command("close-overdue-attempts")
@with_appcontext
def close_overdue_attempts() -> None:
    """Submit the attempts past their time limit (run it every minute, e.g. from cron)."""
    from lms.competence.service import close_overdue_attempts as sweep
    from lms.xapi.outbox import config_from

    closed = sweep(db.session, xapi=config_from(current_app.config))
    db.session.commit()
    click.echo(f"closed {len(closed)} overdue attempt(s)")


def _database_url() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


def _default_backup_file() -> Path:
    suffix = ".sqlite3" if backup_service.backend(_database_url()) == "sqlite" else ".dump"
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return Path(current_app.config["INSTANCE_PATH"]) / "backups" / f"lms-{stamp}{suffix}"


@click.command("backup")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Backup file (default: <instance>/backups/lms-<UTC time>.sqlite3 or .dump).",
)
@with_appcontext
def backup(out: Path | None) -> None:
    """Back up the whole database while the server runs (SQLite online backup, or pg_dump)."""
    out = out or _default_backup_file()
    try:
        backup_service.backup(_database_url(), out)
    except backup_service.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written to {out}")


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore(backup_file: Path) -> None:
    """Load a backup into the configured database, which must be new and empty."""
    existing = inspect(db.engine).get_table_names()
    db.engine.dispose()
    try:
        backup_service.restore(backup_file, _database_url(), existing)
    except backup_service.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {backup_file}; run flask setup if the release is newer than the backup")


@click.command("rebuild-records")
@click.option(
    "--from-lrs",
    "from_lrs",
    is_flag=True,
    required=True,
    help="Read the statements from the LRS (GET /statements only), never from our database.",
)
@click.option(
    "--endpoint", "endpoint_name", help="The LRS endpoint by name (default: LMS_LRS_URL)."
)
@click.option(
    "--compare", is_flag=True, help="Compare with the database's decisions; exit 1 if they differ."
)
@click.option(
    "--mapping",
    type=click.File("r", encoding="utf-8"),
    help="The centre's mapping file (flask xapi actor-map) of a pseudonymous LRS.",
)
@with_appcontext
def rebuild_records(from_lrs: bool, endpoint_name: str | None, compare: bool, mapping) -> None:
    """Rebuild every coach's validations (units, dates, validators, modalities, scores, the
    attempts and evidence files they rest on, competences held) from what the LRS holds."""
    import json

    from lms.competence.record import evidence_records
    from lms.xapi import identity, rebuild
    from lms.xapi.client import LrsClient
    from lms.xapi.queries import endpoints

    config = current_app.config
    people = None
    if mapping is not None:
        try:
            people = identity.read_mapping(mapping.read())
        except ValueError as error:
            raise click.BadParameter(f"{mapping.name}: {error}", param_hint="--mapping") from None
    url, username, password = config["LRS_URL"], config["LRS_USERNAME"], config["LRS_PASSWORD"]
    if endpoint_name:
        found = [e for e in endpoints(db.session) if e.name == endpoint_name]
        if not found:
            raise click.BadParameter(
                f"no endpoint named {endpoint_name!r}", param_hint="--endpoint"
            )
        url, username, password = found[0].url, found[0].username, found[0].password
    if not url:
        raise click.UsageError("no LRS: set LMS_LRS_URL or name an endpoint with --endpoint")
    with LrsClient(url, username, password, config.get("XAPI_VERSION", "1.0.3")) as lrs:
        statements = list(lrs.statements())
        known = {statement["id"] for statement in statements}
        for statement in list(statements):
            target = statement["object"].get("id")
            if statement["verb"]["id"].endswith("/voided") and target not in known:
                voided = lrs.voided_statement(target)
                if voided is not None:
                    statements.append(voided)
    if people is not None:
        statements = [identity.reidentify(statement, people) for statement in statements]
    rebuilt = rebuild.rebuild(statements, config["BASE_IRI"])
    if not compare:
        for email, record in sorted(rebuilt.items()):
            units, competences = record.normalised()
            entry = {"coach": email, "competences": competences, "units": [vars(u) for u in units]}
            click.echo(json.dumps(entry, ensure_ascii=False))
        return
    differences = rebuild.compare(evidence_records(db.session), rebuilt)
    units = [unit for record in rebuilt.values() for unit in record.units]
    files = sum(unit.evidence_sha256 is not None for unit in units)
    for line in differences:
        click.echo(line)
    click.echo(
        f"{len(rebuilt)} coaches, {len(units)} unit decisions ({files} with an evidence file) "
        f"rebuilt from {len(statements)} statements: "
        f"{'equal' if not differences else f'{len(differences)} differences'}"
    )
    if differences:
        raise SystemExit(1)
