"""flask privacy: the commands that apply the GDPR rights and retention periods."""

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from lms.auth import audit
from lms.auth.models import User
from lms.extensions import db
from lms.privacy import erasure, retention
from lms.privacy.notice import retention_days
from lms.timeutil import utcnow

privacy_cli = AppGroup("privacy", help="Personal data: retention periods and erasure.")

KIND_LABELS = {
    "trail": "learning trail (modules opened, lessons done, live presence): rows deleted",
    "answers": "answers and essays: attempts whose answers were deleted",
    "evidence": "evidence files: decisions whose file was deleted",
    "accounts": "inactive accounts: people pseudonymised",
}


class Moment(click.ParamType):
    """An ISO 8601 date or date and time; UTC when it names no offset."""

    name = "ISO-8601"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            self.fail(
                f"{value!r} is not an ISO 8601 date or time (e.g. 2027-06-30 or "
                "2027-06-30T08:00:00+02:00)",
                param,
                ctx,
            )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


@privacy_cli.command("retention")
@click.option("--dry-run", is_flag=True, help="Report what would be deleted; change nothing.")
@click.option("--now", "moment", type=Moment(), help="Apply the periods as on this day (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON, with every id and path.")
def retention_command(dry_run: bool, moment: datetime | None, as_json: bool) -> None:
    """Apply the retention periods: delete what has reached the end of its period (run daily)."""
    now = moment or utcnow()
    periods = retention_days(current_app.config)
    session = db.session()
    found = retention.plan(session, periods=periods, now=now)
    if dry_run or found.is_empty:
        session.rollback()  # the plan only reads; a dry run locks and touches nothing
    else:
        retention.apply(session, found, upload_dir=Path(current_app.config["UPLOAD_DIR"]))
        audit.record(
            session, "privacy.retention", subject=f"retention:{now:%Y-%m-%d}", detail=found.counts()
        )
        session.commit()
    report = found.report()
    if as_json:
        document = {"now": now.isoformat(), "dry_run": dry_run, "periods": periods, **report}
        click.echo(json.dumps(document, indent=1))
        return
    heading = "dry run, nothing changed" if dry_run else "applied"
    click.echo(f"Retention periods at {now.isoformat()} ({heading}):")
    for kind, label in KIND_LABELS.items():
        click.echo(f"  {label}: {report[kind]['count']}")


@privacy_cli.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Erase without asking for confirmation.")
def erase_command(email: str, yes: bool) -> None:
    """Erase the person with this e-mail address; print what each external LRS holds about
    them (shown once, stored nowhere)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.BadParameter(f"no account with the address {email!r}", param_hint="EMAIL")
    if not yes:
        question = f"Erase {user.display_name} <{user.email}>? This cannot be undone"
        click.confirm(question, abort=True)
    try:
        done = erasure.erase_person(db.session, user, erased_by=None, now=utcnow())
    except erasure.ErasureRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    done.delete_files(Path(current_app.config["UPLOAD_DIR"]))
    for label, number in done.labelled(done.deleted):
        click.echo(f"deleted: {label}: {number}")
    for label, number in done.labelled(done.kept):
        click.echo(f"kept under the tombstone: {label}: {number}")
    click.echo(f"statements rewritten to name nobody: {done.statements_rewritten}")
    agents = erasure.lrs_instructions(done, current_app.config)
    if not agents:
        click.echo("no external LRS received statements about this person")
    for row in agents:
        click.echo(
            "ask the operator of LRS endpoint {endpoint} ({actor_identity}) to delete the "
            "{statements} statement(s) of the agent {agent}".format(
                **{**row, "agent": json.dumps(row["agent"], ensure_ascii=False)}
            )
        )
