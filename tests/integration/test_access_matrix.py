"""Route × role matrix: every registered route declares who may use it, and it is enforced."""

import pytest
from flask import url_for

from tests.support.trainer_data import XAPI, access_world
from tests.support.web import Auth, csrf_token

ANONYMOUS, COACH, TRAINER, ADMIN = "anonymous", "coach", "trainer", "admin"
EVERYONE = {ANONYMOUS, COACH, TRAINER, ADMIN}
LOGGED_IN = {COACH, TRAINER, ADMIN}

# endpoint -> who may use it. A new route without an entry here fails the suite.
EXPECTED = {
    "static": EVERYONE,
    "web.home": LOGGED_IN,
    "web.healthz": EVERYONE,
    "auth.login": EVERYONE,
    "auth.logout": LOGGED_IN,
    "auth.change_password": LOGGED_IN,
    "auth.set_language": EVERYONE,
    "admin.index": {ADMIN},
    "admin.new_user": {ADMIN},
    "admin.user_status": {ADMIN},
    "admin.new_cohort": {ADMIN},
    "admin.cohort": {ADMIN},
    "admin.import_coaches": {ADMIN},
    "admin.xapi_endpoints": {ADMIN},
    "admin.save_endpoint": {ADMIN},
    "admin.retry_dead_letters": {ADMIN},
    "api.statements": LOGGED_IN,
    "api.export_records": {TRAINER, ADMIN},
    "trainer.index": {TRAINER, ADMIN},
    "trainer.cohort": {TRAINER, ADMIN},
    "trainer.cohort_csv": {TRAINER, ADMIN},
    "trainer.completions_csv": {TRAINER, ADMIN},
    "trainer.bulk_validation": {TRAINER, ADMIN},
    "trainer.coach": {TRAINER, ADMIN},
    "trainer.grading_queue": {TRAINER, ADMIN},
    "trainer.grade": {TRAINER, ADMIN},
    "trainer.validate": {TRAINER, ADMIN},
    "trainer.revoke": {TRAINER, ADMIN},
    "trainer.attachment": {TRAINER, ADMIN},
    "trainer.record_page": {TRAINER, ADMIN},
    "trainer.record_pdf": {TRAINER, ADMIN},
    "trainer.cohort_records": {TRAINER, ADMIN},
    "trainer.verify": EVERYONE,
    "trainer.quizzes": {TRAINER, ADMIN},
    "trainer.quiz_statistics": {TRAINER, ADMIN},
    "trainer.quiz_statistics_csv": {TRAINER, ADMIN},
    "delivery.catalogue": LOGGED_IN,
    "delivery.module": LOGGED_IN,
    "delivery.lesson": LOGGED_IN,
    "delivery.lesson_done": {COACH},
    "delivery.quiz": {COACH},
    "delivery.start_quiz": {COACH},
    "delivery.attempt": {COACH},
    "delivery.save_attempt": {COACH},
    "delivery.autosave": {COACH},
    "delivery.summary": {COACH},
    "delivery.submit": {COACH},
    "delivery.result": {COACH},
    "delivery.review": {COACH},
    "delivery.progress": {COACH},
    "delivery.progress_record": {COACH},
    "trainer_live.index": {TRAINER, ADMIN},
    "trainer_live.new": {TRAINER, ADMIN},
    "trainer_live.control": {TRAINER, ADMIN},
    "trainer_live.panel": {TRAINER, ADMIN},
    "trainer_live.action": {TRAINER, ADMIN},
    "trainer_live.summary": {TRAINER, ADMIN},
    "coach_live.join": {COACH},
    "coach_live.join_session": {COACH},
    "coach_live.play": {COACH},
    "coach_live.state": {COACH},
    "coach_live.answer": {COACH},
    "coach_live.leave": {COACH},
}


def delivery_world(session, demo_cohort, quiz_id: int) -> dict:
    """URL values of the coach pages: a lesson of unit T1, an open attempt of the first coach
    and a live session of the cohort."""
    from lms.catalog.models import Lesson, LessonVersion, Quiz
    from lms.live import service as live_service
    from lms.quiz import service as quiz_service

    quiz = session.get(Quiz, quiz_id)
    text = {"fr": "Leçon", "en": "Lesson"}
    lesson = Lesson(module=quiz.module, slug="first", position=1)
    lesson.versions.append(
        LessonVersion(
            number=1,
            title=text,
            minutes=5,
            source_fr="## Leçon",
            source_en="## Lesson",
            html_fr="<h2>Leçon</h2>",
            html_en="<h2>Lesson</h2>",
            words_fr=1,
            words_en=1,
            content_hash="x",
        )
    )
    session.add(lesson)
    attempt = quiz_service.start(session, user=demo_cohort["coaches"][0], quiz=quiz, xapi=XAPI)
    live = live_service.schedule(
        session,
        trainer=demo_cohort["trainer"],
        cohort=demo_cohort["cohort"],
        quiz=quiz,
        module=quiz.module,
        scheduled_at=attempt.started_at,
        versions=[attempt.slots[0].question_version],
    )
    session.commit()
    return {"code": quiz.module_code, "slug": "first", "attempt_id": attempt.id, "live_id": live.id}


def _url_values(rule, world) -> dict:
    values = {}
    for name in rule.arguments:
        if name not in world:
            pytest.fail(f"{rule.endpoint}: no test value for URL argument {name!r}")
        values[name] = world[name]
    return values


def test_every_route_has_an_expected_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "routes without an access rule in EXPECTED"
    assert EXPECTED.keys() - endpoints == set(), "rules for routes that no longer exist"


def test_every_view_declares_its_roles(app):
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        declared = getattr(view, "allowed_roles", None)
        assert declared is not None, f"{endpoint} has no access decorator"
        expected = EXPECTED[endpoint]
        assert (set(declared) or EVERYONE) == (expected - {ANONYMOUS} if declared else expected)


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_roles_are_enforced(app, demo_cohort, role, db_session, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", tmp_path)
    trainer_world = access_world(db_session, demo_cohort, tmp_path)
    client = app.test_client()
    if role != ANONYMOUS:
        user = demo_cohort["coaches"][0] if role == COACH else demo_cohort[role]
        assert Auth(client).login(user.email).status_code == 302
    world = {
        "user_id": demo_cohort["coaches"][1].id,
        "cohort_id": demo_cohort["cohort"].id,
        "filename": "css/app.css",
        **trainer_world,
        **delivery_world(db_session, demo_cohort, trainer_world["quiz_id"]),
    }
    for rule in app.url_map.iter_rules():
        allowed = role in EXPECTED[rule.endpoint]
        with app.test_request_context():
            url = url_for(rule.endpoint, **_url_values(rule, world))
        if "GET" in rule.methods:
            response = client.get(url)
        elif allowed:
            continue  # a permitted POST would change data; its own tests cover it
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client, "/login")})
        status, location = response.status_code, response.headers.get("Location", "")
        response.close()
        if allowed:
            assert status in (200, 302), f"{role} should reach {url}, got {status}"
            assert not (status == 302 and location.startswith("/login")), f"{role} sent to login"
        elif role == ANONYMOUS:
            assert status == 302 and location.startswith("/login"), f"anonymous reached {url}"
        else:
            assert status == 403, f"{role} should be refused {url}, got {status}"
