"""flask notify weekly: the reminders and digests, run once a week by the scheduler."""

import click
from flask import current_app
from flask.cli import AppGroup

from lms import mailer
from lms.extensions import db
from lms.notify.weekly import weekly_messages
from lms.timeutil import utcnow

notify_cli = AppGroup("notify", help="E-mail notifications.")


@notify_cli.command("weekly")
@click.option(
    "--inactive-days",
    type=click.IntRange(min=1),
    default=None,
    help="Remind the coaches inactive for this many days (default: LMS_INACTIVE_DAYS).",
)
def weekly(inactive_days: int | None) -> None:
    """Remind inactive coaches; send each trainer a digest of what waits for them."""
    days = inactive_days or current_app.config["INACTIVE_DAYS"]
    with current_app.test_request_context():  # links are built on LMS_BASE_URL
        run = weekly_messages(db.session, inactive_days=days, now=utcnow())
        sent = mailer.send_all(run.reminders + run.digests)
    db.session.rollback()
    total = len(run.reminders) + len(run.digests)
    click.echo(
        f"{len(run.reminders)} reminders to coaches inactive for {days} days, "
        f"{len(run.digests)} digests to trainers; {sent} of {total} sent."
    )
    if sent < total:
        raise SystemExit(1)
