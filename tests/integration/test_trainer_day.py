"""The trainer's day: what needs action on the dashboard, grading with save-and-next, the grid's
levels with their descriptors and its errors beside it, Markdown rendered, rounded numbers."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.catalog.models import Question, QuestionVersion
from lms.quiz import service as quiz_service
from tests.support import trainer_data
from tests.support.trainer_data import XAPI
from tests.support.web import Auth, csrf_token

MARKDOWN = "Describe **your plan**.\n\n- goals\n- partners <script>alert(1)</script>"


@pytest.fixture
def world(app, db_session, demo_cohort):
    quizzes = trainer_data.make_units(db_session, codes=("T1",))
    essay = db_session.scalar(
        select(QuestionVersion).join(Question).where(Question.code == "T1-Q04")
    )
    essay.definition = {**essay.definition, "text": {"fr": MARKDOWN, "en": MARKDOWN}}
    demo_cohort["trainer"].language = "en"
    db_session.commit()
    return {**demo_cohort, "quiz": quizzes["T1"]}


def _client(app, user):
    client = app.test_client()
    assert Auth(client).login(user.email).status_code == 302
    return client


def _essays(session, world) -> list[int]:
    """One submitted attempt per coach; the ids of their essay slots, oldest first."""
    slots = []
    for coach in world["coaches"]:
        attempt = quiz_service.start(session, user=coach, quiz=world["quiz"], xapi=XAPI)
        for position, raw in enumerate(("a", "a", "a", "**My plan**: a briefing"), start=1):
            quiz_service.save_answer(session, attempt, position, raw)
        quiz_service.submit(session, attempt, xapi=XAPI)
        session.commit()
        slots.append(attempt.slots[3].id)
    return slots


def _grade(client, slot_id: int, data: dict):
    url = f"/trainer/grading/{slot_id}"
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def test_the_dashboard_counts_what_waits_and_links_to_it(app, db_session, world, clock):
    _essays(db_session, world)
    client = _client(app, world["trainer"])
    page = client.get("/trainer/").get_data(as_text=True)
    assert re.search(
        r'href="/trainer/grading"><strong>2</strong>\s*answers waiting for grading', page
    )
    clock.advance(timedelta(days=15))
    # A fortnight later the old session has expired: the trainer signs in again.
    later = _client(app, world["trainer"]).get("/trainer/").get_data(as_text=True)
    cohort_id = world["cohort"].id
    assert f'href="/trainer/cohorts/{cohort_id}?inactive=14"><strong>2</strong>' in later
    assert "coaches inactive for 14 days in" in later


def test_save_and_next_opens_the_next_answer_then_the_queue(app, db_session, world):
    first, second = _essays(db_session, world)
    client = _client(app, world["trainer"])
    levels = {"level-accuracy": "mastered", "level-support": "partial", "save_next": "1"}
    done = _grade(client, first, levels)
    assert done.status_code == 302 and done.headers["Location"] == f"/trainer/grading/{second}"
    last = _grade(client, second, levels)
    assert last.status_code == 302 and last.headers["Location"] == "/trainer/grading"


def test_the_grid_shows_descriptors_and_its_error_beside_it(app, db_session, world):
    first, _second = _essays(db_session, world)
    client = _client(app, world["trainer"])
    page = client.get(f"/trainer/grading/{first}").get_data(as_text=True)
    assert 'class="level-choice" for="level-accuracy-mastered"' in page
    assert "The expected elements are there and correct." in page
    assert "<strong>your plan</strong>" in page
    missing = _grade(client, first, {"level-accuracy": "mastered"}).get_data(as_text=True)
    grid = missing[missing.index('<fieldset class="grid has-error"') :]
    assert grid.index("Choose a level for every criterion") < grid.index("level-accuracy-")


def test_the_queue_renders_markdown_sanitised(app, db_session, world):
    _essays(db_session, world)
    client = _client(app, world["trainer"])
    queue = client.get("/trainer/grading").get_data(as_text=True)
    assert "2 answers wait for grading, oldest first." in queue
    assert "<strong>your plan</strong>" in queue and "<li>goals</li>" in queue
    assert "**" not in queue and "<script>alert" not in queue
