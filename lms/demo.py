"""`flask demo …`: demonstration accounts and data for a fresh install."""

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.auth import service
from lms.auth.models import Cohort, User
from lms.auth.policy import Role
from lms.extensions import db

demo_cli = AppGroup("demo", help="Demonstration data.")

DEMO_PASSWORD = "mobility-demo"  # noqa: S105 - printed on purpose, with a warning
# Cohort names are data, shown as typed: the demo's are in French, the interface's default.
DEMO_COHORT = "Promotion de démonstration"
FORMER_DEMO_COHORT = "Demo cohort"
DEMO_ACCOUNTS = (
    ("admin@example.org", "Alice Admin", Role.ADMIN, "fr"),
    ("trainer@example.org", "Thomas Formateur", Role.TRAINER, "fr"),
    ("coach@example.org", "Camille Coach", Role.COACH, "fr"),
    ("coach2@example.org", "Chris Coach", Role.COACH, "en"),
)


def seed_demo(session) -> list[User]:
    """Create the demo cohort and accounts if missing; leave existing ones untouched."""
    cohort = session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
    if cohort is None:
        former = session.scalar(select(Cohort).where(Cohort.name == FORMER_DEMO_COHORT))
        if former is not None:
            former.name = DEMO_COHORT
        cohort = former or service.create_cohort(session, DEMO_COHORT)
    users = []
    for email, name, role, language in DEMO_ACCOUNTS:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = service.create_user(
                session,
                email=email,
                display_name=name,
                role=role,
                language=language,
                password=DEMO_PASSWORD,
            )
        if role == Role.COACH:
            service.enrol_coach(cohort, user)
        elif role == Role.TRAINER:
            service.assign_trainer(cohort, user)
        users.append(user)
    session.flush()
    return users


@demo_cli.command("seed")
def seed() -> None:
    """Create the demo cohort and accounts (idempotent)."""
    users = seed_demo(db.session)
    db.session.commit()
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for user in users:
        click.echo(f"  {user.role:8} {user.email}")
    click.secho(
        "WARNING: these accounts share a public password. Change it or deactivate them "
        "before real coaches use this server.",
        fg="yellow",
    )


@demo_cli.command("simulate")
@click.option("--coaches", default=20, show_default=True, help="How many coaches to create.")
@click.option("--seed", default=1, show_default=True, help="Same seed, same cohort.")
def simulate(coaches: int, seed: int) -> None:
    """A cohort of coaches taking the modules through the real services (lessons, attempts,
    a live session, grading and validations), dated over the past four weeks."""
    from flask import current_app

    from lms.demo_simulation import simulate_cohort
    from lms.notices import silenced
    from lms.xapi.outbox import config_from

    trainer = next(user for user in seed_demo(db.session) if user.role == Role.TRAINER)
    with silenced(db.session):  # simulated coaches get no e-mail
        summary = simulate_cohort(
            db.session,
            trainer=trainer,
            coaches=coaches,
            seed=seed,
            xapi=config_from(current_app.config),
            upload_dir=Path(current_app.config["UPLOAD_DIR"]),
        )
        db.session.commit()
    click.echo(
        f"{summary.coaches} coaches, {summary.lessons} lessons done, {summary.attempts} attempts, "
        f"{summary.live_participants} live participants, {summary.evidence_files} evidence "
        f"files, {summary.validations} trainer "
        f"validations, {summary.refusals} refusals, {summary.revocations} revocations"
    )
