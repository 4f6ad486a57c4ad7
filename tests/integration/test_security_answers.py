"""Finding 2: saving an answer and submitting the attempt exclude each other."""

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lms.extensions import db
from lms.quiz import service
from lms.quiz.models import Answer, Attempt, AttemptSlot
from lms.xapi.statements import XapiConfig
from tests.support import factories
from tests.support.web import csrf_token, logged_in_client

XAPI = XapiConfig(base_iri="https://lms.example.org/xapi")


def _answers(session, attempt_id: int) -> list:
    query = (
        select(Answer.raw)
        .join(AttemptSlot, Answer.slot_id == AttemptSlot.id)
        .where(AttemptSlot.attempt_id == attempt_id)
        .order_by(Answer.id)
    )
    return list(session.scalars(query))


def _submit_elsewhere(engine, attempt_id: int) -> None:
    with Session(engine) as other:
        service.submit(other, other.get(Attempt, attempt_id), xapi=XAPI)
        other.commit()


def test_a_save_that_started_before_a_submit_stores_nothing_after_it(db_session):
    coach = factories.make_user(db_session)
    quiz = factories.make_quiz(db_session)
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    service.save_answer(db_session, attempt, 1, "a")
    db_session.commit()
    assert attempt.is_open and attempt.slots[0].answer.raw == "a"  # what the save has read
    _submit_elsewhere(db_session.get_bind(), attempt.id)
    with pytest.raises(service.AttemptError, match="has been submitted"):
        service.save_answer(db_session, attempt, 1, "b")
    db_session.rollback()
    assert _answers(db_session, attempt.id) == ["a"]


def test_an_autosave_that_loses_the_race_is_refused_and_the_coach_told(app, db_session):
    coach = factories.make_user(db_session, language="en")
    factories.make_quiz(db_session)
    db_session.commit()
    client = logged_in_client(app, coach.email)
    token = csrf_token(client, "/")
    started = client.post("/modules/T1/quiz/start", data={"csrf_token": token})
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        engine = db.engine
    fired = []

    def submit_first(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO ANSWERS") and not fired:
            fired.append(statement)
            _submit_elsewhere(engine, attempt_id)

    event.listen(engine, "before_cursor_execute", submit_first)
    try:
        response = client.post(
            f"/attempts/{attempt_id}/autosave",
            data={"csrf_token": token, "shown": "1", "q1": "a"},
            headers={"HX-Request": "true"},
        )
    finally:
        event.remove(engine, "before_cursor_execute", submit_first)
    assert fired
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/attempts/{attempt_id}/result"
    result = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "submitted before this answer arrived: it was not saved" in result
    assert _answers(db_session, attempt_id) == []
