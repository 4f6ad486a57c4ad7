"""flask privacy: the commands that apply the GDPR rights and retention periods."""

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.auth import audit
from lms.extensions import db
from lms.privacy import retention
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
