"""URL values for every route: the data behind each URL argument, for walking the url_map."""

import pytest

from tests.support.trainer_data import XAPI, access_world
from tests.support.web import Auth


def route_world(session, demo_cohort, upload_dir) -> dict:
    """A value for each URL argument of the application's routes, backed by committed rows:
    the trainer-side data of ``access_world`` and the coach pages of ``delivery_world``."""
    from sqlalchemy import select

    from lms.auth import links
    from lms.credentials.models import Credential

    trainer_world = access_world(session, demo_cohort, upload_dir)
    return {
        "public_id": session.scalars(select(Credential.public_id)).first(),
        "number": 1,
        "token": links.make_token("test-secret", demo_cohort["coaches"][1], links.RESET),
        "user_id": demo_cohort["coaches"][1].id,
        "token_id": 1,
        "position": 1,
        "cohort_id": demo_cohort["cohort"].id,
        "filename": "css/app.css",
        "extension": "csv",
        "path": "profile",
        **trainer_world,
        **delivery_world(session, demo_cohort, trainer_world["quiz_id"]),
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
    quiz.module.documents = [
        {
            "slug": "guide",
            "title": text,
            "source": {"fr": "# Guide", "en": "# Guide"},
            "lessons": ["first"],
        }
    ]
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
    return {
        "code": quiz.module_code,
        "slug": "first",
        "attempt_id": attempt.id,
        "live_id": live.id,
        "document": "guide",
        "fmt": "md",
    }


def url_values(rule, world) -> dict:
    values = {}
    for name in rule.arguments:
        if name not in world:
            pytest.fail(f"{rule.endpoint}: no test value for URL argument {name!r}")
        values[name] = world[name]
    return values


def client_as(app, demo_cohort, role: str):
    """A test client logged in as the cohort's user of this role (the first coach), or not at
    all for ``anonymous``."""
    client = app.test_client()
    if role != "anonymous":
        user = demo_cohort["coaches"][0] if role == "coach" else demo_cohort[role]
        assert Auth(client).login(user.email).status_code == 302
    return client
