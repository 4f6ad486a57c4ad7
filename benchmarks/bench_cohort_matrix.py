"""Cohort matrix page for 1,000 coaches × 7 units: p50/p95 time and SQL statements per page."""

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import event, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lms import create_app  # noqa: E402
from lms.auth import service as accounts  # noqa: E402
from lms.auth.models import User, cohort_coaches  # noqa: E402
from lms.catalog.models import Quiz  # noqa: E402
from lms.catalog.service import load_content  # noqa: E402
from lms.catalog.validate import validate_tree  # noqa: E402
from lms.competence.models import Validation  # noqa: E402
from lms.config import DEFAULT_CONTENT_ROOT  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.quiz.models import GRADED, Attempt, Registration  # noqa: E402
from lms.timeutil import utcnow  # noqa: E402
from lms.xapi import outbox  # noqa: E402
from lms.xapi import statements as xs  # noqa: E402

COACHES = 1_000
ROUNDS = 30
GOAL_P95_SECONDS = 1.0
PASSWORD = "bench-password"  # noqa: S105 - a throw-away account in a temporary database


def build(app) -> int:
    """Content, one trainer and a cohort of COACHES coaches with progress in every unit."""
    rng = random.Random(8)
    xapi = xs.XapiConfig(base_iri=app.config["BASE_IRI"])
    with app.app_context():
        session = db.session
        load_content(session, validate_tree(DEFAULT_CONTENT_ROOT))
        trainer = accounts.create_user(
            session,
            email="trainer@bench.example.org",
            display_name="Bench Trainer",
            role="trainer",
            password=PASSWORD,
        )
        cohort = accounts.create_cohort(session, "Bench cohort")
        accounts.assign_trainer(cohort, trainer)
        session.flush()
        quizzes = {q.module_code: q for q in _quizzes(session)}
        now = utcnow()
        users = [
            {
                "email": f"coach{n:04d}@bench.example.org",
                "display_name": f"Coach {n:04d}",
                "role": "coach",
                "language": "fr",
                "active": True,
                "created_at": now,
            }
            for n in range(COACHES)
        ]
        session.execute(insert(User), users)
        emails = dict(
            session.execute(select(User.id, User.email).where(User.role == "coach")).all()
        )
        ids = list(emails)
        session.execute(
            insert(cohort_coaches), [{"cohort_id": cohort.id, "user_id": i} for i in ids]
        )
        registrations, attempts, validations = [], [], []
        for coach_id in ids:
            for code, quiz in quizzes.items():
                roll = rng.random()
                if roll < 0.15:
                    continue  # not started
                registration = uuid.uuid4()
                registrations.append(
                    {
                        "user_id": coach_id,
                        "module_code": code,
                        "registration_uuid": registration,
                        "created_at": now,
                    }
                )
                if roll < 0.3:
                    continue  # launched, no attempt
                score = rng.uniform(0.3, 1.0)
                moment = now - timedelta(days=rng.randint(0, 60))
                attempts.append(
                    {
                        "user_id": coach_id,
                        "quiz_id": quiz.id,
                        "module_code": code,
                        "number": 1,
                        "registration": registration,
                        "state": GRADED,
                        "settings": quiz.settings,
                        "started_at": moment,
                        "submitted_at": moment,
                        "autosubmitted": False,
                        "marks": score * 20,
                        "max_marks": 20.0,
                        "score": score,
                        "passed": score >= 0.7,
                        "statement_id": uuid.uuid4(),
                        "proposed_status": "evidence_sufficient"
                        if score >= 0.7
                        else "not_yet_sufficient",
                    }
                )
                if score >= 0.8 and rng.random() < 0.6:
                    validations.append(
                        {
                            "coach_id": coach_id,
                            "unit_code": code,
                            "modality": "observation",
                            "decision": "validated",
                            "automatic": False,
                            "note": "",
                            "decided_by_id": trainer.id,
                            "decided_at": moment,
                            "statement_id": uuid.uuid4(),
                        }
                    )
                outbox.record(
                    session,
                    xs.module_launched(
                        xapi,
                        statement_id=uuid.uuid4(),
                        timestamp=moment,
                        actor=xs.Actor(email=emails[coach_id]),
                        module=xs.ModuleRef(code=code, title={"fr": code, "en": code}),
                        registration=registration,
                    ),
                    user_id=coach_id,
                )
        session.execute(insert(Registration), registrations)
        session.execute(insert(Attempt), attempts)
        session.execute(insert(Validation), validations)
        session.commit()
        print(
            f"data: {COACHES} coaches × {len(quizzes)} units, {len(registrations)} "
            f"registrations, {len(attempts)} graded attempts, {len(validations)} validations"
        )
        return cohort.id


def _quizzes(session) -> list[Quiz]:
    return list(session.scalars(select(Quiz).order_by(Quiz.module_code)))


def measure(app, cohort_id: int) -> None:
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "trainer@bench.example.org", "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    with app.app_context():
        engine = db.engine
    queries = 0

    def count(*_args, **_kwargs):
        nonlocal queries
        queries += 1

    pages = {
        "matrix": f"/trainer/cohorts/{cohort_id}",
        "matrix sorted by C2, filtered": f"/trainer/cohorts/{cohort_id}?sort=C2&order=desc"
        "&status=validated",
        "CSV export": f"/trainer/cohorts/{cohort_id}/matrix.csv",
    }
    failed = False
    for name, url in pages.items():
        client.get(url)  # warm up
        timings = []
        event.listen(engine, "before_cursor_execute", count)
        for _ in range(ROUNDS):
            queries = 0
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        event.remove(engine, "before_cursor_execute", count)
        timings.sort()
        p95 = timings[int(0.95 * (len(timings) - 1))]
        print(
            f"{name:32} p50 {statistics.median(timings) * 1000:7.1f} ms   "
            f"p95 {p95 * 1000:7.1f} ms   {queries} SQL statements   "
            f"{len(response.data) / 1024:.0f} KiB"
        )
        failed |= name == "matrix" and p95 > GOAL_P95_SECONDS
    if failed:
        raise SystemExit(f"the matrix page is slower than the goal (p95 ≤ {GOAL_P95_SECONDS} s)")


def main() -> None:
    url = os.environ.get("LMS_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as directory:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{Path(directory) / 'bench.sqlite3'}",
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "TESTING": True,
                "LRS_URL": "",
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
            print(f"database: {db.engine.dialect.name}")
        started = time.perf_counter()
        cohort_id = build(app)
        print(f"built in {time.perf_counter() - started:.1f} s")
        measure(app, cohort_id)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
