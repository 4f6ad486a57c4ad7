"""Numbers typed on the pages: NaN, the infinities and huge exponents are a form error (400),
never a 500, and change nothing stored."""

import pytest
from sqlalchemy import func, select

from lms.quiz import service as quiz_service
from lms.quiz.models import Grade
from tests.support.trainer_data import XAPI, make_units
from tests.support.web import csrf_token


@pytest.mark.parametrize("typed", ["NaN", "sNaN", "-Infinity", "inf", "1e400", "²"])
def test_a_grade_that_is_not_a_finite_number_is_refused(
    app, db_session, demo_cohort, trainer_client, typed
):
    quiz = make_units(db_session, codes=("T1",))["T1"]
    attempt = quiz_service.start(db_session, user=demo_cohort["coaches"][0], quiz=quiz, xapi=XAPI)
    quiz_service.save_answer(db_session, attempt, 4, "My essay")
    quiz_service.submit(db_session, attempt, xapi=XAPI)
    db_session.commit()
    grades = db_session.scalar(select(func.count(Grade.id)))
    url = f"/trainer/grading/{attempt.slots[3].id}"
    response = trainer_client.post(
        url, data={"percent": typed, "csrf_token": csrf_token(trainer_client, url)}
    )
    assert response.status_code == 400
    assert db_session.scalar(select(func.count(Grade.id))) == grades


def test_a_finite_grade_is_saved(app, db_session, demo_cohort, trainer_client):
    quiz = make_units(
        db_session,
        codes=("T1",),
    )["T1"]
    quiz.module.validation = {**quiz.module.validation, "evaluation_grid": {}}
    attempt = quiz_service.start(db_session, user=demo_cohort["coaches"][0], quiz=quiz, xapi=XAPI)
    quiz_service.save_answer(db_session, attempt, 4, "My essay")
    quiz_service.submit(db_session, attempt, xapi=XAPI)
    db_session.commit()
    url = f"/trainer/grading/{attempt.slots[3].id}"
    response = trainer_client.post(
        url, data={"percent": "75.5", "csrf_token": csrf_token(trainer_client, url)}
    )
    assert response.status_code == 302
    assert db_session.scalars(select(Grade.fraction).order_by(Grade.id.desc())).first() == 0.755
