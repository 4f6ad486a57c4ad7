"""The API's read resources: framework and modules, a coach's quizzes and attempts (no key
before grading), progress and record, cohorts and matrix for trainers, statements scoped as the
xAPI resource scopes them; cursor pagination throughout."""

from lms.quiz import service as quiz_service
from tests.support import factories
from tests.support.api import api_token, bearer
from tests.support.trainer_data import XAPI, add_progress, make_units


def _get(app, token, url, status=200):
    response = app.test_client().get(url, headers=bearer(token))
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_lists_are_walked_with_a_cursor_and_a_forged_cursor_is_refused(app, db_session):
    make_units(db_session, codes=("T1", "T2", "T3"))
    coach = factories.make_user(db_session)
    db_session.commit()
    token = api_token(db_session, coach, "read")
    seen, url = [], "/api/v1/modules?limit=2"
    while True:
        page = _get(app, token, url)
        seen += [module["code"] for module in page["items"]]
        if page["next_cursor"] is None:
            break
        url = f"/api/v1/modules?limit=2&cursor={page['next_cursor']}"
    assert seen == ["T1", "T2", "T3"]
    refused = _get(app, token, "/api/v1/modules?cursor=not-a-cursor", 422)
    assert refused["code"] == 422 and "cursor" in str(refused["errors"])
    assert _get(app, token, "/api/v1/modules?limit=²", 422)["errors"]


def test_the_framework_and_a_module_with_its_lessons(app, db_session):
    make_units(db_session, codes=("T1",))
    coach = factories.make_user(db_session)
    db_session.commit()
    token = api_token(db_session, coach, "read")
    competence = _get(app, token, "/api/v1/competences")["items"][0]
    assert competence["code"] == "KT1"
    assert [s["code"] for s in competence["units"][0]["skills"]] == ["T1-S1", "T1-S2"]
    module = _get(app, token, "/api/v1/modules/T1")
    assert (module["code"], module["unit_code"], module["lessons"]) == ("T1", "T1", [])
    assert _get(app, token, "/api/v1/modules/NOPE", 404)["message"] == "No module NOPE."
    assert _get(app, token, "/api/v1/modules/T1%00", 404)["code"] == 404


def test_an_attempt_shows_no_key_before_grading_and_the_key_after(app, db_session):
    quiz = make_units(db_session, codes=("T1",))["T1"]
    coach, other = factories.make_user(db_session), factories.make_user(db_session)
    attempt = quiz_service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    quiz_service.save_answer(db_session, attempt, 1, "a")
    db_session.commit()
    token = api_token(db_session, coach, "read")
    listed = _get(app, token, f"/api/v1/quizzes/{quiz.id}")
    assert listed["quota"] == {"used": 1, "allowed": 3, "left": 2}
    assert listed["open_attempt_id"] == attempt.id
    body = _get(app, token, f"/api/v1/attempts/{attempt.id}")
    first = body["questions"][0]
    assert first["choices"] == [
        {"id": "a", "text": {"fr": "A", "en": "A"}}, {"id": "b", "text": {"fr": "B", "en": "B"}},
    ]  # fmt: skip
    assert (first["answer"], first["correct"], first["outcome"]) == ("a", None, None)
    assert "fraction" not in str(body["questions"])
    # Someone else's attempt is not found.
    _get(app, api_token(db_session, other, "read"), f"/api/v1/attempts/{attempt.id}", 404)

    quiz_service.submit(db_session, attempt, xapi=XAPI)
    db_session.commit()
    graded = _get(app, token, f"/api/v1/attempts/{attempt.id}")
    assert graded["state"] == "graded"
    assert graded["feedback_allowed"] is True
    assert graded["questions"][0]["correct"] == "a"
    assert graded["questions"][0]["outcome"]["fraction"] == 1.0
    assert [a["id"] for a in _get(app, token, "/api/v1/attempts")["items"]] == [attempt.id]


def test_progress_and_record_of_the_caller(app, db_session, demo_cohort):
    quiz = make_units(db_session, codes=("T1",))["T1"]
    coach, trainer = demo_cohort["coaches"][0], demo_cohort["trainer"]
    add_progress(db_session, coach, quiz, score=0.9, validated_by=trainer)
    db_session.commit()
    token = api_token(db_session, coach, "read")
    progress = _get(app, token, "/api/v1/progress")
    assert progress["modules"][0]["module_code"] == "T1"
    assert {s["code"] for s in progress["skills"]} == {"T1-S1", "T1-S2"}
    record = _get(app, token, "/api/v1/progress/record")
    assert [entry["unit_code"] for entry in record["entries"]] == ["T1"]
    assert record["verification_code"].startswith(f"{coach.id}-")
    _get(app, api_token(db_session, trainer, "read"), "/api/v1/progress", 403)


def test_trainers_see_their_cohorts_and_matrix_only(app, db_session, demo_cohort):
    quiz = make_units(db_session, codes=("T1",))["T1"]
    coach, trainer = demo_cohort["coaches"][0], demo_cohort["trainer"]
    add_progress(db_session, coach, quiz, score=0.9)
    other = factories.make_cohort(db_session, coaches=[factories.make_user(db_session)])
    db_session.commit()
    token = api_token(db_session, trainer, "read")
    cohort_id = demo_cohort["cohort"].id
    assert [c["id"] for c in _get(app, token, "/api/v1/cohorts")["items"]] == [cohort_id]
    detail = _get(app, token, f"/api/v1/cohorts/{cohort_id}")
    assert {c["email"] for c in detail["coaches"]} == {c.email for c in demo_cohort["coaches"]}
    matrix = _get(app, token, f"/api/v1/cohorts/{cohort_id}/matrix")
    row = next(r for r in matrix["rows"] if r["coach_id"] == coach.id)
    assert row["units"]["T1"]["best_score"] == 0.9
    _get(app, token, f"/api/v1/cohorts/{other.id}/matrix", 404)
    admin = api_token(db_session, demo_cohort["admin"], "read")
    assert len(_get(app, admin, "/api/v1/cohorts")["items"]) == 2
    _get(app, api_token(db_session, coach, "read"), "/api/v1/cohorts", 403)


def test_statements_are_scoped_as_the_xapi_resource_scopes_them(app, db_session, demo_cohort):
    quiz = make_units(db_session, codes=("T1",))["T1"]
    first, second = demo_cohort["coaches"]
    for coach in (first, second):
        quiz_service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    db_session.commit()

    def actors(user, url="/api/v1/statements"):
        items = _get(app, api_token(db_session, user, "read"), url)["items"]
        return {s["actor"]["account"]["name"] for s in items}

    assert actors(first) == {first.xapi_account}
    assert actors(demo_cohort["trainer"]) == {first.xapi_account, second.xapi_account}
    page = _get(app, api_token(db_session, demo_cohort["admin"]), "/api/v1/statements?limit=1")
    assert len(page["items"]) == 1 and page["next_cursor"]
    bad = _get(app, api_token(db_session, first), "/api/v1/statements?since=yesterday", 400)
    assert "since" in bad["message"]
