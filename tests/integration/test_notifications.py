"""Notifications by e-mail, read from the suite's SMTP server: sent after the commit only, in the
recipient's language, text and HTML, each switchable on the recipient's preferences page."""

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from lms.catalog.models import Question, QuestionVersion
from lms.extensions import db
from lms.live.models import LiveSession
from lms.notices import credential_issued
from lms.notify.models import NotificationOptOut
from lms.quiz import service as quiz_service
from tests.support import factories, trainer_data
from tests.support.trainer_data import XAPI
from tests.support.web import Auth, csrf_token


@pytest.fixture
def world(app, db_session, demo_cohort):
    quizzes = trainer_data.make_units(db_session, codes=("T1",))
    demo_cohort["coaches"][1].language = "en"
    db_session.commit()
    return {**demo_cohort, "quiz": quizzes["T1"]}


def _client(app, user):
    client = app.test_client()
    assert Auth(client).login(user.email).status_code == 302
    return client


def _post(client, url: str, data: dict):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def _essay(session, coach, quiz) -> int:
    attempt = quiz_service.start(session, user=coach, quiz=quiz, xapi=XAPI)
    for position, raw in enumerate(("a", "a", "a", "My plan: a briefing"), start=1):
        quiz_service.save_answer(session, attempt, position, raw)
    quiz_service.submit(session, attempt, xapi=XAPI)
    session.commit()
    return attempt.slots[3].id


def _switch_off(session, user, kind):
    session.add(NotificationOptOut(user_id=user.id, kind=kind))
    session.commit()


GRADE = {"level-accuracy": "mastered", "level-support": "partial", "comment": "Clear plan."}


def test_a_graded_essay_is_mailed_to_its_coach_in_their_language(app, db_session, world, mailbox):
    french, english = world["coaches"]
    slots = [_essay(db_session, coach, world["quiz"]) for coach in (french, english)]
    mailbox.clear()
    trainer = _client(app, world["trainer"])
    for slot_id in slots:
        assert _post(trainer, f"/trainer/grading/{slot_id}", GRADE).status_code == 302

    [fr_mail] = mailbox.for_(french.email)
    assert mailbox.subject(fr_mail) == "T1\u00a0: votre réponse a été notée"
    text = mailbox.text(fr_mail)
    assert "question 4 du quiz de T1" in text and "Clear plan." in text
    assert re.search(r"http://127\.0\.0\.1:5000/attempts/\d+/result", text)
    assert "http://127.0.0.1:5000/account/notifications" in mailbox.html(fr_mail)
    [en_mail] = mailbox.for_(english.email)
    assert mailbox.subject(en_mail) == "T1: a trainer graded your answer"
    assert "A trainer graded your answer to question 4 of the quiz of T1" in mailbox.text(en_mail)


def test_a_switched_off_notification_is_not_sent(app, db_session, world, mailbox):
    coach = world["coaches"][1]
    slot_id = _essay(db_session, coach, world["quiz"])
    _switch_off(db_session, coach, "essay_graded")
    mailbox.clear()
    _post(_client(app, world["trainer"]), f"/trainer/grading/{slot_id}", GRADE)
    assert mailbox.for_(coach.email) == []


def test_a_refused_grading_sends_nothing(app, db_session, world, mailbox):
    coach = world["coaches"][1]
    slot_id = _essay(db_session, coach, world["quiz"])
    mailbox.clear()
    missing_level = {"level-accuracy": "mastered"}
    response = _post(_client(app, world["trainer"]), f"/trainer/grading/{slot_id}", missing_level)
    assert response.status_code == 400
    assert mailbox.for_(coach.email) == []


def test_a_rolled_back_transaction_sends_nothing_a_committed_one_sends(app, world, mailbox):
    coach = world["coaches"][1]
    mailbox.clear()
    title = {"fr": "Référent mobilité", "en": "Mobility coach"}
    with app.app_context():
        credential_issued(db.session, user_id=coach.id, title=title, url="https://x.example/c/1")
        db.session.rollback()
        credential_issued(db.session, user_id=coach.id, title=title, url="https://x.example/c/2")
        assert mailbox.for_(coach.email) == []  # not before the commit
        db.session.commit()
    [message] = mailbox.for_(coach.email)
    assert mailbox.subject(message) == "A credential was issued to you"
    assert "Mobility coach" in mailbox.text(message)
    assert "https://x.example/c/2" in mailbox.text(message)


def test_unit_decisions_are_mailed_validated_and_refused(app, db_session, world, mailbox):
    french, english = world["coaches"]
    trainer = _client(app, world["trainer"])
    mailbox.clear()
    for coach, decision in ((french, "validated"), (english, "not_validated")):
        url = f"/trainer/coaches/{coach.id}/units/T1/decision"
        form = {"modality": "observation", "decision": decision, "note": "Vu"}
        answer = _post(trainer, url, form)
        assert answer.status_code == 302

    validated, *credentials = mailbox.for_(french.email)
    assert mailbox.subject(validated) == "T1\u00a0: votre unité est validée"
    # and the unit's and the competence's Open Badges credentials (test_credentials.py)
    assert len(credentials) == 2
    text = mailbox.text(validated)
    assert "Votre unité T1" in text and "est validée" in text
    assert f"Décision de {world['trainer'].display_name}." in text
    # T1 is its competence's only unit: the competence is validated with it.
    assert "la compétence KT1" in text
    [refused] = mailbox.for_(english.email)
    assert mailbox.subject(refused) == "T1: decision on your unit"
    assert "is not validated yet (Observation in a real situation)" in mailbox.text(refused)
    assert "competence" not in mailbox.text(refused)


def test_a_scheduled_live_session_is_mailed_with_a_calendar_file(app, db_session, world, mailbox):
    french, english = world["coaches"]
    _switch_off(db_session, english, "session_scheduled")
    ids = [
        version.id
        for version in db_session.scalars(
            select(QuestionVersion).join(Question).where(Question.code.in_(("T1-Q01", "T1-Q02")))
        )
    ]
    mailbox.clear()
    response = _post(
        _client(app, world["trainer"]),
        "/live/new?module=T1",
        {
            "title": "Webinar T1",
            "cohort": str(world["cohort"].id),
            "scheduled_at": "2030-01-15T10:00",
            "question_seconds": "0",
            "questions": [str(i) for i in ids],
        },
    )
    assert response.status_code == 302
    live = db_session.scalar(select(LiveSession))
    assert mailbox.for_(english.email) == []
    [message] = mailbox.for_(french.email)
    assert mailbox.subject(message) == "Séance en direct T1 le mardi 15 janvier 2030, 10:00"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "live-session.ics"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2030, 1, 15, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert str(event["uid"]).startswith(str(live.public_id))
    assert str(event["summary"]).startswith("Webinar T1")
    assert str(calendar["method"]) == "PUBLISH"


def test_the_preferences_page_switches_notifications(app, db_session, world, mailbox):
    coach = world["coaches"][1]
    client = _client(app, coach)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert page.count('type="checkbox"') == 5 and page.count(" checked") == 5
    kept = ["unit_decided", "session_scheduled", "credential_issued", "inactivity_reminder"]
    assert _post(client, "/account/notifications", {"kinds": kept}).status_code == 302
    assert db_session.scalars(select(NotificationOptOut.kind)).all() == ["essay_graded"]
    refused = _post(client, "/account/notifications", {"kinds": ["trainer_digest"]})
    assert refused.status_code == 400
    assert "Unknown notification: trainer_digest." in refused.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalars(select(NotificationOptOut.kind)).all() == ["essay_graded"]
    trainer_page = _client(app, world["trainer"]).get("/account/notifications")
    assert trainer_page.get_data(as_text=True).count('type="checkbox"') == 1


def test_the_weekly_run_reminds_inactive_coaches_and_sends_trainers_a_digest(
    app, db_session, world, mailbox, clock
):
    french, english = world["coaches"]
    _essay(db_session, french, world["quiz"])
    _switch_off(db_session, english, "inactivity_reminder")
    never_joined = factories.make_user(db_session)
    never_joined.password_hash = None
    world["cohort"].coaches.append(never_joined)
    db_session.commit()
    clock.advance(timedelta(days=15))
    mailbox.clear()
    result = app.test_cli_runner().invoke(args=["notify", "weekly"])
    assert result.exit_code == 0, result.output
    assert "1 reminders to coaches inactive for 14 days, 1 digests to trainers; 2 of 2 sent." in (
        result.output
    )
    [reminder] = mailbox.for_(french.email)
    assert "Vous ne vous êtes pas formé·e depuis 14 jours ou plus" in mailbox.text(reminder)
    assert mailbox.for_(english.email) == mailbox.for_(never_joined.email) == []
    [digest] = mailbox.for_(world["trainer"].email)
    text = mailbox.text(digest)
    assert "- 1 réponse à corriger\r\n  http://127.0.0.1:5000/trainer/grading\r\n" in text
    assert f"3 coachs sans activité depuis 14 jours dans {world['cohort'].name}" in text
