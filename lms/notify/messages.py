"""What each notification says and to whom, read from committed rows; one composer per kind."""

from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, format_date, format_time, gettext
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import mailer
from lms.auth.models import Cohort, User
from lms.catalog import queries as catalog
from lms.catalog.models import Unit
from lms.competence.models import VALIDATED, Decision
from lms.competence.service import standing_decision
from lms.formats import localised, public_url
from lms.i18n import N_
from lms.live.models import LiveSession
from lms.notify import preferences
from lms.notify.calendar import event_file
from lms.quiz.models import AttemptSlot, Grade
from lms.timeutil import utcnow

SUBJECTS = {
    preferences.ESSAY_GRADED: N_("%(code)s: a trainer graded your answer"),
    preferences.UNIT_DECIDED: N_("%(code)s: your unit was validated"),
    preferences.SESSION_SCHEDULED: N_("Live session %(code)s on %(when)s"),
    preferences.CREDENTIAL_ISSUED: N_("A credential was issued to you"),
    preferences.INACTIVITY_REMINDER: N_("Your mobility coach training is waiting for you"),
    preferences.TRAINER_DIGEST: N_("What waits for you this week"),
}
REFUSED_SUBJECT = N_("%(code)s: decision on your unit")
STARTED_NOW = timedelta(minutes=5)


def to_user(
    session: Session,
    user: User | None,
    kind: str,
    subject: str = "",
    attachments=(),
    switched_off: set[int] | None = None,
    **context,
) -> list[EmailMultiAlternatives]:
    """The ``kind`` message for ``user``, or none when they are inactive or switched it off
    (``switched_off``: who did, when the caller already knows)."""
    if user is None or not user.active:
        return []
    if switched_off is None:
        switched_off = preferences.switched_off(session, [user.id], kind)
    if user.id in switched_off:
        return []
    return [
        mailer.compose(
            user.email,
            user.language,
            subject or SUBJECTS[kind],
            f"notify_{kind}",
            attachments=attachments,
            user=user,
            preferences_link=public_url("notify.preferences"),
            **context,
        )
    ]


def essay_graded(session: Session, *, grade_id: int) -> list[EmailMultiAlternatives]:
    grade = session.get(Grade, grade_id)
    if grade is None or grade.grader_id is None:
        return []
    slot = session.get(AttemptSlot, grade.slot_id)
    attempt = slot.attempt
    module = catalog.module_by_code(session, attempt.module_code)
    return to_user(
        session,
        session.get(User, attempt.user_id),
        preferences.ESSAY_GRADED,
        code=attempt.module_code,
        module_title=module.title if module else {},
        position=slot.position,
        fraction=grade.fraction,
        comment=grade.comment or "",
        link=public_url("delivery.result", attempt_id=attempt.id),
    )


def unit_decided(session: Session, *, decision_id: int) -> list[EmailMultiAlternatives]:
    decision = session.get(Decision, decision_id)
    if decision is None or decision.revoked_at is not None:
        return []
    unit = session.scalar(select(Unit).where(Unit.code == decision.unit_code))
    validated = decision.decision == VALIDATED
    competence = None
    if validated and unit is not None:
        codes = [member.code for member in unit.competence.units if member.active]
        if all(standing_decision(session, decision.coach_id, code) for code in codes):
            competence = unit.competence
    trainer = session.get(User, decision.decided_by_id) if decision.decided_by_id else None
    return to_user(
        session,
        session.get(User, decision.coach_id),
        preferences.UNIT_DECIDED,
        subject="" if validated else REFUSED_SUBJECT,
        code=decision.unit_code,
        unit_title=unit.title if unit else {},
        validated=validated,
        modality=decision.modality,
        trainer_name=trainer.display_name if trainer else "",
        note=decision.note,
        competence=competence,
        link=public_url("delivery.progress"),
    )


def session_scheduled(session: Session, *, live_id: int) -> list[EmailMultiAlternatives]:
    live = session.get(LiveSession, live_id)
    if live is None or live.state == "ended" or live.scheduled_at < live.created_at + STARTED_NOW:
        return []  # a session started now has its coaches in the room
    module = catalog.module_by_code(session, live.module_code)
    trainer = session.get(User, live.trainer_id)
    coaches = [coach for coach in live_cohort_coaches(session, live) if coach.active]
    off = preferences.switched_off(
        session, [coach.id for coach in coaches], preferences.SESSION_SCHEDULED
    )
    link = public_url("web.home")
    outgoing = []
    for coach in (coach for coach in coaches if coach.id not in off):
        with force_locale(coach.language):
            start = live.scheduled_at
            when = f"{format_date(start, 'full')}, {format_time(start, 'short')}"
            summary = f"{live.title} — {localised(module.title, coach.language)}"
            description = gettext(
                "Live session of module %(code)s led by %(trainer)s. Join it from your home "
                "page: %(link)s",
                code=live.module_code, trainer=trainer.display_name, link=link,
            )  # fmt: skip
        calendar = event_file(
            uid=f"{live.public_id}@{current_app.config['BASE_URL'].split('//')[-1]}",
            start=live.scheduled_at,
            minutes=module.duration_minutes or 60,
            summary=summary,
            description=description,
            url=link,
            location=live.webinar_url or "",
            organizer=(trainer.display_name, trainer.email),
            stamp=utcnow(),
        )
        outgoing += to_user(
            session,
            coach,
            preferences.SESSION_SCHEDULED,
            attachments=[("live-session.ics", calendar, "text/calendar; method=PUBLISH")],
            switched_off=off,
            code=live.module_code,
            when=when,
            live=live,
            module_title=module.title,
            trainer_name=trainer.display_name,
            link=link,
        )
    return outgoing


def live_cohort_coaches(session: Session, live: LiveSession) -> list[User]:
    cohort = session.get(Cohort, live.cohort_id)
    return list(cohort.coaches) if cohort else []


def credential_issued(
    session: Session, *, user_id: int, title: dict | str, url: str
) -> list[EmailMultiAlternatives]:
    return to_user(
        session,
        session.get(User, user_id),
        preferences.CREDENTIAL_ISSUED,
        title=title,
        link=url,
    )


COMPOSERS: dict[str, Callable[..., list[EmailMultiAlternatives]]] = {
    preferences.ESSAY_GRADED: essay_graded,
    preferences.UNIT_DECIDED: unit_decided,
    preferences.SESSION_SCHEDULED: session_scheduled,
    preferences.CREDENTIAL_ISSUED: credential_issued,
}
