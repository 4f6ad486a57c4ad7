"""The weekly run: a reminder to each coach inactive for some days, and to each trainer a
digest of what waits for them (the counts of their dashboard)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_mailman import EmailMultiAlternatives
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import Cohort, Role, User
from lms.competence import queries
from lms.formats import public_url
from lms.notify import preferences
from lms.notify.messages import to_user


@dataclass(frozen=True)
class CohortWaiting:
    cohort: Cohort
    summary: queries.CohortSummary


@dataclass
class WeeklyRun:
    reminders: list[EmailMultiAlternatives]
    digests: list[EmailMultiAlternatives]


def weekly_messages(session: Session, *, inactive_days: int, now: datetime) -> WeeklyRun:
    """The reminders and digests to send (nothing for whom nothing waits or who said no)."""
    since = now - timedelta(days=inactive_days)
    coaches = [
        coach
        for coach in queries.inactive_coaches(session, since)
        if coach.password_hash is not None  # invited and joined
    ]
    off = preferences.switched_off(
        session, [coach.id for coach in coaches], preferences.INACTIVITY_REMINDER
    )
    reminders = [
        message
        for coach in coaches
        for message in to_user(
            session,
            coach,
            preferences.INACTIVITY_REMINDER,
            switched_off=off,
            days=inactive_days,
            link=public_url("delivery.catalogue"),
        )
    ]
    trainers = session.scalars(
        select(User).where(User.role == Role.TRAINER).order_by(User.id)
    ).all()
    off = preferences.switched_off(
        session, [trainer.id for trainer in trainers], preferences.TRAINER_DIGEST
    )
    summaries: dict[int, queries.CohortSummary] = {}
    digests = []
    for trainer in trainers:
        to_grade = queries.grading_count(session, trainer)
        cohorts = []
        for cohort in trainer.taught_cohorts:
            if cohort.id not in summaries:
                summaries[cohort.id] = queries.cohort_summary(session, cohort.id, since)
            if summaries[cohort.id].decisions or summaries[cohort.id].inactive:
                cohorts.append(CohortWaiting(cohort, summaries[cohort.id]))
        if to_grade or cohorts:
            digests += to_user(
                session,
                trainer,
                preferences.TRAINER_DIGEST,
                switched_off=off,
                to_grade=to_grade,
                cohorts=cohorts,
                days=inactive_days,
                grading_link=public_url("trainer.grading_queue"),
            )
    return WeeklyRun(reminders, digests)
