"""`flask users …`: account administration from the shell."""

import secrets

import click
from flask.cli import AppGroup

from lms.auth import service
from lms.auth.models import LANGUAGES, ROLES, Role
from lms.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(ROLES), default=Role.COACH.value, show_default=True)
@click.option("--language", type=click.Choice(LANGUAGES), default="fr", show_default=True)
@click.option(
    "--password", help="Initial password (a random one is generated and printed if omitted)."
)
def create(email: str, display_name: str, role: str, language: str, password: str | None) -> None:
    """Create an account."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = service.create_user(
            db.session,
            email=email,
            display_name=display_name,
            role=role,
            language=language,
            password=password,
        )
    except service.AccountError as error:
        raise click.ClickException(f"{error.field}: {error}") from None
    db.session.commit()
    click.echo(f"created {user.role} {user.email}")
    if generated:
        click.echo(f"password: {password}")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.password_option()
def set_password(email: str, password: str) -> None:
    """Set the password of an account."""
    from lms.auth.queries import get_user_by_email

    user = get_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    try:
        service.set_password(user, password)
    except service.AccountError as error:
        raise click.ClickException(str(error)) from None
    service.end_sessions(db.session, user)
    db.session.commit()
    click.echo(f"password changed for {user.email}")
