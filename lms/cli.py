"""Operator commands that belong to no single domain."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from lms.extensions import db


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


@click.command("close-overdue-attempts")
@with_appcontext
def close_overdue_attempts() -> None:
    """Submit the attempts past their time limit (run it every minute, e.g. from cron)."""
    from lms.competence.service import close_overdue_attempts as sweep
    from lms.xapi.outbox import config_from

    closed = sweep(db.session, xapi=config_from(current_app.config))
    db.session.commit()
    click.echo(f"closed {len(closed)} overdue attempt(s)")
