"""Two application servers (each with two gunicorn workers) against one PostgreSQL: a trainer
on A runs a live session that coaches on B join and answer, and a quiz attempt saved on A is
submitted and graded on B. Every piece of state is in the database, none in a process."""

import re
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog.queries import current_question_versions
from lms.extensions import db
from lms.live.models import LiveSession
from lms.quiz.models import Attempt
from tests.support import factories
from tests.support.app import build_app
from tests.support.operator_files import REPO, dockerfile_cmd, on_this_machine
from tests.support.postgres import free_port
from tests.support.servers import Browser, Process, wait_healthy

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def world(postgres_server):
    url = postgres_server.create_database("lms_two_servers")
    app = build_app(url)
    with app.app_context():
        trainer = factories.make_user(db.session, role="trainer", language="en")
        coaches = [factories.make_user(db.session, language="en") for _ in range(2)]
        cohort = factories.make_cohort(db.session, trainers=[trainer], coaches=coaches)
        questions = [factories.question(f"T1-Q0{n}") for n in (1, 2, 3)]
        factories.make_quiz(db.session, questions=questions, layout="all_on_one_page")
        db.session.commit()
        world = {
            "trainer": trainer.email,
            "coaches": [c.email for c in coaches],
            "names": [c.display_name for c in coaches],
            "cohort_id": cohort.id,
            "versions": [v.id for v in current_question_versions(db.session, "T1")],
        }
    yield {"url": url, "app": app, **world}
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def servers(world, tmp_path_factory):
    """The image's web command, twice, on two ports, with this checkout's virtual environment."""
    command = on_this_machine(dockerfile_cmd(), Path(sys.prefix), REPO)
    tmp_path = tmp_path_factory.mktemp("servers")
    env = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin",
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": uuid.uuid4().hex * 2,  # the same on both, as behind a balancer
        "LMS_DATABASE_URL": world["url"],
        "LMS_INSTANCE_PATH": str(tmp_path),
        "LMS_BASE_URL": "https://lms.example.org",
        "WEB_CONCURRENCY": "2",
    }
    started = []
    try:
        for name in ("a", "b"):
            port = free_port()
            process = Process(
                command, env={**env, "PORT": str(port)}, cwd=tmp_path, log=tmp_path / f"{name}.log"
            )
            started.append(process)
            wait_healthy(f"http://127.0.0.1:{port}", process)
            process.base_url = f"http://127.0.0.1:{port}"
        yield [process.base_url for process in started]
    finally:
        for process in started:
            process.stop()


@pytest.fixture
def logged_in():
    """Log someone in on a server; every browser is closed at the end."""
    opened: list[Browser] = []

    def open_browser(base_url: str, email: str) -> Browser:
        opened.append(Browser(base_url))
        opened[-1].login(email, factories.PASSWORD)
        return opened[-1]

    yield open_browser
    for browser in opened:
        browser.close()


def control(trainer: Browser, live_id: int, action: str) -> None:
    page = trainer.get(f"/live/{live_id}/").text
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    response = trainer.post_form(
        f"/live/{live_id}/control", {"action": action, "revision": revision}
    )
    assert response.status_code == 302, f"{action}: {response.status_code}"


def test_a_live_session_runs_across_two_servers(world, servers, logged_in):
    server_a, server_b = servers
    trainer = logged_in(server_a, world["trainer"])
    new = "/live/new?module=T1"
    scheduled = trainer.post_form(
        new,
        {
            "title": "Webinar T1",
            "cohort": str(world["cohort_id"]),
            "scheduled_at": "2030-01-15T10:00",
            "question_seconds": "0",
            "questions": [str(i) for i in world["versions"][:2]],
        },
        form_page=new,
    )
    assert scheduled.status_code == 302, scheduled.text[:2000]
    live_id = int(scheduled.headers["Location"].strip("/").rsplit("/", 1)[1])
    control(trainer, live_id, "open")
    code = re.search(r'class="join-code"[^>]*>(\d{6})<', trainer.get(f"/live/{live_id}/").text)[1]

    first, second = (logged_in(server_b, email) for email in world["coaches"])
    joined = first.post_form("/live/join", {"code": code})
    assert joined.headers["Location"].endswith(f"/live/{live_id}/play")
    assert second.post_form(f"/live/{live_id}/join", {}).status_code == 302
    panel = trainer.get(f"/live/{live_id}/panel?revision=0").text
    assert all(name in panel for name in world["names"])  # joined on B, seen on A

    for position, answers in ((1, ("a", "b")), (2, ("a", "a"))):
        shown = re.search(r'data-revision="(\d+)"', first.get(f"/live/{live_id}/play").text)[1]
        with second.events(f"/live/{live_id}/events?revision={shown}") as events:
            assert next(events).startswith("retry: ")
            control(trainer, live_id, "next")
            pushed = next(events)  # B's stream heard of A's change (PostgreSQL NOTIFY)
        assert f"id: {int(shown) + 1}" in pushed and f'name="q{position}"' in pushed
        state = first.get(f"/live/{live_id}/state?revision=0").text
        assert f'name="q{position}"' in state  # moved on A, shown on B
        for coach, raw in zip((first, second), answers, strict=True):
            answered = coach.post_form(
                f"/live/{live_id}/answer", {f"q{position}": raw}, form_page=f"/live/{live_id}/play"
            )
            assert answered.status_code in (200, 302)
        control(trainer, live_id, "reveal")
    control(trainer, live_id, "end")

    summary = trainer.get(f"/live/{live_id}/summary").text
    assert all(name in summary for name in world["names"])
    with world["app"].app_context():
        live = db.session.get(LiveSession, live_id)
        attempts = select(Attempt).where(Attempt.live_session_id == live_id)
        scores = sorted(a.score for a in db.session.scalars(attempts))
        assert live.state == "ended"
    assert scores == [0.5, 1.0]


def test_a_quiz_saved_on_one_server_is_submitted_and_graded_on_the_other(world, servers, logged_in):
    server_a, server_b = servers
    on_a = logged_in(server_a, world["coaches"][0])
    started = on_a.post_form("/modules/T1/quiz/start", {}, form_page="/modules/T1/quiz")
    attempt_path = started.headers["Location"]
    attempt_id = int(attempt_path.rstrip("/").rsplit("/", 1)[1])
    form = {"shown": ["1", "2", "3"], "page": "1", "q1": "a", "q2": "a", "q3": "b"}
    assert on_a.post_form(attempt_path, form, form_page=attempt_path).status_code == 302

    on_b = logged_in(server_b, world["coaches"][0])
    summary = on_b.get(f"/attempts/{attempt_id}/summary").text
    assert summary.count("Answer saved") == 3
    submitted = on_b.post_form(f"/attempts/{attempt_id}/submit", {}, form_page=attempt_path)
    assert submitted.status_code == 302
    result = on_b.get(f"/attempts/{attempt_id}/result").text
    assert "2 out of 3 marks" in result

    trainer_on_a = logged_in(server_a, world["trainer"])
    assert trainer_on_a.get("/healthz").json()["healthy"] is True
    with world["app"].app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "graded" and attempt.score == pytest.approx(2 / 3)
