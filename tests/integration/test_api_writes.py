"""The API's write resources call the services the pages call: attempts (start, answer,
submit, result), grading, decisions and revocations (audited), live sessions (join, state,
answer), accounts and cohorts; a refusal changes nothing stored."""

from sqlalchemy import func, select

from lms.auth.models import AuditEvent, User
from lms.catalog import queries as catalog
from lms.competence.models import Decision
from lms.live import service as live_service
from lms.quiz import service as quiz_service
from lms.quiz.models import Answer
from lms.timeutil import utcnow
from tests.support import factories
from tests.support.api import api_token, bearer
from tests.support.trainer_data import XAPI, make_units


def _call(app, token, method, url, status, json=None):
    response = app.test_client().open(url, method=method, json=json, headers=bearer(token))
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _answers(session) -> int:
    return session.scalar(select(func.count(Answer.id)))


def test_a_coach_takes_a_quiz_through_the_api(app, db_session):
    quiz = make_units(db_session, codes=("T1",))["T1"]
    coach = factories.make_user(db_session)
    db_session.commit()
    token = api_token(db_session, coach)
    started = _call(app, token, "POST", f"/api/v1/quizzes/{quiz.id}/attempts", 201)
    attempt_id = started["id"]
    assert started["state"] == "open" and len(started["questions"]) == 4
    # A second start resumes the open attempt, as the quiz page does.
    assert _call(app, token, "POST", f"/api/v1/quizzes/{quiz.id}/attempts", 201)["id"] == attempt_id

    url = f"/api/v1/attempts/{attempt_id}/answers"
    saved = _call(app, token, "PUT", f"{url}/1", 200, {"answer": "a", "flagged": True})
    assert (saved["answer"], saved["flagged"], saved["correct"]) == ("a", True, None)
    refused = _call(app, token, "PUT", f"{url}/2", 422, {"answer": "zz"})
    assert refused["errors"]["json"]["answer"]
    assert _call(app, token, "PUT", f"{url}/2", 422, {"answer": {"nested": [1]}})["message"]
    _call(app, token, "PUT", f"{url}/99", 404, {"answer": "a"})
    assert _answers(db_session) == 1
    # The same answer again stores nothing new, as on the quiz page.
    _call(app, token, "PUT", f"{url}/1", 200, {"answer": "a"})
    assert _answers(db_session) == 1

    assert _call(app, token, "GET", f"/api/v1/attempts/{attempt_id}/result", 200)["marks"] is None
    result = _call(app, token, "POST", f"/api/v1/attempts/{attempt_id}/submit", 200)
    assert result["state"] == "graded" and result["marks"] == 1.0
    assert {s["code"] for s in result["skills"]} == {"T1-S1", "T1-S2"}
    assert _call(app, token, "GET", f"/api/v1/attempts/{attempt_id}/result", 200) | {
        "validated_unit": None
    } == result | {"validated_unit": None}
    _call(app, token, "PUT", f"{url}/2", 409, {"answer": "b"})
    _call(app, token, "POST", f"/api/v1/attempts/{attempt_id}/submit", 409)
    assert _answers(db_session) == 1


def test_a_read_token_changes_nothing(app, db_session):
    quiz = make_units(db_session, codes=("T1",))["T1"]
    coach = factories.make_user(db_session)
    db_session.commit()
    _call(app, api_token(db_session, coach, "read"), "POST",
          f"/api/v1/quizzes/{quiz.id}/attempts", 403)  # fmt: skip
    assert quiz_service.open_attempt(db_session, coach, quiz) is None


def test_a_trainer_grades_decides_and_revokes_through_the_api(app, db_session, demo_cohort):
    quiz = make_units(db_session, codes=("T1",))["T1"]
    coach, trainer = demo_cohort["coaches"][0], demo_cohort["trainer"]
    attempt = quiz_service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    quiz_service.save_answer(db_session, attempt, 4, "My essay")
    quiz_service.submit(db_session, attempt, xapi=XAPI)
    stranger = factories.make_user(db_session)
    db_session.commit()
    token = api_token(db_session, trainer)
    queue = _call(app, token, "GET", "/api/v1/grading", 200)["items"]
    assert [(i["coach_id"], i["answer"]) for i in queue] == [(coach.id, "My essay")]
    grade_url = f"/api/v1/grading/{queue[0]['slot_id']}"
    assert _call(app, token, "POST", grade_url, 409, {"levels": {"accuracy": "good"}})["message"]
    graded = _call(app, token, "POST", grade_url, 200,
                   {"levels": {"accuracy": "mastered", "support": "expert"}})  # fmt: skip
    assert graded["state"] in ("correct", "partial", "incorrect")
    assert _call(app, token, "GET", "/api/v1/grading", 200)["items"] == []

    body = {"coach_id": coach.id, "unit_code": "T1", "modality": "observation",
            "decision": "validated", "note": "Seen at work"}  # fmt: skip
    decision = _call(app, token, "POST", "/api/v1/decisions", 201, body)
    assert (decision["decision"], decision["revoked_at"]) == ("validated", None)
    assert "T1" in _call(app, token, "POST", "/api/v1/decisions", 409, body)["message"]
    _call(app, token, "POST", "/api/v1/decisions", 404, {**body, "coach_id": stranger.id})
    _call(app, token, "POST", "/api/v1/decisions", 422, {**body, "decision": "maybe"})
    _call(app, token, "POST", f"/api/v1/decisions/{decision['id']}/revoke", 422, {"reason": " "})
    revoked = _call(app, token, "POST", f"/api/v1/decisions/{decision['id']}/revoke", 200,
                    {"reason": "Recorded for the wrong coach"})  # fmt: skip
    assert revoked["revoked_at"] is not None
    assert db_session.scalar(select(func.count(Decision.id))) == 1
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == trainer.id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["attempt.graded", "decision.recorded", "decision.revoked"]
    _call(app, api_token(db_session, coach), "POST", "/api/v1/decisions", 403, body)


def test_a_coach_plays_a_live_session_through_the_api(app, db_session, demo_cohort):
    quiz = make_units(db_session, codes=("T1",))["T1"]
    coach, trainer = demo_cohort["coaches"][0], demo_cohort["trainer"]
    live = live_service.schedule(
        db_session, trainer=trainer, cohort=demo_cohort["cohort"], quiz=quiz, module=quiz.module,
        scheduled_at=utcnow(),
        versions=catalog.current_question_versions(db_session, quiz.module_code)[:2],
    )  # fmt: skip
    db_session.commit()
    token = api_token(db_session, coach)
    url = f"/api/v1/live/{live.id}"
    assert _call(app, token, "POST", f"{url}/join", 409)["message"]  # not open yet
    _call(app, token, "PUT", f"{url}/answer", 409, {"answer": "a"})
    live_service.open_session(db_session, live)
    db_session.commit()
    joined = _call(app, token, "POST", f"{url}/join", 200)
    assert (joined["state"], joined["joined"], joined["question"]) == ("open", True, None)
    live_service.control(db_session, live, "next", expected=None, xapi=XAPI)
    db_session.commit()
    asked = _call(app, token, "GET", url, 200)
    assert asked["phase"] == "asking" and asked["question"]["correct"] is None
    answered = _call(app, token, "PUT", f"{url}/answer", 200, {"answer": "a"})
    assert answered["question"]["answer"] == "a"
    live_service.control(db_session, live, "reveal", expected=None, xapi=XAPI)
    db_session.commit()
    assert _call(app, token, "GET", url, 200)["question"]["correct"] == "a"
    _call(app, token, "PUT", f"{url}/answer", 409, {"answer": "b"})
    other = factories.make_cohort(db_session, coaches=[factories.make_user(db_session)])
    db_session.commit()
    _call(app, api_token(db_session, other.coaches[0]), "GET", url, 404)


def test_an_administrator_manages_accounts_and_cohorts(app, db_session, demo_cohort, mailbox):
    admin, coach = demo_cohort["admin"], demo_cohort["coaches"][0]
    token = api_token(db_session, admin)
    created = _call(app, token, "POST", "/api/v1/users", 201,
                    {"email": "New.Coach@Example.org", "display_name": "New Coach"})  # fmt: skip
    assert (created["email"], created["role"], created["accepted"]) == (
        "new.coach@example.org", "coach", False,
    )  # fmt: skip
    assert [m["To"] for m in mailbox.messages] == ["new.coach@example.org"]
    duplicate = _call(app, token, "POST", "/api/v1/users", 422,
                      {"email": "new.coach@example.org", "display_name": "Again"})  # fmt: skip
    assert "email" in duplicate["errors"]["json"]

    coach_token = api_token(db_session, coach)
    _call(app, coach_token, "GET", "/api/v1/me", 200)
    changed = _call(app, token, "PATCH", f"/api/v1/users/{coach.id}", 200, {"active": False})
    assert changed["active"] is False
    _call(app, coach_token, "GET", "/api/v1/me", 401)
    _call(app, token, "PATCH", f"/api/v1/users/{admin.id}", 409, {"active": False})

    cohort = _call(app, token, "POST", "/api/v1/cohorts", 201, {"name": "Autumn"})
    members = f"/api/v1/cohorts/{cohort['id']}/members"
    refused = _call(app, token, "POST", members, 422,
                    {"emails": ["new.coach@example.org", "nobody@example.org"]})  # fmt: skip
    assert "nobody@example.org" in refused["message"]
    assert _call(app, token, "GET", f"/api/v1/cohorts/{cohort['id']}", 200)["coaches"] == []
    added = _call(app, token, "POST", members, 200, {"emails": ["new.coach@example.org"]})
    assert [c["email"] for c in added["coaches"]] == ["new.coach@example.org"]
    emails = [u["email"] for u in _call(app, token, "GET", "/api/v1/users", 200)["items"]]
    assert "new.coach@example.org" in emails
    _call(app, api_token(db_session, demo_cohort["trainer"]), "GET", "/api/v1/users", 403)
    assert db_session.scalar(select(func.count(User.id))) == 5


def test_a_nul_character_in_a_body_is_refused_before_any_write(app, db_session, demo_cohort):
    """PostgreSQL cannot store a NUL: the API refuses it (400) before a service sees it."""
    quiz = make_units(db_session, codes=("T1",))["T1"]
    coach = demo_cohort["coaches"][0]
    attempt = quiz_service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    quiz_service.save_answer(db_session, attempt, 4, "My essay")
    quiz_service.submit(db_session, attempt, xapi=XAPI)
    db_session.commit()
    trainer = api_token(db_session, demo_cohort["trainer"])
    body = {"levels": {"accuracy": "mastered", "support": "expert"}, "comment": "a\x00b"}
    refused = _call(app, trainer, "POST", f"/api/v1/grading/{attempt.slots[3].id}", 400, body)
    assert "NUL" in refused["message"]
    admin = api_token(db_session, demo_cohort["admin"])
    _call(app, admin, "POST", "/api/v1/users", 400, {"email": "x@example.org",
                                                      "display_name": "X", "a\x00": 1})  # fmt: skip
    assert db_session.scalar(select(func.count(AuditEvent.id))) == 0
    assert db_session.scalar(select(func.count(User.id))) == 4
