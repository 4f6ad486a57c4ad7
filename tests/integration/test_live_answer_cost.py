"""Query-count guard of a live answer: the same few statements for the first and the tenth."""

from lms.catalog import queries
from lms.live import service
from lms.timeutil import utcnow
from lms.xapi.statements import XapiConfig
from tests.support import factories
from tests.support.sql import statements_run
from tests.support.web import Auth, csrf_token


def _asking_room(db_session):
    """A running session of one coach, its first question on screen; (session, coach)."""
    quiz = factories.make_quiz(
        db_session,
        questions=[factories.question("T1-Q01", skills=["T1-S1"]), factories.question("T1-Q02")],
    )
    trainer, coach = (
        factories.make_user(db_session, role="trainer"),
        factories.make_user(db_session),
    )
    cohort = factories.make_cohort(db_session, trainers=[trainer], coaches=[coach])
    xapi = XapiConfig(base_iri="https://lms.example.org/xapi")
    live = service.schedule(
        db_session, trainer=trainer, cohort=cohort, quiz=quiz, module=quiz.module,
        scheduled_at=utcnow(), versions=queries.current_question_versions(db_session, "T1"),
    )  # fmt: skip
    service.open_session(db_session, live)
    service.join(db_session, live, user=coach, cohort=cohort, quiz=quiz, xapi=xapi)
    service.control(db_session, live, "next", expected=None, xapi=xapi)
    db_session.commit()
    return live, coach


def test_a_live_answer_costs_the_same_few_statements_whatever_came_before(app, db_session):
    live, coach = _asking_room(db_session)
    client = app.test_client()
    assert Auth(client).login(coach.email).status_code == 302
    token = csrf_token(client, "/")
    counts = []
    for number in range(10):
        with statements_run(app) as statements:
            response = client.post(
                f"/live/{live.id}/answer",
                data={"csrf_token": token, "q1": "ab"[number % 2]},
                headers={"HX-Request": "true"},
            )
        assert response.status_code == 200, response.get_data(as_text=True)
        counts.append(len(statements))
    assert counts[0] == counts[-1], counts
    # The coach, the session, the membership, the participant with their attempt, the slot
    # with its question version and latest answer and grade, the insert.
    assert counts[-1] <= 6, counts
