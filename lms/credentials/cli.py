"""``flask credentials``: the issuer's keys and the verification of a credential file."""

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from lms.credentials import keys
from lms.credentials import service as credentials
from lms.extensions import db

credentials_cli = AppGroup("credentials", help="Open Badges 3.0 credentials.")


@credentials_cli.command("keygen")
@with_appcontext
def keygen_command() -> None:
    """Generate a signing key; it signs from now on, the older keys stay published so the
    credentials they signed keep verifying (run it again to rotate)."""
    settings = credentials.settings_from(current_app.config)
    before = len(keys.load_all(settings.key_dir))
    key = keys.generate(settings.key_dir)
    click.echo(f"new signing key {key.key_id} in {settings.key_dir}")
    if before:
        click.echo(f"{before} older key(s) kept for the credentials they signed")


@credentials_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_command(file: Path) -> None:
    """Check a credential file: signature, issuer key, dates, status list and schema."""
    try:
        document = json.loads(file.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{file}: not a JSON file ({error})") from None
    settings = credentials.settings_from(current_app.config)
    result = credentials.verify_document(db.session, settings, document)
    if result.valid:
        click.echo(f"{file}: valid ({', '.join(result.checks)} checked)")
        return
    for problem in result.problems:
        click.echo(f"{file}: {problem}", err=True)
    raise click.exceptions.Exit(1)
